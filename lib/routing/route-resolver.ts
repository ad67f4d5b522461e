import type { IncomingMessage } from 'node:http';
import type { RouteTarget } from './route-target.js';

/**
 * Which route a request reaches, asked of the adapter's own router: never a copy of its
 * matching, which would disagree with it on some path (percent-encoding, parameter limits,
 * router options, rare route syntax) and hand a handler another route's policy.
 */
export interface RouteResolver {
  /**
   * Registers a route through the adapter's own method (`register`), noting the target of its
   * `callback`; returns what `register` returned.
   */
  register(target: RouteTarget | undefined, callback: unknown, register: () => unknown): unknown;
  /** Called once Nest has registered its routes. */
  seal(): void;
  /**
   * The route an actual request reaches: the one the router matched (Fastify), or the first one
   * it will run (Express, whose routes may decline: see {@link targetAfter}).
   */
  requestTarget(request: unknown, raw: IncomingMessage): RouteTarget | undefined;
  /**
   * The routes a preflight's requested method would reach at its path: one, or several when
   * the first may decline the request to the next (a version or host filter, on Express);
   * `undefined` when none would.
   */
  preflightTargets(request: unknown, raw: IncomingMessage, method: string): readonly RouteTarget[] | undefined;
  /**
   * Express only: the route that runs after the current one (`request.route`) declined.
   */
  targetAfter?(raw: IncomingMessage): RouteTarget | undefined;
  /**
   * Fastify only: whether a preflight that reached no preflight route may still be for a route
   * (one registered before nest-cors was installed), to be found by routing a detached request.
   */
  routesUnseen?(request: unknown): boolean;
  /** Express only: notes a callback Nest registers as middleware, not as a route. */
  noteMiddleware?(callback: unknown): void;
}
