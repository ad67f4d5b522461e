import type { CorsOriginCallback } from '../cors-module-options.js';
import type { OriginVerdictCache } from './origin-verdict-cache.js';
import { isCanonicalHost, scanOrigin } from './serialized-origin.js';
import { WildcardPatterns } from './wildcard-patterns.js';

/**
 * Answers "is this origin allowed?" for one policy without scanning its allow-list:
 * exact origins sit in a hashed set, wildcard patterns are looked up by host suffix (one map
 * lookup per dot of the request's host) or, for a port wildcard, by the origin without its port
 * ({@link WildcardPatterns}), and all RegExps of one flag set are joined into a single RegExp
 * at compile time. A callback, if any, is the policy's only entry, with the cache of its
 * verdicts when the policy has `originsCache`.
 *
 * Frozen (its sets and maps are not, but nothing writes to them after compilation): the static
 * entries keep no cache of origins seen, which a client choosing its `Origin` could fill or
 * churn, and their answer depends on the origin alone. The verdict cache is the one exception,
 * opted into, bounded and kept apart ({@link OriginVerdictCache}).
 */
export class OriginMatcher {
  private constructor(
    /** `'*'`: every origin, answered with `Access-Control-Allow-Origin: *`. */
    readonly any: boolean,
    private readonly exact: ReadonlySet<string>,
    /** The `scheme://*.suffix[:port]` and `scheme://host:*` patterns, if any. */
    private readonly patterns: WildcardPatterns | undefined,
    private readonly regexps: readonly RegExp[],
    readonly callback: CorsOriginCallback | undefined,
    /** The callback's kept verdicts (`originsCache`); `invalidate()` drops them. */
    readonly cache: OriginVerdictCache | undefined,
  ) {
    Object.freeze(this);
  }

  static any(): OriginMatcher {
    return new OriginMatcher(true, new Set(), undefined, [], undefined, undefined);
  }

  static ofCallback(callback: CorsOriginCallback, cache?: OriginVerdictCache): OriginMatcher {
    return new OriginMatcher(false, new Set(), undefined, [], callback, cache);
  }

  /** Entries must have been validated (`validate.ts`): exact origins, `*.` and `:*` patterns, RegExps. */
  static ofEntries(entries: readonly (string | RegExp)[]): OriginMatcher {
    const exact = new Set<string>();
    const patterns: string[] = [];
    const sourcesByFlags = new Map<string, string[]>();
    const standalone: RegExp[] = [];
    for (const entry of entries) {
      if (entry instanceof RegExp && refersToGroups(entry)) {
        // Joining renumbers capture groups and would collide named ones: keep these apart, as
        // copies like the joined ones, so that nothing done to the user's object later (its
        // compile() method, a new lastIndex) changes answers.
        standalone.push(new RegExp(entry.source, entry.flags));
      } else if (entry instanceof RegExp) {
        const sources = sourcesByFlags.get(entry.flags) ?? [];
        sources.push(`(?:${entry.source})`);
        sourcesByFlags.set(entry.flags, sources);
      } else if (entry.includes('*')) {
        // Validated: a `*` in an entry is a subdomain or a port wildcard.
        patterns.push(entry);
      } else {
        exact.add(entry);
      }
    }
    const regexps = [
      ...[...sourcesByFlags].map(([flags, sources]) => new RegExp(sources.join('|'), flags)),
      ...standalone,
    ];
    return new OriginMatcher(false, exact, WildcardPatterns.of(patterns), regexps, undefined, undefined);
  }

  /**
   * Whether the static entries allow `origin`. The `null` origin matches only when listed
   * literally; patterns and RegExps only ever see origins that parse as browser-serialized.
   */
  matches(origin: string): boolean {
    if (this.any || this.exact.has(origin)) return true;
    if (this.patterns === undefined && this.regexps.length === 0) return false;
    const span = scanOrigin(origin);
    if (span === undefined) return false;
    // Canonical as it stands: the host is one validated at bootstrap, the port passed the scan.
    if (this.patterns?.matchesAnyPort(origin, span) === true) return true;
    const matched = (this.patterns?.matchesSubdomain(origin, span) ?? false) || this.matchesRegExp(origin);
    return matched && isCanonicalHost(origin, span);
  }

  private matchesRegExp(origin: string): boolean {
    for (const regexp of this.regexps) if (regexp.test(origin)) return true;
    return false;
  }
}

/** Whether a RegExp has named groups or backreferences, whose meaning depends on its own numbering. */
function refersToGroups(regexp: RegExp): boolean {
  return /\\[1-9]|\\k<|\(\?<[^=!]/.test(regexp.source);
}
