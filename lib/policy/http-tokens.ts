/*
 * HTTP tokens as CORS meets them (RFC 9110 and the Fetch standard): method and header names,
 * the ones browsers never let scripts use, and the header lists a preflight asks with.
 */

/** An HTTP token (RFC 9110 §5.6.2): what a header or method name may be made of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function isToken(value: string): boolean {
  return TOKEN.test(value);
}

/**
 * Request headers that page scripts cannot set (Fetch standard, "forbidden request-header"),
 * so listing one in `allowedHeaders` is always a mistake. Lowercase.
 */
const FORBIDDEN_REQUEST_HEADERS = new Set([
  'accept-charset',
  'accept-encoding',
  'access-control-request-headers',
  'access-control-request-method',
  'access-control-request-private-network',
  'connection',
  'content-length',
  'cookie',
  'cookie2',
  'date',
  'dnt',
  'expect',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
]);

export function isForbiddenRequestHeader(lowercaseName: string): boolean {
  return (
    FORBIDDEN_REQUEST_HEADERS.has(lowercaseName) ||
    lowercaseName.startsWith('proxy-') ||
    lowercaseName.startsWith('sec-')
  );
}

/** Response headers scripts can never read (Fetch standard, "forbidden response-header name"). */
export function isForbiddenResponseHeader(lowercaseName: string): boolean {
  return lowercaseName === 'set-cookie' || lowercaseName === 'set-cookie2';
}

/** Methods browsers send only for simple requests or never let scripts use (Fetch: forbidden method). */
export function isForbiddenMethod(method: string): boolean {
  const upper = method.toUpperCase();
  return upper === 'CONNECT' || upper === 'TRACE' || upper === 'TRACK';
}

/**
 * The most items a preflight's `Access-Control-Request-Headers` may list. Browsers list only the
 * non-safelisted headers the page itself set, each once (Fetch standard): a handful; 64 leaves
 * room for any real page.
 */
export const MAX_REQUEST_HEADER_ITEMS = 64;

/**
 * Reads `Access-Control-Request-Headers`: a comma-separated list of header names with optional
 * whitespace (Fetch standard: browsers send them lowercase, sorted, without duplicates, but
 * other clients may not). Returns lowercase names, empty items dropped; `'invalid'` when an item
 * is not a header name at all; `'too_many'` as soon as the list turns out to have more than
 * `maxItems` items (empty ones count: browsers send none). It stops there: the work is bounded
 * by `maxItems`, not by the length of the header, which an app may allow to grow to megabytes.
 */
export function readRequestHeaderList(value: string, maxItems: number): string[] | 'invalid' | 'too_many' {
  const names: string[] = [];
  let items = 0;
  for (let start = 0; start <= value.length;) {
    if (++items > maxItems) return 'too_many';
    const comma = value.indexOf(',', start);
    const end = comma === -1 ? value.length : comma;
    const name = value.slice(start, end).trim();
    start = end + 1;
    if (name === '') continue;
    if (!isToken(name)) return 'invalid';
    names.push(name.toLowerCase());
  }
  return names;
}

/**
 * {@link readRequestHeaderList} without a limit, for lists a server wrote (the testing helpers
 * read `Access-Control-Allow-Headers` with it): lowercase names, or `undefined` when an item is
 * not a header name at all.
 */
export function parseRequestHeaderList(value: string): string[] | undefined {
  const names = readRequestHeaderList(value, Infinity);
  return typeof names === 'string' ? undefined : names;
}
