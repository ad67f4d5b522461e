import type { IncomingMessage } from 'node:http';

/** What {@link originOf} reads of a request. */
export type RequestHeaderSources = Pick<IncomingMessage, 'headers'> & { readonly rawHeaders?: readonly string[] };

/**
 * A request's `Origin`, exactly as `request.headers.origin` gives it, read from `rawHeaders`.
 *
 * Node builds `request.headers` on first read, every header at once (about 50 ns a header: a
 * browser sends a dozen or more). Fastify does not read them for a `GET`, so asking the object
 * for this one header would make the CORS layer pay for all of them. Node joins a repeated
 * `Origin` with `, ` (it is not one of the fields whose duplicates it drops), and so does this;
 * the result is then no valid origin, and refused like any other.
 */
export function originOf(request: RequestHeaderSources): unknown {
  const raw = request.rawHeaders;
  if (!Array.isArray(raw)) return request.headers.origin;
  let origin: string | undefined;
  for (let i = 0; i < raw.length - 1; i += 2) {
    const name = raw[i];
    if (name.length === 6 && (name === 'Origin' || name === 'origin' || name.toLowerCase() === 'origin')) {
      origin = origin === undefined ? raw[i + 1] : `${origin}, ${raw[i + 1]}`;
    }
  }
  return origin;
}
