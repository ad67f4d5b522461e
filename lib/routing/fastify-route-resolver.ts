import type { IncomingMessage } from 'node:http';
import { methodLabel, type ForeignRoutePolicies } from './foreign-route-policies.js';
import type { RouteResolver } from './route-resolver.js';
import type { RouteTarget } from './route-target.js';

/** What of Fastify's route options `onRoute` hooks see and may change. */
interface FastifyRouteOptions {
  method: string | string[];
  url: string;
  constraints?: Record<string, unknown>;
  config?: Record<PropertyKey, unknown>;
}
interface FastifyReplyLike {
  callNotFound(): void;
}
/** What of a Fastify instance the resolver uses: its router's own hooks and constraints. */
export interface FastifyRouterHost {
  addHook(name: 'onRoute', hook: (options: FastifyRouteOptions) => void): unknown;
  addConstraintStrategy(strategy: ConstraintStrategy): unknown;
  route(options: FastifyRouteOptions & { handler: (request: unknown, reply: FastifyReplyLike) => void }): unknown;
}
interface ConstraintStrategy {
  readonly name: string;
  readonly mustMatchWhenDerived: boolean;
  storage(): {
    get(value: string): unknown;
    set(value: string, store: unknown): void;
    del(value: string): void;
    empty(): void;
  };
  deriveConstraint(request: IncomingMessage): string | undefined;
  validate(value: unknown): void;
}

/** The route config key under which a route carries its target. */
const TARGET = Symbol('nest-cors:route-target');
/** The route config key of a preflight route: the targets of the route it stands for. */
const PREFLIGHT = Symbol('nest-cors:preflight-targets');
/** An identifier: find-my-way compiles the name into code. */
const PREFLIGHT_CONSTRAINT = 'nestCorsPreflight';
/** Nest's route constraint of header, media-type and custom versioning. */
const VERSION_CONSTRAINT = 'version';

/**
 * Fastify routes a request before its `onRequest` hooks run, so the request hook reads the
 * matched route's own config: no second lookup, and exactly the route Fastify runs (its
 * `@All()` ranking, automatic `HEAD` routes, `ignoreDuplicateSlashes` and every other router
 * option included). Each route's target is put in its config as Fastify registers it.
 *
 * A preflight is an `OPTIONS` request, which Fastify routes to `OPTIONS` routes. So for every
 * route, Fastify's router also gets an `OPTIONS` route at the same path, under a
 * constraint that only a preflight asking for that route's method satisfies: Fastify's own
 * router then finds the route the requested method would reach. An app's own `OPTIONS` route
 * still gets every other `OPTIONS` request (the constraint is optional to find-my-way).
 * Versions are the one constraint a preflight cannot carry (it has no version header): a
 * preflight route stands for every version at its path and method, and must satisfy each.
 */
export class FastifyRouteResolver implements RouteResolver {
  private registering: RouteTarget | undefined;
  private readonly preflightRoutes = new Map<string, RouteTarget[]>();
  /** Fastify's own key of a request's route context, found at the first request. */
  private contextKey: symbol | null | undefined;

  constructor(
    private readonly instance: FastifyRouterHost,
    private readonly foreign: ForeignRoutePolicies,
    private readonly note: (target: RouteTarget) => void,
  ) {
    instance.addConstraintStrategy(preflightConstraint());
    instance.addHook('onRoute', (options) => this.onRoute(options));
  }

  register(target: RouteTarget | undefined, _callback: unknown, register: () => unknown): unknown {
    // Fastify runs `onRoute` hooks synchronously as the route (and its automatic HEAD) is added.
    this.registering = target;
    try {
      return register();
    } finally {
      this.registering = undefined;
    }
  }

  seal(): void {
    for (const targets of this.preflightRoutes.values()) Object.freeze(targets);
    this.preflightRoutes.clear();
  }

  requestTarget(request: unknown): RouteTarget | undefined {
    const config = this.configOf(request);
    const target = config?.[TARGET] as RouteTarget | undefined;
    return target !== undefined || !this.foreign.active
      ? target
      : this.unseen(config, (request as { method?: string }).method ?? 'GET');
  }

  preflightTargets(request: unknown): readonly RouteTarget[] | undefined {
    const targets = this.configOf(request)?.[PREFLIGHT] as readonly RouteTarget[] | undefined;
    if (targets === undefined) return undefined;
    // Nest's route wrapper hands a request with an empty parameter (`/users//profile`) to the
    // not-found handler rather than the route's: so would the real request be.
    return hasEmptyParam(request) ? undefined : targets;
  }

  routesUnseen(request: unknown): boolean {
    return this.foreign.active && this.configOf(request)?.[PREFLIGHT] === undefined;
  }

  /**
   * A request Fastify routed to a route registered before this resolver was installed (its path
   * policy, looked up once and kept in the route's config), or to no route (`global`).
   */
  private unseen(config: Record<PropertyKey, unknown> | undefined, method: string): RouteTarget | undefined {
    const url = config?.url;
    if (config === undefined || typeof url !== 'string') return this.foreign.fallback;
    const target = this.foreign.targetOf(method, url);
    config[TARGET] = target;
    return target;
  }

  private onRoute(options: FastifyRouteOptions): void {
    if (options.config?.[PREFLIGHT] !== undefined) return;
    const methods = Array.isArray(options.method) ? options.method : [options.method];
    // A route of a controller, else one another module or the app adds: `paths`, else `global`.
    const target = this.registering ?? this.foreign.targetOf(methodLabel(methods), options.url);
    if (target === undefined) return;
    if (this.registering === undefined) this.note(target);
    options.config = { ...options.config, [TARGET]: target };
    // A route of no policy gets its preflight route too: else a preflight for it would reach a
    // wildcard route's preflight route, or `global`.
    const { [VERSION_CONSTRAINT]: _version, ...constraints } = options.constraints ?? {};
    for (const method of methods) this.addPreflightRoute(method, options.url, constraints, target);
  }

  private addPreflightRoute(
    method: string,
    url: string,
    constraints: Record<string, unknown>,
    target: RouteTarget,
  ): void {
    // Routes Fastify holds as one (parameter names aside) share one preflight route.
    const key = [
      method,
      url.replace(/(^|[^:]):[A-Za-z0-9_$]+/g, '$1:'),
      ...Object.entries(constraints)
        .map(([k, v]) => `${k}=${String(v)}`)
        .sort(),
    ].join('\n');
    const existing = this.preflightRoutes.get(key);
    if (existing !== undefined) return void existing.push(target);
    const targets = [target];
    this.preflightRoutes.set(key, targets);
    this.instance.route({
      method: 'OPTIONS',
      url,
      constraints: { ...constraints, [PREFLIGHT_CONSTRAINT]: method },
      config: { [PREFLIGHT]: targets },
      // The request hook answers every preflight routed here; should it be gone, nothing is here.
      handler: (_request, reply) => reply.callNotFound(),
    });
  }

  private configOf(request: unknown): Record<PropertyKey, unknown> | undefined {
    if (this.contextKey === undefined) {
      this.contextKey =
        Object.getOwnPropertySymbols(request).find((key) => key.description === 'fastify.context') ?? null;
    }
    // The context Fastify keeps under a symbol of its own; `routeOptions` builds an object per call.
    const context =
      this.contextKey === null
        ? (request as { routeOptions?: { config?: Record<PropertyKey, unknown> } }).routeOptions
        : (request as Record<symbol, { config?: Record<PropertyKey, unknown> } | undefined>)[this.contextKey];
    return context?.config;
  }
}

/** Whether find-my-way matched a parameter (not the wildcard `*`) to an empty string. */
function hasEmptyParam(request: unknown): boolean {
  const { params } = request as { params?: Record<string, unknown> };
  for (const name in params) if (params[name] === '' && name !== '*') return true;
  return false;
}

/**
 * Routes a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) by the
 * method it asks for; every other request derives nothing, and so never reaches a preflight
 * route.
 */
function preflightConstraint(): ConstraintStrategy {
  return {
    name: PREFLIGHT_CONSTRAINT,
    mustMatchWhenDerived: false,
    storage() {
      const byMethod = new Map<string, unknown>();
      return {
        get: (method) => byMethod.get(method) ?? null,
        set: (method, store) => void byMethod.set(method, store),
        del: (method) => void byMethod.delete(method),
        empty: () => byMethod.clear(),
      };
    },
    deriveConstraint(request) {
      if (request.method !== 'OPTIONS' || request.headers.origin === undefined) return undefined;
      const method = request.headers['access-control-request-method'];
      return typeof method === 'string' ? method : undefined;
    },
    validate(value) {
      if (typeof value !== 'string') throw new TypeError('a preflight constraint is one method');
    },
  };
}
