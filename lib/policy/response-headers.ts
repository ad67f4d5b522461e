import type { CompiledPolicy } from './compile.js';

/** Where headers are written: the subset of Node's `ServerResponse` that CORS needs. */
export interface HeaderSink {
  setHeader(name: string, value: string): unknown;
  getHeader(name: string): number | string | string[] | undefined;
  removeHeader(name: string): void;
  /** Once true, nothing more can be written (Node's `ServerResponse.headersSent`). */
  readonly headersSent?: boolean;
}

/** A {@link HeaderSink} that only records: what a dry run or a unit test writes. Names lowercase. */
export class RecordedHeaders implements HeaderSink {
  private readonly headers = new Map<string, string>();

  setHeader(name: string, value: string): void {
    this.headers.set(name.toLowerCase(), value);
  }

  getHeader(name: string): string | undefined {
    return this.headers.get(name.toLowerCase());
  }

  removeHeader(name: string): void {
    this.headers.delete(name.toLowerCase());
  }

  toJSON(): Record<string, string> {
    return Object.fromEntries(this.headers);
  }
}

/*
 * Header names are written in lowercase, as HTTP/2 requires and Fastify sends its own: Node and
 * Fastify lowercase every name they are given, and a name already in lowercase spares them that
 * copy. HTTP/1.1 names are case-insensitive.
 */

/**
 * Every header this library may write on an actual response, for taking a decision back: the
 * guard's correction, a route that declines a request, a failed decision.
 */
export const CORS_RESPONSE_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-expose-headers',
] as const;

/**
 * Adds each name of `value` (`', '`-separated) to `Vary`, keeping what is there: other layers
 * (compression, content negotiation) vary responses too, and dropping their names would let a
 * cache serve one client's variant to another. `Vary: *` already covers everything.
 */
export function appendVary(sink: HeaderSink, value: string): void {
  const current = sink.getHeader('vary');
  if (current === undefined) {
    sink.setHeader('vary', value);
    return;
  }
  const existing = (Array.isArray(current) ? current.join(', ') : String(current)).trim();
  if (existing === '*') return;
  const present = new Set(existing.split(',').map((v) => v.trim().toLowerCase()));
  const missing = value.split(', ').filter((v) => !present.has(v.toLowerCase()));
  if (missing.length === 0) return;
  sink.setHeader('vary', existing === '' ? missing.join(', ') : `${existing}, ${missing.join(', ')}`);
}

/**
 * Headers of an allowed preflight (Fetch standard, "CORS-preflight fetch"): the origin,
 * credentials, the requested method, the allowed headers, the max age, and Private Network
 * Access when asked for. `Access-Control-Allow-Methods` names only the requested method (one of
 * the methods Node parses, checked before): browsers cache preflight results per URL, so listing
 * methods whose handlers have other policies would let a page skip their preflights.
 */
export function writeAllowedPreflight(
  policy: CompiledPolicy,
  origin: string,
  method: string,
  privateNetwork: boolean,
  sink: HeaderSink,
): void {
  sink.setHeader('access-control-allow-origin', policy.origins.any ? '*' : origin);
  if (policy.allowCredentialsValue !== undefined)
    sink.setHeader('access-control-allow-credentials', policy.allowCredentialsValue);
  sink.setHeader('access-control-allow-methods', method);
  if (policy.allowHeadersValue !== undefined) sink.setHeader('access-control-allow-headers', policy.allowHeadersValue);
  if (policy.maxAgeValue !== undefined) sink.setHeader('access-control-max-age', policy.maxAgeValue);
  if (privateNetwork) sink.setHeader('access-control-allow-private-network', 'true');
}

/**
 * Headers of an actual response to an allowed origin. `Access-Control-Max-Age` belongs to
 * preflights only, `Access-Control-Expose-Headers` to actual responses only.
 */
export function writeAllowedResponse(policy: CompiledPolicy, origin: string | undefined, sink: HeaderSink): void {
  if (policy.origins.any) {
    sink.setHeader('access-control-allow-origin', '*');
  } else if (origin !== undefined) {
    sink.setHeader('access-control-allow-origin', origin);
    if (policy.allowCredentialsValue !== undefined)
      sink.setHeader('access-control-allow-credentials', policy.allowCredentialsValue);
  } else {
    return;
  }
  if (policy.exposeHeadersValue !== undefined)
    sink.setHeader('access-control-expose-headers', policy.exposeHeadersValue);
}
