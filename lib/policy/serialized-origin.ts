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

/**
 * Where the parts of a string shaped like a serialized origin lie in it, as found by
 * {@link scanOrigin}: positions rather than substrings, so that matching cuts none it does
 * not need.
 */
export interface OriginSpan {
  /** The position of the `://` that ends the scheme. */
  readonly schemeEnd: number;
  /** The position just past the host: the end of the string, or the `:` before the port. */
  readonly hostEnd: number;
}

// What a browser sends: scheme "://" host [":" port], nothing else (no userinfo, path, query,
// fragment or trailing slash). Hosts are lowercase ASCII (browsers send IDNs as punycode): DNS
// labels of letters, digits, '_' and '-', or a bracketed IPv6 literal. DNS names are scanned
// by hand rather than with a RegExp, as the scan runs on every request a pattern, a RegExp or a
// callback answers: it allocates no captures. Only an origin with a port (its default is looked
// up by scheme) or an IPv6 host cuts substrings.
const BRACKETED_HOST = /^\[[0-9a-f:.]{2,45}\]/;
const DOT = 0x2e;
const COLON = 0x3a;
const HYPHEN = 0x2d;
const PLUS = 0x2b;
const UNDERSCORE = 0x5f;
const OPEN_BRACKET = 0x5b;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LOWER_A = 0x61;
const LOWER_F = 0x66;
const LOWER_X = 0x78;
const LOWER_Z = 0x7a;
/** DNS's limits (RFC 1035): a host of at most 253 characters, in labels of at most 63. */
const MAX_HOST_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
const MAX_PORT = 65535;

const DEFAULT_PORTS: ReadonlyMap<string, string> = new Map([
  ['http', '80'],
  ['https', '443'],
  ['ws', '80'],
  ['wss', '443'],
  ['ftp', '21'],
]);

/** The port a scheme implies when an origin leaves it out (`'443'` for `https`), if it has one. */
export function defaultPortOf(scheme: string): string | undefined {
  return DEFAULT_PORTS.get(scheme);
}

/** The longest origin worth parsing: scheme, a 253-character host and a port. */
export const MAX_ORIGIN_LENGTH = 300;

/**
 * Parses an origin exactly as a browser serializes it, or returns `undefined`. This is the gate
 * that keeps the library from ever reflecting a value it has not validated.
 */
export function parseOrigin(value: string): ParsedOrigin | undefined {
  const span = scanOrigin(value);
  return span !== undefined && isCanonicalHost(value, span) ? partsOf(value, span) : undefined;
}

/**
 * The cheap half of {@link parseOrigin}: the shape of a serialized origin, without
 * {@link isCanonicalHost}. Matching runs this first and the rest only for an origin that would
 * match, so refusing costs a scan, not a URL parse.
 */
export function scanOrigin(value: string): OriginSpan | undefined {
  const length = value.length;
  if (length > MAX_ORIGIN_LENGTH) return undefined;
  const schemeEnd = value.indexOf('://');
  if (schemeEnd < 1 || !isScheme(value, schemeEnd)) return undefined;
  const hostStart = schemeEnd + 3;
  let hostEnd: number;
  if (value.charCodeAt(hostStart) === OPEN_BRACKET) {
    const bracketed = BRACKETED_HOST.exec(value.slice(hostStart));
    if (bracketed === null) return undefined;
    hostEnd = hostStart + bracketed[0].length;
  } else {
    hostEnd = domainHostEnd(value, hostStart);
    if (hostEnd === -1) return undefined;
  }
  if (hostEnd < length && !(value.charCodeAt(hostEnd) === COLON && isServablePort(value, schemeEnd, hostEnd + 1)))
    return undefined;
  return { schemeEnd, hostEnd };
}

/**
 * Whether the host of a scanned origin is exactly as the WHATWG URL parser leaves it, as a
 * browser serializes it. The parser leaves a DNS name of lowercase letters, digits, `_`, `-`
 * and dots (all {@link scanOrigin} lets through) as it is, unless a label is punycode
 * (checked, maybe rejected) or the last label makes it an IPv4 address, which is rewritten to
 * dotted decimal ("127.1" becomes "127.0.0.1"). Only those, and IPv6 literals, are handed to
 * {@link urlParserKeepsHost}.
 */
export function isCanonicalHost(value: string, span: OriginSpan): boolean {
  const hostStart = span.schemeEnd + 3;
  const plain =
    value.charCodeAt(hostStart) !== OPEN_BRACKET &&
    !mentionsPunycode(value, hostStart, span.hostEnd) &&
    !endsInANumber(value, hostStart, span.hostEnd);
  return plain || urlParserKeepsHost(value, span);
}

/**
 * Whether the WHATWG URL parser leaves the host of a scanned origin exactly as it is: IPv4 in
 * canonical dotted decimal, IPv6 compressed, punycode valid. Node's URL is that parser; an
 * origin it would rewrite or reject is not one a browser sends, so it never reaches a pattern,
 * a RegExp or a callback. Other schemes (browser extensions) have no host parser of their own
 * in the URL standard: their host is held to http's or https's rules.
 */
function urlParserKeepsHost(value: string, span: OriginSpan): boolean {
  const { scheme, host, port } = partsOf(value, span);
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

function partsOf(value: string, { schemeEnd, hostEnd }: OriginSpan): ParsedOrigin {
  return {
    scheme: value.slice(0, schemeEnd),
    host: value.slice(schemeEnd + 3, hostEnd),
    port: hostEnd < value.length ? value.slice(hostEnd + 1) : '',
  };
}

/** Whether `value` up to `end` is a URL scheme: a lowercase letter, then letters, digits, `+`, `.`, `-`. */
function isScheme(value: string, end: number): boolean {
  const first = value.charCodeAt(0);
  if (first < LOWER_A || first > LOWER_Z) return false;
  for (let i = 1; i < end; i++) {
    const code = value.charCodeAt(i);
    if (!(isLowerAlphanumeric(code) || code === PLUS || code === DOT || code === HYPHEN)) return false;
  }
  return true;
}

/**
 * Where the DNS name starting at `start` ends (at the end of `value` or at the first character
 * that cannot be in it), or -1 when it is not one: labels of 1 to 63 letters, digits, `_` and
 * `-`, joined by single dots, 253 characters in all. The host as a whole neither starts nor
 * ends with `-` (a label inside may: browsers send what DNS and the URL parser accept).
 */
function domainHostEnd(value: string, start: number): number {
  const length = value.length;
  let labelStart = start;
  let end = start;
  for (; end < length; end++) {
    const code = value.charCodeAt(end);
    if (isLowerAlphanumeric(code) || code === HYPHEN || code === UNDERSCORE) continue;
    if (code !== DOT) break;
    const labelLength = end - labelStart;
    if (labelLength === 0 || labelLength > MAX_LABEL_LENGTH) return -1;
    labelStart = end + 1;
  }
  const lastLabelLength = end - labelStart;
  if (lastLabelLength === 0 || lastLabelLength > MAX_LABEL_LENGTH || end - start > MAX_HOST_LENGTH) return -1;
  return value.charCodeAt(start) === HYPHEN || value.charCodeAt(end - 1) === HYPHEN ? -1 : end;
}

/**
 * Whether the host between `start` and `end` contains `xn--` anywhere: the URL parser decodes
 * and checks punycode labels (and may reject them). Anywhere, not only at a label's start, so
 * that nothing near punycode is let through without the parser.
 */
function mentionsPunycode(value: string, start: number, end: number): boolean {
  const at = value.indexOf('xn--', start);
  return at !== -1 && at < end;
}

/**
 * The URL standard's "ends in a number checker": a last label of digits, or of `0x` and hex
 * digits, makes the host an IPv4 address, which the parser rewrites to dotted decimal.
 */
function endsInANumber(value: string, start: number, end: number): boolean {
  const dot = value.lastIndexOf('.', end - 1);
  const from = dot < start ? start : dot + 1;
  const hex = end - from >= 2 && value.charCodeAt(from) === DIGIT_0 && value.charCodeAt(from + 1) === LOWER_X;
  for (let i = hex ? from + 2 : from; i < end; i++) {
    const code = value.charCodeAt(i);
    const digit = code >= DIGIT_0 && code <= DIGIT_9;
    if (!(digit || (hex && code >= LOWER_A && code <= LOWER_F))) return false;
  }
  return true;
}

/**
 * Whether the port from `start` to the end of `value` is one a browser spells out: 1 to 5
 * digits without a leading zero, at most 65535, never the scheme's default.
 */
function isServablePort(value: string, schemeEnd: number, start: number): boolean {
  const length = value.length - start;
  if (length === 0 || length > 5 || value.charCodeAt(start) === DIGIT_0) return false;
  let port = 0;
  for (let i = start; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < DIGIT_0 || code > DIGIT_9) return false;
    port = port * 10 + (code - DIGIT_0);
  }
  return port <= MAX_PORT && DEFAULT_PORTS.get(value.slice(0, schemeEnd)) !== value.slice(start);
}

function isLowerAlphanumeric(code: number): boolean {
  return (code >= LOWER_A && code <= LOWER_Z) || (code >= DIGIT_0 && code <= DIGIT_9);
}
