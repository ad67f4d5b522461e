import type { IncomingHttpHeaders } from 'node:http';
import { parseOrigin } from '../policy/serialized-origin.js';

const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', ws: '80', https: '443', wss: '443' };

/**
 * Whether a handshake comes from a page of the server's own origin, which CORS never concerns
 * and a gateway's policy need not list: browsers send `Origin` on every WebSocket handshake and
 * on a polling transport's `POST`s, same-origin ones included (Fetch standard, "append a request
 * `Origin` header"), so a check of `Origin` alone would refuse the app's own pages.
 *
 * Same-origin is `Sec-Fetch-Site: same-origin` (a page cannot set `Sec-` headers), or an
 * `Origin` whose host and port are the request's `Host` (default ports folded), as Nest's
 * `enableCsrfProtection()` decides. A page elsewhere cannot make its browser send another
 * site's host in `Origin`; a client that is not a browser can send anything, with or without
 * this rule. Behind a proxy that rewrites `Host`, list the app's own origin in the policy.
 */
export function isSameOriginHandshake(headers: IncomingHttpHeaders): boolean {
  if (headers['sec-fetch-site'] === 'same-origin') return true;
  const { origin, host } = headers;
  if (typeof origin !== 'string' || typeof host !== 'string') return false;
  const parsed = parseOrigin(origin);
  const defaultPort = parsed === undefined ? undefined : DEFAULT_PORTS[parsed.scheme];
  if (parsed === undefined || defaultPort === undefined) return false; // extensions, `null`, garbage
  const port = parsed.port === '' ? defaultPort : parsed.port;
  const requested = host.toLowerCase();
  return requested === `${parsed.host}:${port}` || (parsed.port === '' && requested === parsed.host);
}
