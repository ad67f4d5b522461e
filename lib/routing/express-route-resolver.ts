import type { IncomingMessage } from 'node:http';
import parseUrl from 'parseurl';
import type { RouteResolver } from './route-resolver.js';
import type { RouteTarget } from './route-target.js';

/** What of an Express 5 router layer (the `router` package) is read: its own matching. */
interface ExpressLayer {
  match(path: string): unknown;
  readonly route?: ExpressRoute;
  /** A middleware mounted at `/`, which matches every path without decoding anything. */
  readonly slash?: boolean;
}
interface ExpressRoute {
  readonly stack: readonly { readonly handle: unknown }[];
  _handlesMethod(method: string): boolean;
}
interface ExpressApp {
  readonly router: { readonly stack: readonly ExpressLayer[] };
}

/** A route layer of the router's stack, with the target of the Nest route behind it, if any. */
interface RouteEntry {
  readonly layer: ExpressLayer;
  /** `undefined` for a route Nest did not register: it runs, but carries no policy. */
  readonly target: RouteTarget | undefined;
}

/** No route: what the scan caches for a path that reaches none. */
const NONE = -1;
/** Bounded, so that a flood of distinct paths costs scans, never memory. */
const CACHE_LIMIT = 2048;

/**
 * Express tries its router's layers in order, each with its own compiled matcher, and runs the
 * first route whose path matches and which serves the method. This resolver asks exactly those
 * layers, in that order, with the path Express itself reads (`parseurl`, which also caches it on
 * the request for Express), so it picks what Express picks. Express scans linearly on every
 * request; the answer per method and path is cached, bounded, so the scan is not paid twice.
 */
export class ExpressRouteResolver implements RouteResolver {
  private readonly targets = new Map<unknown, RouteTarget>();
  /** Every layer of the router in order (middleware too: a decoding error there stops routes). */
  private layers: readonly ExpressLayer[] = [];
  private entries = new Map<ExpressLayer, RouteEntry>();
  private readonly firstMatches = new Map<string, number>();

  constructor(private readonly app: ExpressApp) {}

  register(target: RouteTarget | undefined, callback: unknown, register: () => unknown): unknown {
    if (target !== undefined) this.targets.set(callback, target);
    return register();
  }

  seal(): void {
    this.layers = Object.freeze([...this.app.router.stack]);
    const entries = new Map<ExpressLayer, RouteEntry>();
    for (const layer of this.layers) {
      if (layer.route === undefined) continue;
      const handle = layer.route.stack[0]?.handle;
      entries.set(layer, Object.freeze({ layer, target: this.targets.get(handle) }));
    }
    this.entries = entries;
    this.targets.clear();
  }

  requestTarget(_request: unknown, raw: IncomingMessage): RouteTarget | undefined {
    const path = pathOf(raw);
    if (path === undefined) return undefined;
    const index = this.firstMatch(raw.method ?? 'GET', path);
    return index === NONE ? undefined : this.entries.get(this.layers[index])?.target;
  }

  preflightTargets(_request: unknown, raw: IncomingMessage, method: string): readonly RouteTarget[] | undefined {
    const path = pathOf(raw);
    if (path === undefined) return undefined;
    const targets: RouteTarget[] = [];
    // Where the first route may decline, the preflight cannot tell which one will run: every
    // route up to the first that cannot decline is a candidate.
    for (let index = this.firstMatch(method, path); index !== NONE; index = this.matchFrom(method, path, index + 1)) {
      const target = this.entries.get(this.layers[index])?.target;
      if (target === undefined) return undefined; // a route of another kind may run: not answered
      targets.push(target);
      if (!target.passesOn) break;
    }
    // After routes that all decline, only the 404 is left: no more candidates.
    return targets.length === 0 ? undefined : targets;
  }

  targetAfter(raw: IncomingMessage): RouteTarget | undefined {
    const current = (raw as { route?: unknown }).route;
    const path = pathOf(raw);
    if (path === undefined) return undefined;
    const at = this.layers.findIndex((layer) => layer.route === current);
    if (at === NONE) return undefined;
    const index = this.matchFrom(raw.method ?? 'GET', path, at + 1);
    return index === NONE ? undefined : this.entries.get(this.layers[index])?.target;
  }

  private firstMatch(method: string, path: string): number {
    const key = `${method} ${path}`;
    const cached = this.firstMatches.get(key);
    if (cached !== undefined) return cached;
    const index = this.matchFrom(method, path, 0);
    if (this.firstMatches.size >= CACHE_LIMIT) this.firstMatches.clear();
    this.firstMatches.set(key, index);
    return index;
  }

  /** The router's own loop (`Router.prototype.handle`): the first route layer from `start` that matches. */
  private matchFrom(method: string, path: string, start: number): number {
    const { layers } = this;
    for (let index = start; index < layers.length; index++) {
      const layer = layers[index];
      const { route } = layer;
      if (route === undefined && layer.slash === true) continue;
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
