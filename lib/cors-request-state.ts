import type { OriginVerdict } from './policy/origin-check.js';
import type { RoutePolicy } from './routing/route-table.js';

/**
 * What the request hook decided, left on the request object for the guard (the same object on
 * both adapters: Express's `req`, Fastify's `request`). Symbols keep it off the public surface.
 */
export const APPLIED_POLICY = Symbol('nest-cors:applied-policy');
export const ORIGIN_VERDICT = Symbol('nest-cors:origin-verdict');

export interface CorsRequestState {
  /** The policy whose headers the hook wrote; absent when the hook found no route. */
  [APPLIED_POLICY]?: RoutePolicy;
  /** The verdict on the request's `Origin` under that policy; absent without `Origin`. */
  [ORIGIN_VERDICT]?: OriginVerdict;
}
