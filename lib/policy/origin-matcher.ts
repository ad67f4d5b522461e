import type { CorsOriginCallback } from '../cors-module-options.js';
import { AllowedOriginMemo } from './allowed-origin-memo.js';
import { isCanonicalOrigin, splitOrigin, type ParsedOrigin } from './origin.js';

/**
 * Answers "is this origin allowed?" for one policy without scanning its allow-list:
 * exact origins sit in a hashed set, wildcard patterns are looked up by host suffix (one set
 * lookup per label of the request's host), and all RegExps of one flag set are joined into
 * a single RegExp at compile time; origins those allowed are remembered (a bounded
 * {@link AllowedOriginMemo}). A callback, if any, is the policy's only entry.
 */
export class OriginMatcher {
  /**
   * Origins the patterns and RegExps allowed, for a list that has any: the only state that
   * changes after compilation.
   */
  private readonly allowedBefore: AllowedOriginMemo | undefined;

  private constructor(
    /** `'*'`: every origin, answered with `Access-Control-Allow-Origin: *`. */
    readonly any: boolean,
    private readonly exact: ReadonlySet<string>,
    /** The suffixes of `scheme://*.suffix:port` patterns, by `scheme:port`. */
    private readonly suffixes: ReadonlyMap<string, ReadonlySet<string>>,
    private readonly regexps: readonly RegExp[],
    readonly callback: CorsOriginCallback | undefined,
  ) {
    this.allowedBefore = suffixes.size > 0 || regexps.length > 0 ? new AllowedOriginMemo() : undefined;
    Object.freeze(this);
  }

  static any(): OriginMatcher {
    return new OriginMatcher(true, new Set(), new Map(), [], undefined);
  }

  static ofCallback(callback: CorsOriginCallback): OriginMatcher {
    return new OriginMatcher(false, new Set(), new Map(), [], callback);
  }

  /** Entries must have been validated (`validate.ts`): exact origins, `*.` patterns, RegExps. */
  static ofEntries(entries: readonly (string | RegExp)[]): OriginMatcher {
    const exact = new Set<string>();
    const suffixes = new Map<string, Set<string>>();
    const sourcesByFlags = new Map<string, string[]>();
    const standalone: RegExp[] = [];
    for (const entry of entries) {
      if (entry instanceof RegExp && refersToGroups(entry)) {
        // Joining renumbers capture groups and would collide named ones: keep these apart, as
        // copies like the joined ones, so that nothing done to the user's object later (its
        // compile() method, a new lastIndex) changes answers, or what the memo remembers.
        standalone.push(new RegExp(entry.source, entry.flags));
      } else if (entry instanceof RegExp) {
        const sources = sourcesByFlags.get(entry.flags) ?? [];
        sources.push(`(?:${entry.source})`);
        sourcesByFlags.set(entry.flags, sources);
      } else if (entry.includes('://*.')) {
        const [scheme, rest] = entry.split('://*.');
        const colon = rest.lastIndexOf(':');
        const hasPort = colon !== -1 && !rest.endsWith(']');
        const key = schemeAndPort(scheme, hasPort ? rest.slice(colon + 1) : '');
        const hosts = suffixes.get(key) ?? new Set<string>();
        suffixes.set(key, hosts.add(hasPort ? rest.slice(0, colon) : rest));
      } else {
        exact.add(entry);
      }
    }
    const regexps = [...[...sourcesByFlags].map(([flags, sources]) => new RegExp(sources.join('|'), flags)), ...standalone];
    return new OriginMatcher(false, exact, suffixes, regexps, undefined);
  }

  /**
   * Whether the static entries allow `origin`. The `null` origin matches only when listed
   * literally; patterns and RegExps only ever see origins that parse as browser-serialized.
   */
  matches(origin: string): boolean {
    if (this.any || this.exact.has(origin)) return true;
    const memo = this.allowedBefore;
    if (memo === undefined) return false;
    if (memo.has(origin)) return true;
    const parts = splitOrigin(origin);
    if (parts === undefined) return false;
    const allowed = (this.matchesSuffix(parts) || this.regexps.some((regexp) => regexp.test(origin))) && isCanonicalOrigin(parts);
    if (allowed) memo.add(origin);
    return allowed;
  }

  /** How many origins the patterns and RegExps allowed are remembered, for tests and diagnostics. */
  get rememberedOrigins(): number {
    return this.allowedBefore?.size ?? 0;
  }

  private matchesSuffix({ scheme, host, port }: ParsedOrigin): boolean {
    if (this.suffixes.size === 0) return false;
    const hosts = this.suffixes.get(schemeAndPort(scheme, port));
    if (hosts === undefined) return false;
    // Only proper suffixes: the pattern's apex itself never matches.
    for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
      if (hosts.has(host.slice(dot + 1))) return true;
    }
    return false;
  }
}

/** Whether a RegExp has named groups or backreferences, whose meaning depends on its own numbering. */
function refersToGroups(regexp: RegExp): boolean {
  return /\\[1-9]|\\k<|\(\?<[^=!]/.test(regexp.source);
}

function schemeAndPort(scheme: string, port: string): string {
  return `${scheme}:${port}`;
}
