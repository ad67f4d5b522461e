import type { CompiledPolicy } from '../policy/compile.js';
import type { PolicyBinding } from '../policy/policy-binding.js';

/**
 * The policy of a handler that serves several routes whose callbacks cannot be told apart (an
 * inherited method shared by controllers with different policies, on Nest 11): the guard, which
 * sees the controller, decides its actual responses; a preflight must satisfy every candidate.
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

/** What the handler behind a route asks of the request hook beyond its policy. */
export interface RouteHandling {
  /** Whether the handler has the guard, which then needs the request hook's decision. */
  readonly guarded: boolean;
  /**
   * Whether the handler takes `@Res()` or `@Next()`, and so may write its response around the
   * framework's own response object (read on Fastify, the one adapter with such an object).
   */
  readonly respondsDirectly: boolean;
}

/**
 * One route as Nest registered it on the adapter, with the policy of its handler: what the
 * adapter's router hands back when it matches a request, and what the audit lists.
 */
export interface RouteTarget extends RouteHandling {
  /** The registered method (`ALL` for `@All()`): a constant, safe to write into headers. */
  readonly method: string;
  /** The final path: global prefix, version and `RouterModule` path included. */
  readonly path: string;
  /** The route's policy now: read once per request (runtime updates rebind it). */
  readonly binding: PolicyBinding<RoutePolicy>;
  /** `Controller.handler` (several, joined by ` | `, for an ambiguous inherited handler). */
  readonly location: string;
  /**
   * Whether the handler may decline a request it matched (a host or version filter, `@Next()`),
   * which Express then hands to the next matching route.
   */
  readonly passesOn: boolean;
}

/**
 * What `CorsPolicyRegistry` stamps on a handler, before Nest registers its route: the route
 * target but the route itself, which `RouteRegistration` adds as the adapter registers it.
 */
export type RouteStamp = Omit<RouteTarget, 'method' | 'path'>;
