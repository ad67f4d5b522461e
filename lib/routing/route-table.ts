import { FindMyWayRouter } from './find-my-way-router.js';
import type { PathRouter, RouteMatchingOptions } from './path-router.js';
import { PlainPathRouter } from './plain-path-router.js';
import { routeShape } from './route-shape.js';
import type { CompiledPolicy } from '../policy/compiled-policy.js';

/**
 * A route whose requests can reach handlers with different policies (host or header
 * versioning, one inherited method under two controllers): a path alone cannot tell which, so
 * preflights are allowed when any candidate allows them, and actual responses are decided by
 * the guard, which sees the handler.
 */
export class AmbiguousRoutePolicy {
  readonly candidates: readonly CompiledPolicy[];

  constructor(candidates: Iterable<RoutePolicy>) {
    const unique = new Set<CompiledPolicy>();
    for (const candidate of candidates) {
      if (candidate instanceof AmbiguousRoutePolicy) candidate.candidates.forEach((c) => unique.add(c));
      else if (candidate !== null) unique.add(candidate);
    }
    this.candidates = Object.freeze([...unique]);
    Object.freeze(this);
  }
}

/** What a route contributes to CORS: its compiled policy, `null` for none, or ambiguity. */
export type RoutePolicy = CompiledPolicy | null | AmbiguousRoutePolicy;

/** What the handler(s) behind a route ask of the request hook beyond their policy. */
export interface RouteHandling {
  /** Whether a handler behind it has the guard, which then needs the request hook's decision. */
  readonly guarded: boolean;
  /**
   * Whether a handler behind it takes `@Res()` or `@Next()`, and so may write its response
   * around the framework's own response object.
   */
  readonly respondsDirectly: boolean;
}

const ORDINARY: RouteHandling = Object.freeze({ guarded: false, respondsDirectly: false });

/** One `(method, path template)` of the application, as Nest registered it. */
export interface RouteEntry extends RouteHandling {
  /** The registered method: a constant, safe to write into `Access-Control-Allow-Methods`. */
  readonly method: string;
  readonly path: string;
  policy: RoutePolicy;
  /** The handler(s) behind it: `Controller.handler`, several joined by ` | ` when ambiguous. */
  location: string;
  guarded: boolean;
  respondsDirectly: boolean;
  /** Its place in the order the adapter received routes (which Express serves by). */
  readonly order: number;
}

interface Routers {
  readonly byMethod: PathRouter<RouteEntry>;
  /** `@All()` routes live apart: find-my-way's `all` would collide with per-method routes. */
  readonly anyMethod: PathRouter<RouteEntry>;
}
const ALL = 'ALL';

/**
 * The application's routes in a tree, so that a request or preflight finds its route in time
 * proportional to its path, not to the number of routes. Routes of the plain syntax (nearly all)
 * live in a {@link PlainPathRouter}; the first route beyond it moves every route to find-my-way,
 * which holds any template Fastify accepts, so that one router always ranks all candidates
 * (by specificity only, then: find-my-way knows no registration order).
 */
export class RouteTable {
  private routers: Routers;
  /** Set once in find-my-way, which refuses a route twice: entries by method and route shape. */
  private shapes: Map<string, RouteEntry> | undefined;
  private readonly entries: RouteEntry[] = [];

  constructor(private readonly options: RouteMatchingOptions) {
    this.routers = { byMethod: new PlainPathRouter(options, orderOf), anyMethod: new PlainPathRouter(options, orderOf) };
  }

  /**
   * Records a route. Registering the same method and path again (versions or hosts sharing a
   * path) keeps one entry, which becomes ambiguous when the policies differ.
   * @throws when no router can represent the path or method.
   */
  add(method: string, path: string, policy: RoutePolicy, location: string, handling: RouteHandling = ORDINARY): void {
    const { guarded, respondsDirectly } = handling;
    const entry: RouteEntry = { method: method.toUpperCase(), path, policy, location, guarded, respondsDirectly, order: this.entries.length };
    const held = (this.shapes === undefined ? addTo(this.routers, entry) : undefined) ?? this.addToFindMyWay(entry);
    if (held === entry) return void this.entries.push(entry);
    held.guarded ||= guarded;
    held.respondsDirectly ||= respondsDirectly;
    if (held.policy !== policy) held.policy = new AmbiguousRoutePolicy([held.policy, policy]);
    if (!held.location.split(' | ').includes(location)) held.location += ` | ${location}`;
  }

  /**
   * The route a request with `method` to `path` (no query string) reaches: the method's own
   * route, a `GET` route for `HEAD` (both adapters serve HEAD from GET handlers), else an
   * `@All()` route; where the adapter serves the first registered match (Express), the one of
   * these registered first.
   */
  find(method: string, path: string): RouteEntry | undefined {
    const { byMethod, anyMethod } = this.routers;
    if (this.options.firstRegisteredWins === true && this.shapes === undefined) {
      let found = byMethod.find(method, path);
      if (method === 'HEAD') found = earlier(found, byMethod.find('GET', path));
      return earlier(found, anyMethod.find('GET', path));
    }
    return (
      byMethod.find(method, path) ??
      (method === 'HEAD' ? byMethod.find('GET', path) : undefined) ??
      anyMethod.find('GET', path)
    );
  }

  /** Every recorded route, for diagnostics. */
  routes(): readonly RouteEntry[] {
    return [...this.entries];
  }

  /** Adds `entry` to find-my-way, moving every route there first if need be. */
  private addToFindMyWay(entry: RouteEntry): RouteEntry {
    if (this.shapes === undefined) {
      const routers = { byMethod: new FindMyWayRouter<RouteEntry>(this.options), anyMethod: new FindMyWayRouter<RouteEntry>(this.options) };
      const shapes = new Map<string, RouteEntry>();
      for (const moved of this.entries) {
        addTo(routers, moved);
        shapes.set(shapeOf(moved), moved);
      }
      this.routers = routers;
      this.shapes = shapes;
    }
    const shape = shapeOf(entry);
    const held = this.shapes.get(shape);
    if (held !== undefined) return held;
    addTo(this.routers, entry);
    this.shapes.set(shape, entry);
    return entry;
  }
}

function addTo({ byMethod, anyMethod }: Routers, entry: RouteEntry): RouteEntry | undefined {
  return entry.method === ALL ? anyMethod.add('GET', entry.path, entry) : byMethod.add(entry.method, entry.path, entry);
}

function orderOf(entry: RouteEntry): number {
  return entry.order;
}

function earlier(a: RouteEntry | undefined, b: RouteEntry | undefined): RouteEntry | undefined {
  if (a === undefined) return b;
  return b === undefined || a.order < b.order ? a : b;
}

function shapeOf(entry: RouteEntry): string {
  return `${entry.method} ${routeShape(entry.path)}`;
}
