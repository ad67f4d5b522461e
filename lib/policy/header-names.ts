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
