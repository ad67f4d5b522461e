import type { OriginSpan } from './serialized-origin.js';

/**
 * The wildcard patterns of one allow-list (`https://*.example.com`, `https://*.example.com:8443`),
 * looked up by the tails of an origin that start at a dot of its host: one map lookup per dot,
 * never a scan of the patterns.
 */
export class WildcardPatterns {
  private constructor(
    /** The schemes of the patterns, by what follows their `*`: `.suffix`, and `:port` if any. */
    private readonly schemesByTail: ReadonlyMap<string, readonly string[]>,
  ) {
    Object.freeze(this);
  }

  /** Patterns must have been validated (`validate.ts`); `undefined` when there are none. */
  static of(patterns: readonly string[]): WildcardPatterns | undefined {
    if (patterns.length === 0) return undefined;
    const schemesByTail = new Map<string, string[]>();
    for (const pattern of patterns) {
      const separator = pattern.indexOf('://*.');
      const scheme = pattern.slice(0, separator);
      const tail = pattern.slice(separator + 4);
      const schemes = schemesByTail.get(tail) ?? [];
      if (!schemes.includes(scheme)) schemes.push(scheme);
      schemesByTail.set(tail, schemes);
    }
    for (const schemes of schemesByTail.values()) Object.freeze(schemes);
    return new WildcardPatterns(schemesByTail);
  }

  /**
   * Whether a pattern allows the scanned `origin`: one or more labels under its suffix, with
   * the same scheme and port. Never the suffix itself (the apex): the first dot looked at
   * follows the host's first label.
   */
  matches(origin: string, { schemeEnd, hostEnd }: OriginSpan): boolean {
    for (
      let dot = origin.indexOf('.', schemeEnd + 3);
      dot !== -1 && dot < hostEnd;
      dot = origin.indexOf('.', dot + 1)
    ) {
      const schemes = this.schemesByTail.get(origin.slice(dot));
      if (schemes !== undefined && hasScheme(schemes, origin, schemeEnd)) return true;
    }
    return false;
  }
}

/** Whether `origin`'s scheme is one of `schemes` (one, nearly always), compared in place. */
function hasScheme(schemes: readonly string[], origin: string, schemeEnd: number): boolean {
  for (const scheme of schemes) if (scheme.length === schemeEnd && origin.startsWith(scheme)) return true;
  return false;
}
