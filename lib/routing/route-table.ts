import FindMyWay from 'find-my-way';
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

/** One `(method, path template)` of the application, as Nest registered it. */
export interface RouteEntry {
  /** The registered method: a constant, safe to write into `Access-Control-Allow-Methods`. */
  readonly method: string;
  readonly path: string;
  policy: RoutePolicy;
  /** The handler(s) behind it: `Controller.handler`, several joined by ` | ` when ambiguous. */
  location: string;
}

export interface RouteMatchingOptions {
  readonly caseSensitive: boolean;
  readonly ignoreTrailingSlash: boolean;
  readonly maxParamLength?: number;
}

type Router = FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;
const ALL = 'ALL';

/**
 * The application's routes in a radix tree (find-my-way, the router Fastify itself uses), so a
 * request or preflight finds its route in time proportional to its path, not to the number of
 * routes.
 */
export class RouteTable {
  private readonly router: Router;
  /** `@All()` routes live apart: find-my-way's `all` would collide with per-method routes. */
  private readonly anyMethodRouter: Router;
  private readonly entries = new Map<string, RouteEntry>();

  constructor(options: RouteMatchingOptions) {
    const config = {
      caseSensitive: options.caseSensitive,
      ignoreTrailingSlash: options.ignoreTrailingSlash,
      maxParamLength: options.maxParamLength ?? 100,
    };
    this.router = FindMyWay(config);
    this.anyMethodRouter = FindMyWay(config);
  }

  /**
   * Records a route. Registering the same method and path again (versions or hosts sharing a
   * path) keeps one entry, which becomes ambiguous when the policies differ.
   * @throws when find-my-way cannot represent the path or method.
   */
  add(method: string, path: string, policy: RoutePolicy, location: string): void {
    const upper = method.toUpperCase();
    const key = `${upper} ${path.replace(/:[^/]+/g, ':')}`;
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      if (existing.policy !== policy) existing.policy = new AmbiguousRoutePolicy([existing.policy, policy]);
      if (!existing.location.split(' | ').includes(location)) existing.location += ` | ${location}`;
      return;
    }
    const entry: RouteEntry = { method: upper, path, policy, location };
    if (upper === ALL) this.anyMethodRouter.on('GET', path, noop, entry);
    else this.router.on(upper as FindMyWay.HTTPMethod, path, noop, entry);
    this.entries.set(key, entry);
  }

  /**
   * The route a request with `method` to `path` (no query string) reaches: the method's own
   * route, a `GET` route for `HEAD` (both adapters serve HEAD from GET handlers), else an
   * `@All()` route.
   */
  find(method: string, path: string): RouteEntry | undefined {
    return (
      this.lookup(this.router, method, path) ??
      (method === 'HEAD' ? this.lookup(this.router, 'GET', path) : undefined) ??
      this.lookup(this.anyMethodRouter, 'GET', path)
    );
  }

  /** Every recorded route, for diagnostics. */
  routes(): readonly RouteEntry[] {
    return [...this.entries.values()];
  }

  private lookup(router: Router, method: string, path: string): RouteEntry | undefined {
    try {
      return (router.find(method as FindMyWay.HTTPMethod, path)?.store as RouteEntry | undefined) ?? undefined;
    } catch {
      // Malformed percent-encoding or an unknown method: no route, so no CORS decision.
      return undefined;
    }
  }
}

function noop(): void {}
