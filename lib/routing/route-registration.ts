import type { RouteResolver } from './route-resolver.js';
import type { RouteStamp, RouteTarget } from './route-target.js';

type Callback = (...args: unknown[]) => unknown;

/** Adapter methods through which Nest registers routes (`RouterMethodFactory`). */
const ROUTE_VERBS = [
  'get',
  'post',
  'put',
  'delete',
  'patch',
  'options',
  'head',
  'all',
  'search',
  'query',
  'propfind',
  'proppatch',
  'mkcol',
  'copy',
  'move',
  'lock',
  'unlock',
] as const;

/** Nest's `VersioningType.URI`: the version is in the path, and no filter declines requests. */
const URI_VERSIONING = 0;

/**
 * Marks a version filter that may decline requests (Express). A property, so that it survives
 * Nest 12 copying the filter's own properties onto the callback it registers.
 */
const DECLINES = Symbol('nest-cors:declines');

/** What the request hook does around callbacks Nest registers, at request time. */
export interface RegistrationWrappers {
  /** Wraps an Express route callback whose handler may decline requests (`next()`). */
  readonly declining: (callback: Callback) => Callback;
  /** Wraps Nest's not-found handler, which declined requests end in. */
  readonly notFound: (handler: Callback) => Callback;
}

/**
 * Sees every route Nest registers on the HTTP adapter, from the module's `configure()` until
 * the application is bootstrapped: each route's target (its handler's policy, method and final
 * path) goes to the adapter's {@link RouteResolver}, which ties it to the router's own route.
 * The adapter's methods are wrapped for that time only, and handed back by assignment, never
 * `delete`: deleting a property turns the adapter into a dictionary-mode object in V8, and Nest
 * calls its methods on every request.
 */
export class RouteRegistration {
  /** Every route Nest registered, in order, and those of other modules the resolver noted. */
  readonly routes: RouteTarget[] = [];
  private readonly wrapped: { name: string; original: Callback; wrapper: Callback }[] = [];

  constructor(
    private readonly adapter: object,
    private readonly resolver: RouteResolver,
    private readonly stampOf: (callback: unknown) => RouteStamp | undefined,
  ) {}

  watch(wrappers: RegistrationWrappers): void {
    const { adapter, resolver } = this;
    for (const verb of ROUTE_VERBS) {
      const method = verb.toUpperCase();
      this.wrap(verb, (original) => (...args: unknown[]) => {
        const last = args.length - 1;
        const target = this.targetOf(method, args[0], args[last]);
        if (target?.passesOn === true && resolver.targetAfter !== undefined)
          args[last] = wrappers.declining(args[last] as Callback);
        return resolver.register(target, args[last], () => original.apply(adapter, args));
      });
    }
    // Nest's middleware is registered like routes on Express, but passes requests on to them.
    if (resolver.noteMiddleware !== undefined) {
      this.wrap('createMiddlewareFactory', (original) => (...args: unknown[]) => {
        const register = original.apply(adapter, args) as Callback;
        return (path: unknown, callback: unknown) => {
          resolver.noteMiddleware?.(callback);
          return register(path, callback);
        };
      });
    }
    this.wrap(
      'setNotFoundHandler',
      (original) =>
        (handler: unknown, ...rest: unknown[]) =>
          original.call(
            adapter,
            typeof handler === 'function' ? wrappers.notFound(handler as Callback) : handler,
            ...rest,
          ),
    );
    // Header, media-type and custom versions are filters that decline other versions' requests.
    this.wrap('applyVersionFilter', (original) => (handler: unknown, version: unknown, options: unknown) => {
      const filtered = original.call(adapter, handler, version, options) as Callback & { [DECLINES]?: true };
      const versioned = typeof version === 'string' || Array.isArray(version); // not VERSION_NEUTRAL
      if (versioned && (options as { type?: number } | undefined)?.type !== URI_VERSIONING) filtered[DECLINES] = true;
      return filtered;
    });
  }

  /** Hands the adapter's methods back; a wrapper someone else put over one of these stays. */
  release(): void {
    const target = this.adapter as Record<string, Callback>;
    for (const { name, original, wrapper } of this.wrapped) if (target[name] === wrapper) target[name] = original;
    this.wrapped.length = 0;
  }

  /** Notes a route the resolver found registered by something other than a controller. */
  note(target: RouteTarget): void {
    this.routes.push(target);
  }

  private wrap(name: string, wrapper: (original: Callback) => Callback): void {
    const target = this.adapter as Record<string, Callback>;
    const original = target[name];
    if (typeof original !== 'function') return;
    target[name] = wrapper(original);
    this.wrapped.push({ name, original, wrapper: target[name] });
  }

  private targetOf(method: string, path: unknown, callback: unknown): RouteTarget | undefined {
    const stamp = this.stampOf(callback);
    if (typeof path !== 'string' || stamp === undefined) return undefined;
    const passesOn = stamp.passesOn || (callback as { [DECLINES]?: true })[DECLINES] === true;
    const target: RouteTarget = Object.freeze({ ...stamp, method, path, passesOn });
    this.routes.push(target);
    return target;
  }
}
