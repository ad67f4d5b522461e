import type { OriginVerdict } from './policy/origin-check.js';
import type { RoutePolicy } from './routing/route-table.js';

/**
 * What the request hook decided, left on the request object for the guard (the same object on
 * both adapters: Express's `req`, Fastify's `request`). Symbols keep it off the public surface;
 * registered ones (`Symbol.for`), so that the ES-module and CommonJS builds share them.
 */
export const APPLIED_POLICY = Symbol.for('nest-cors:applied-policy');
export const ORIGIN_VERDICT = Symbol.for('nest-cors:origin-verdict');

export interface CorsRequestState {
  /** The policy whose headers the hook wrote; absent when the hook found no route. */
  [APPLIED_POLICY]?: RoutePolicy;
  /** The verdict on the request's `Origin` under that policy; absent without `Origin`. */
  [ORIGIN_VERDICT]?: OriginVerdict;
}
