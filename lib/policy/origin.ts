/**
 * A browser-serialized origin, split into parts. `port` is `''` when the origin uses its
 * scheme's default port: browsers never spell a default port out (URL standard, "origin
 * serialization"), so an origin that does is not one a browser sends.
 */
export interface ParsedOrigin {
  readonly scheme: string;
  readonly host: string;
  readonly port: string;
}

// scheme "://" host [":" port], nothing else: no userinfo, path, query, fragment or trailing
// slash. Hosts are lowercase ASCII (browsers send IDNs as punycode) or a bracketed IPv6 literal.
const SERIALIZED_ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9a-f:.]{2,45}\]|[a-z0-9_](?:[a-z0-9_.-]{0,251}[a-z0-9_])?)(?::([1-9][0-9]{0,4}))?$/;

const DEFAULT_PORTS: ReadonlyMap<string, string> = new Map([
  ['http', '80'],
  ['https', '443'],
  ['ws', '80'],
  ['wss', '443'],
  ['ftp', '21'],
]);

/** A last label of digits, or `0x` and hex digits: the host is then parsed as IPv4. */
const ENDS_IN_A_NUMBER = /(?:^|\.)(?:[0-9]+|0x[0-9a-f]*)$/;

/** The longest origin worth parsing: scheme, a 253-character host and a port. */
export const MAX_ORIGIN_LENGTH = 300;

/**
 * Parses an origin exactly as a browser serializes it, or returns `undefined`. This is the gate
 * that keeps the library from ever reflecting a value it has not validated.
 */
export function parseOrigin(value: string): ParsedOrigin | undefined {
  const parts = splitOrigin(value);
  return parts !== undefined && isCanonicalOrigin(parts) ? parts : undefined;
}

/**
 * The cheap half of {@link parseOrigin}: the shape of a serialized origin, without asking the
 * URL parser whether the host is in its canonical form. Matching runs this first and the URL
 * parser only for an origin that would match, so refusing costs a RegExp, not a URL parse.
 */
export function splitOrigin(value: string): ParsedOrigin | undefined {
  if (value.length > MAX_ORIGIN_LENGTH) return undefined;
  const match = SERIALIZED_ORIGIN.exec(value);
  if (match === null) return undefined;
  const [, scheme, host, port = ''] = match;
  if (port !== '' && (Number(port) > 65535 || DEFAULT_PORTS.get(scheme) === port)) return undefined;
  if (!host.startsWith('[')) {
    // Empty labels ("a..b") and labels over 63 characters never come from a browser.
    for (let start = 0, dot = host.indexOf('.'); ; start = dot + 1, dot = host.indexOf('.', start)) {
      const length = (dot === -1 ? host.length : dot) - start;
      if (length === 0 || length > 63) return undefined;
      if (dot === -1) break;
    }
  }
  return { scheme, host, port };
}

/**
 * Whether the host is exactly as the WHATWG URL parser leaves it, as a browser serializes it:
 * IPv4 in canonical dotted decimal ("127.1" becomes "127.0.0.1"), IPv6 compressed, punycode
 * valid. Node's URL is that parser; an origin it would rewrite or reject is not one a browser
 * sends, so it never reaches a pattern, a RegExp or a callback. Other schemes (browser
 * extensions) have no host parser of their own in the URL standard: their host is held to
 * http's or https's rules.
 */
export function isCanonicalOrigin({ scheme, host, port }: ParsedOrigin): boolean {
  // The URL parser leaves a host of lowercase letters, digits, '_', '-' and '.' (all that
  // `splitOrigin` lets through) as it is, unless a label is punycode (checked, maybe rejected)
  // or the last label makes it an IPv4 address (URL standard, "ends in a number checker"),
  // which is rewritten to dotted decimal. Only those, and IPv6 literals, need the parser.
  if (!host.startsWith('[') && !host.includes('xn--') && !ENDS_IN_A_NUMBER.test(host)) return true;
  const surrogate = DEFAULT_PORTS.has(scheme) ? scheme : port === '443' ? 'http' : 'https';
  const origin = `${surrogate}://${host}${port === '' ? '' : `:${port}`}`;
  try {
    return new URL(origin).origin === origin;
  } catch {
    return false;
  }
}

/** Whether an origin names the local machine, where plain `http` is acceptable. */
export function isLoopbackOrigin(origin: ParsedOrigin): boolean {
  const { host } = origin;
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
