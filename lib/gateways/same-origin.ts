import type { CorsRequest } from '../cors-module-options.js';
import { defaultPortOf, parseOrigin } from '../policy/serialized-origin.js';

/** A handshake's request, with the socket it arrived on when there is one. */
export interface HandshakeRequest extends CorsRequest {
  /** A `TLSSocket` (`encrypted: true`) when the request came over TLS. */
  readonly socket?: object | null;
}

/**
 * Whether a handshake comes from a page of the server's own origin, which CORS never concerns
 * and a gateway's policy need not list: browsers send `Origin` on every WebSocket handshake and
 * on a polling transport's `POST`s, same-origin ones included (Fetch standard, "append a request
 * `Origin` header"), so a check of `Origin` alone would refuse the app's own pages.
 *
 * Same-origin is `Sec-Fetch-Site: same-origin` (a page cannot set `Sec-` headers), or an
 * `Origin` of the scheme the request arrived over whose host and port are the request's `Host`
 * (default ports folded), as Nest's `enableCsrfProtection()` decides, the scheme added: a
 * plain-`http` page on the app's host is another origin than the app served over TLS, and must
 * not open a connection that carries its cookies. A page elsewhere cannot make its browser send
 * another site's host in `Origin`; a client that is not a browser can send anything, with or
 * without this rule. Behind a proxy that rewrites `Host`, list the app's own origin in the policy.
 */
export function isSameOriginHandshake(request: HandshakeRequest): boolean {
  const { headers } = request;
  if (headers['sec-fetch-site'] === 'same-origin') return true;
  const { origin, host } = headers;
  if (typeof origin !== 'string' || typeof host !== 'string') return false;
  const parsed = parseOrigin(origin);
  const defaultPort = parsed === undefined ? undefined : defaultPortOf(parsed.scheme);
  if (parsed === undefined || defaultPort === undefined) return false; // extensions, `null`, garbage
  const overTls = parsed.scheme === 'https' || parsed.scheme === 'wss';
  if (overTls !== arrivedOverTls(request)) return false;
  const port = parsed.port === '' ? defaultPort : parsed.port;
  const requested = host.toLowerCase();
  return requested === `${parsed.host}:${port}` || (parsed.port === '' && requested === parsed.host);
}

/**
 * Whether the request came over TLS: its own socket, or a proxy in front that terminated TLS and
 * says so in `X-Forwarded-Proto`. A page cannot set a WebSocket handshake's headers, and a
 * cross-origin page setting one on a polling request needs a preflight its origin fails; a
 * claimed `https` only ever makes this rule stricter for an `http` origin.
 */
function arrivedOverTls(request: HandshakeRequest): boolean {
  if ((request.socket as { readonly encrypted?: unknown } | null | undefined)?.encrypted === true) return true;
  const forwarded = request.headers['x-forwarded-proto'];
  return (
    typeof forwarded === 'string' &&
    forwarded
      .toLowerCase()
      .split(',')
      .some((proto) => proto.trim() === 'https')
  );
}
