import type { CorsOriginCallback } from '../cors-module-options.js';
import { isCanonicalOrigin, splitOrigin, type ParsedOrigin } from './origin.js';

/**
 * Answers "is this origin allowed?" for one policy without scanning its allow-list:
 * exact origins sit in a hashed set, wildcard patterns are looked up by host suffix (one set
 * lookup per label of the request's host), and all RegExps of one flag set are joined into
 * a single RegExp at compile time. A callback, if any, is the policy's only entry.
 */
export class OriginMatcher {
  private constructor(
    /** `'*'`: every origin, answered with `Access-Control-Allow-Origin: *`. */
    readonly any: boolean,
    private readonly exact: ReadonlySet<string>,
    /** Keys `scheme://suffix:port` of `scheme://*.suffix:port` patterns. */
    private readonly suffixes: ReadonlySet<string>,
    private readonly regexps: readonly RegExp[],
    readonly callback: CorsOriginCallback | undefined,
  ) {
    Object.freeze(this);
  }

  static any(): OriginMatcher {
    return new OriginMatcher(true, new Set(), new Set(), [], undefined);
  }

  static ofCallback(callback: CorsOriginCallback): OriginMatcher {
    return new OriginMatcher(false, new Set(), new Set(), [], callback);
  }

  /** Entries must have been validated (`validate.ts`): exact origins, `*.` patterns, RegExps. */
  static ofEntries(entries: readonly (string | RegExp)[]): OriginMatcher {
    const exact = new Set<string>();
    const suffixes = new Set<string>();
    const sourcesByFlags = new Map<string, string[]>();
    const standalone: RegExp[] = [];
    for (const entry of entries) {
      if (entry instanceof RegExp && refersToGroups(entry)) {
        // Joining renumbers capture groups and would collide named ones: keep these apart.
        standalone.push(entry);
      } else if (entry instanceof RegExp) {
        const sources = sourcesByFlags.get(entry.flags) ?? [];
        sources.push(`(?:${entry.source})`);
        sourcesByFlags.set(entry.flags, sources);
      } else if (entry.includes('://*.')) {
        const [scheme, rest] = entry.split('://*.');
        const colon = rest.lastIndexOf(':');
        const hasPort = colon !== -1 && !rest.endsWith(']');
        suffixes.add(suffixKey(scheme, hasPort ? rest.slice(0, colon) : rest, hasPort ? rest.slice(colon + 1) : ''));
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
    if (this.suffixes.size === 0 && this.regexps.length === 0) return false;
    const parts = splitOrigin(origin);
    if (parts === undefined) return false;
    return (this.matchesSuffix(parts) || this.regexps.some((regexp) => regexp.test(origin))) && isCanonicalOrigin(parts);
  }

  private matchesSuffix({ scheme, host, port }: ParsedOrigin): boolean {
    if (this.suffixes.size === 0) return false;
    // Only proper suffixes: the pattern's apex itself never matches.
    for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
      if (this.suffixes.has(suffixKey(scheme, host.slice(dot + 1), port))) return true;
    }
    return false;
  }
}

/** Whether a RegExp has named groups or backreferences, whose meaning depends on its own numbering. */
function refersToGroups(regexp: RegExp): boolean {
  return /\\[1-9]|\\k<|\(\?<[^=!]/.test(regexp.source);
}

function suffixKey(scheme: string, suffix: string, port: string): string {
  return `${scheme}://${suffix}:${port}`;
}
