import type { IncomingMessage } from 'node:http';
import parseUrl from 'parseurl';
import { methodLabel, type ForeignRoutePolicies } from './foreign-route-policies.js';
import type { RouteResolver } from './route-resolver.js';
import type { RouteTarget } from './route-target.js';

/** What of an Express 5 router layer (the `router` package) is read: its own matching. */
interface ExpressLayer {
  match(path: string): unknown;
  readonly route?: ExpressRoute;
  readonly handle: unknown;
  /** The path it was registered at (Express 5's `router`). */
  readonly rawPath?: unknown;
  /** A middleware mounted at `/`, which matches every path without decoding anything. */
  readonly slash?: boolean;
}
interface ExpressRoute {
  readonly stack: readonly { readonly handle: unknown }[];
  readonly methods?: Readonly<Record<string, boolean>>;
  _handlesMethod(method: string): boolean;
}
interface ExpressApp {
  readonly router: { readonly stack: readonly ExpressLayer[] };
}

/**
 * What a layer of the router's stack is to CORS: a `route` that serves requests (its target
 * `undefined` when it carries no policy: it runs, but gets no headers), a `mount` (middleware at
 * a path: it may answer or pass requests on, so it counts only where no route matches), or
 * neither (`skip`: Nest's own middleware, and middleware at the root).
 */
type LayerRole =
  | { readonly kind: 'route'; readonly target: RouteTarget | undefined }
  | { readonly kind: 'mount'; readonly target: RouteTarget }
  | { readonly kind: 'skip' };
const SKIP: LayerRole = Object.freeze({ kind: 'skip' });

/** No route: what the scan caches for a path that reaches none. */
const NONE = -1;
/** Bounded in entries and in key length, so that a flood of distinct paths costs scans, never memory. */
const CACHE_LIMIT = 2048;
const CACHED_PATH_LENGTH = 512;

/**
 * Express tries its router's layers in order, each with its own compiled matcher, and runs the
 * first route whose path matches and which serves the method. This resolver asks exactly those
 * layers, in that order, with the path Express itself reads (`parseurl`, which also caches it on
 * the request for Express), so it picks what Express picks. Express scans linearly on every
 * request; the answer per method and path is cached, bounded, so the scan is not paid twice.
 */
export class ExpressRouteResolver implements RouteResolver {
  private readonly targets = new Map<unknown, RouteTarget>();
  private readonly middleware = new WeakSet<object>();
  /** Every layer of the router in order (middleware too: a decoding error there stops routes). */
  private layers: readonly ExpressLayer[] = [];
  private roles: readonly LayerRole[] = [];
  /**
   * The first matching layer by method, then path. Keyed by the path alone, never by a string
   * built per request: V8 flattens such a string before every lookup, which costs more than the
   * lookup. Methods are the ones Node's parser accepts, a fixed few.
   */
  private readonly firstMatches = new Map<string, Map<string, number>>();
  private firstMatchCount = 0;
  private readonly mountTargets = new Map<string, RouteTarget | null>();

  constructor(
    private readonly app: ExpressApp,
    private readonly foreign: ForeignRoutePolicies,
    private readonly note: (target: RouteTarget) => void,
  ) {}

  register(target: RouteTarget | undefined, callback: unknown, register: () => unknown): unknown {
    if (target !== undefined) this.targets.set(callback, target);
    return register();
  }

  /** Notes a callback Nest registers as middleware, which passes requests on to routes. */
  noteMiddleware(callback: unknown): void {
    if (typeof callback === 'function') this.middleware.add(callback);
  }

  seal(): void {
    this.layers = Object.freeze([...this.app.router.stack]);
    this.roles = Object.freeze(this.layers.map((layer) => this.roleOf(layer)));
    this.targets.clear();
  }

  requestTarget(_request: unknown, raw: IncomingMessage): RouteTarget | undefined {
    const path = pathOf(raw);
    if (path === undefined) return undefined;
    const index = this.firstMatch(raw.method ?? 'GET', path);
    return index === NONE ? this.unrouted(path) : this.targetAt(index);
  }

  preflightTargets(_request: unknown, raw: IncomingMessage, method: string): readonly RouteTarget[] | undefined {
    const path = pathOf(raw);
    if (path === undefined) return undefined;
    const first = this.firstMatch(method, path);
    if (first === NONE) {
      const target = this.unrouted(path);
      return target === undefined ? undefined : [target];
    }
    const targets: RouteTarget[] = [];
    // Where the first route may decline, the preflight cannot tell which one will run: every
    // route up to the first that cannot decline is a candidate.
    for (let index = first; index !== NONE; index = this.matchFrom(method, path, index + 1)) {
      const target = this.targetAt(index);
      if (target === undefined) return undefined; // a route of no policy may run: not answered
      targets.push(target);
      if (!target.passesOn) break;
    }
    // After routes that all decline, only the 404 is left: no more candidates.
    return targets;
  }

  targetAfter(raw: IncomingMessage): RouteTarget | undefined {
    const current = (raw as { route?: unknown }).route;
    const path = pathOf(raw);
    if (path === undefined) return undefined;
    const at = this.layers.findIndex((layer) => layer.route === current);
    if (at === NONE) return undefined;
    const index = this.matchFrom(raw.method ?? 'GET', path, at + 1);
    return index === NONE ? this.unrouted(path) : this.targetAt(index);
  }

  private roleOf(layer: ExpressLayer): LayerRole {
    const { route } = layer;
    if (route !== undefined) {
      const handle = route.stack[0]?.handle;
      if (typeof handle === 'function' && this.middleware.has(handle)) return SKIP;
      const own = this.targets.get(handle);
      if (own !== undefined) return { kind: 'route', target: own };
      // A route another module or the app added on the instance: `paths`, else `global`.
      const methods = Object.keys(route.methods ?? {}).map((m) => (m === '_all' ? 'ALL' : m.toUpperCase()));
      return { kind: 'route', target: this.noted(this.foreign.targetOf(methodLabel(methods), String(layer.rawPath))) };
    }
    if (layer.slash === true || (typeof layer.handle === 'function' && this.middleware.has(layer.handle))) return SKIP;
    const target = this.noted(this.foreign.targetOf('ALL', String(layer.rawPath)));
    return target === undefined ? SKIP : { kind: 'mount', target };
  }

  private noted(target: RouteTarget | undefined): RouteTarget | undefined {
    if (target !== undefined) this.note(target);
    return target;
  }

  private targetAt(index: number): RouteTarget | undefined {
    const role = this.roles[index];
    return role.kind === 'skip' ? undefined : role.target;
  }

  /**
   * A request no route matches: the first mount at its path with a policy (another module's
   * middleware, such as a GraphQL server), else `global`.
   */
  private unrouted(path: string): RouteTarget | undefined {
    const cached = this.mountTargets.get(path);
    if (cached !== undefined) return cached ?? undefined;
    let found: RouteTarget | undefined = this.foreign.fallback;
    for (let index = 0; index < this.layers.length; index++) {
      const role = this.roles[index];
      if (role.kind !== 'mount') continue;
      let match: unknown;
      try {
        match = this.layers[index].match(path);
      } catch {
        break;
      }
      if (match !== false) {
        found = role.target;
        break;
      }
    }
    if (path.length > CACHED_PATH_LENGTH) return found;
    if (this.mountTargets.size >= CACHE_LIMIT) this.mountTargets.clear();
    this.mountTargets.set(path, found ?? null);
    return found;
  }

  private firstMatch(method: string, path: string): number {
    let byPath = this.firstMatches.get(method);
    const cached = byPath?.get(path);
    if (cached !== undefined) return cached;
    const index = this.matchFrom(method, path, 0);
    if (path.length > CACHED_PATH_LENGTH) return index;
    if (this.firstMatchCount >= CACHE_LIMIT) {
      this.firstMatches.clear();
      this.firstMatchCount = 0;
      byPath = undefined;
    }
    if (byPath === undefined) this.firstMatches.set(method, (byPath = new Map<string, number>()));
    byPath.set(path, index);
    this.firstMatchCount++;
    return index;
  }

  /** The router's own loop (`Router.prototype.handle`): the first route layer from `start` that matches. */
  private matchFrom(method: string, path: string, start: number): number {
    const { layers } = this;
    for (let index = start; index < layers.length; index++) {
      const layer = layers[index];
      const { route } = layer;
      if (layer.slash === true || (route !== undefined && this.roles[index].kind === 'skip')) continue;
      let match: unknown;
      try {
        match = layer.match(path);
      } catch {
        return NONE; // Express skips every route after a matching error (it answers 400)
      }
      if (match !== false && route !== undefined && route._handlesMethod(method)) return index;
    }
    return NONE;
  }
}

/** The path Express routes by; `undefined` where it fails to read one (and routes nothing). */
function pathOf(raw: IncomingMessage): string | undefined {
  try {
    return parseUrl(raw)?.pathname ?? undefined;
  } catch {
    return undefined;
  }
}
