import type { OriginSpan } from './serialized-origin.js';

/**
 * The wildcard patterns of one allow-list, each looked up rather than scanned for:
 * - subdomain wildcards (`https://*.example.com`, `https://*.example.com:8443`), by the tails of
 *   an origin that start at a dot of its host: one map lookup per dot;
 * - port wildcards (`http://localhost:*`), by the origin without its port: one set lookup.
 */
export class WildcardPatterns {
  private constructor(
    /** The schemes of the subdomain wildcards, by what follows their `*`: `.suffix`, and `:port` if any. */
    private readonly schemesByTail: ReadonlyMap<string, readonly string[]>,
    /** The `scheme://host` of the port wildcards. */
    private readonly anyPort: ReadonlySet<string>,
  ) {
    Object.freeze(this);
  }

  /** Patterns must have been validated (`validate.ts`); `undefined` when there are none. */
  static of(patterns: readonly string[]): WildcardPatterns | undefined {
    if (patterns.length === 0) return undefined;
    const schemesByTail = new Map<string, string[]>();
    const anyPort = new Set<string>();
    for (const pattern of patterns) {
      if (pattern.endsWith(':*')) {
        anyPort.add(pattern.slice(0, -2));
        continue;
      }
      const separator = pattern.indexOf('://*.');
      const scheme = pattern.slice(0, separator);
      const tail = pattern.slice(separator + 4);
      const schemes = schemesByTail.get(tail) ?? [];
      if (!schemes.includes(scheme)) schemes.push(scheme);
      schemesByTail.set(tail, schemes);
    }
    for (const schemes of schemesByTail.values()) Object.freeze(schemes);
    return new WildcardPatterns(schemesByTail, anyPort);
  }

  /**
   * Whether a subdomain wildcard allows the scanned `origin`: one or more labels under its
   * suffix, with the same scheme and port. Never the suffix itself (the apex): the first dot
   * looked at follows the host's first label.
   */
  matchesSubdomain(origin: string, { schemeEnd, hostEnd }: OriginSpan): boolean {
    if (this.schemesByTail.size === 0) return false;
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

  /**
   * Whether a port wildcard allows the scanned `origin`: the same scheme and host, with any port
   * the scan let through (never the default spelled out) or none, which is how browsers
   * serialize the scheme's default port (URL standard, "origin serialization"). Byte for byte,
   * like an exact origin: a host equal to one validated at bootstrap is canonical.
   */
  matchesAnyPort(origin: string, { hostEnd }: OriginSpan): boolean {
    return this.anyPort.size !== 0 && this.anyPort.has(hostEnd === origin.length ? origin : origin.slice(0, hostEnd));
  }
}

/** Whether `origin`'s scheme is one of `schemes` (one, nearly always), compared in place. */
function hasScheme(schemes: readonly string[], origin: string, schemeEnd: number): boolean {
  for (const scheme of schemes) if (scheme.length === schemeEnd && origin.startsWith(scheme)) return true;
  return false;
}
