import type { CorsRequest } from '../cors-module-options.js';
import type { CompiledPolicy } from './compile.js';
import type { CorsRefusalReason } from './verdict.js';
import { isToken, MAX_REQUEST_HEADER_ITEMS, readRequestHeaderList } from './http-tokens.js';

/** What a preflight asks for, read from its `Access-Control-Request-*` headers. */
export interface PreflightRequest {
  readonly method: string;
  /** Raw `Access-Control-Request-Headers`, if sent. */
  readonly requestHeaders: string | undefined;
  /** `Access-Control-Request-Private-Network: true` was sent. */
  readonly privateNetwork: boolean;
}

/**
 * Checks everything in a preflight but its origin: the method, every requested header (at most
 * {@link MAX_REQUEST_HEADER_ITEMS} of them), and Private Network Access. Returns the refusal
 * reason, or `undefined` when allowed. The route lookup has already established that the route
 * serves `method`.
 */
export function checkPreflightRequest(
  policy: CompiledPolicy,
  request: PreflightRequest,
): CorsRefusalReason | undefined {
  if (!isToken(request.method)) return 'invalid_preflight';
  if (policy.methods !== undefined && !policy.methods.has(request.method)) return 'method_not_allowed';
  if (request.requestHeaders !== undefined) {
    const names = readRequestHeaderList(request.requestHeaders, MAX_REQUEST_HEADER_ITEMS);
    if (names === 'too_many') return 'too_many_request_headers';
    if (names === 'invalid') return 'invalid_preflight';
    for (const name of names) {
      // `*` never covers Authorization (Fetch standard, CORS-preflight fetch, step 7.7).
      const allowed = policy.allowedHeaders.has(name) || (policy.anyHeader && name !== 'authorization');
      if (!allowed) return 'header_not_allowed';
    }
  }
  if (request.privateNetwork && !policy.allowPrivateNetwork) return 'private_network_not_allowed';
  return undefined;
}

/**
 * A CORS preflight (Fetch standard, "CORS-preflight request"): `OPTIONS` with `Origin` and
 * `Access-Control-Request-Method`. Any other `OPTIONS` request is the app's.
 */
export function isPreflight(request: CorsRequest): boolean {
  const { headers } = request;
  return (
    request.method === 'OPTIONS' &&
    typeof headers.origin === 'string' &&
    typeof headers['access-control-request-method'] === 'string'
  );
}
