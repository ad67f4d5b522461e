import type { CorsOriginCallback } from '../cors-module-options.js';
import { isCanonicalHost, scanOrigin } from './serialized-origin.js';
import { WildcardPatterns } from './wildcard-patterns.js';

/**
 * Answers "is this origin allowed?" for one policy without scanning its allow-list:
 * exact origins sit in a hashed set, wildcard patterns are looked up by host suffix (one map
 * lookup per dot of the request's host: {@link WildcardPatterns}), and all RegExps of one
 * flag set are joined into a single RegExp at compile time. A callback, if any, is the
 * policy's only entry.
 *
 * Frozen (its sets and maps are not, but nothing writes to them after compilation): no cache
 * of origins seen, which a client choosing its `Origin` could fill or churn. An answer depends
 * on the origin alone.
 */
export class OriginMatcher {
  private constructor(
    /** `'*'`: every origin, answered with `Access-Control-Allow-Origin: *`. */
    readonly any: boolean,
    private readonly exact: ReadonlySet<string>,
    /** The `scheme://*.suffix[:port]` patterns, if any. */
    private readonly patterns: WildcardPatterns | undefined,
    private readonly regexps: readonly RegExp[],
    readonly callback: CorsOriginCallback | undefined,
  ) {
    Object.freeze(this);
  }

  static any(): OriginMatcher {
    return new OriginMatcher(true, new Set(), undefined, [], undefined);
  }

  static ofCallback(callback: CorsOriginCallback): OriginMatcher {
    return new OriginMatcher(false, new Set(), undefined, [], callback);
  }

  /** Entries must have been validated (`validate.ts`): exact origins, `*.` patterns, RegExps. */
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
      } else if (entry.includes('://*.')) {
        patterns.push(entry);
      } else {
        exact.add(entry);
      }
    }
    const regexps = [
      ...[...sourcesByFlags].map(([flags, sources]) => new RegExp(sources.join('|'), flags)),
      ...standalone,
    ];
    return new OriginMatcher(false, exact, WildcardPatterns.of(patterns), regexps, undefined);
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
    const matched = (this.patterns?.matches(origin, span) ?? false) || this.matchesRegExp(origin);
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
