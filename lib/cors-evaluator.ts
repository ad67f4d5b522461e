import type { CorsRequest } from './cors-module-options.js';
import type { CompiledPolicy } from './policy/compiled-policy.js';
import { checkOrigin, type OriginVerdict } from './policy/origin-check.js';
import { checkPreflightRequest, type PreflightRequest } from './policy/preflight.js';
import type { CorsRefusalReason } from './policy/refusal.js';
import { appendVary, writeAllowedPreflight, writeAllowedResponse, type HeaderSink } from './policy/response-headers.js';
import { AmbiguousRoutePolicy, type RouteEntry, type RouteTable } from './routing/route-table.js';

/**
 * An actual request, which goes on. `verdict` is absent without `Origin`, and for an ambiguous
 * route, whose handler (known to the guard only) decides.
 */
export interface RequestEvaluation {
  readonly kind: 'request';
  readonly route: RouteEntry;
  readonly verdict: OriginVerdict | undefined;
}

/** What the CORS layer made of one request. Headers have already been written to the sink. */
export type CorsEvaluation =
  /** No route with a policy: nothing written; the request goes on untouched. */
  | { readonly kind: 'not-applicable'; readonly preflight: boolean; readonly route: RouteEntry | undefined }
  /** A preflight, to be ended here: 204 when allowed, 403 when refused. */
  | {
      readonly kind: 'preflight';
      readonly route: RouteEntry;
      readonly allowed: boolean;
      readonly reason: CorsRefusalReason | undefined;
      readonly error?: unknown;
    }
  | RequestEvaluation;

/**
 * The whole CORS decision for a request, free of any framework: find the route, check the
 * preflight or the origin, write the headers. The request hook runs it on live requests and
 * `CorsAuditService.explain()` on described ones, so a dry run is exactly what a request gets.
 */
export class CorsEvaluator {
  constructor(
    private readonly routes: RouteTable,
    private readonly timeoutMs: number,
    private readonly stopAtSemicolon: boolean,
  ) {}

  /**
   * @param target where the response is, handed to `sinkOf` with whether this is a preflight and
   * the route found: the adapter decides where each response's headers go.
   */
  evaluate<T>(request: CorsRequest, target: T, sinkOf: (target: T, preflight: boolean, route: RouteEntry) => HeaderSink): CorsEvaluation | Promise<CorsEvaluation> {
    const { headers } = request;
    const { origin } = headers;
    const requestedMethod = headers['access-control-request-method'];
    const preflight = request.method === 'OPTIONS' && typeof requestedMethod === 'string' && typeof origin === 'string';
    const route = this.routes.find(preflight ? requestedMethod : (request.method ?? 'GET'), this.pathOf(request.url ?? '/'));
    if (route === undefined || route.policy === null) return { kind: 'not-applicable', preflight, route };
    if (preflight) return this.evaluatePreflight(request, route, origin, requestedMethod, sinkOf(target, true, route));
    const sink = sinkOf(target, false, route);

    const { policy } = route;
    // Cache safety (Fetch standard, "CORS protocol and HTTP caches"): a response whose CORS
    // headers depend on Origin says so, also when this request had none, or a shared cache
    // could serve this origin-less response to a browser that sends one.
    if (policy instanceof AmbiguousRoutePolicy) {
      appendVary(sink, 'Origin');
      return { kind: 'request', route, verdict: undefined };
    }
    const verdict = this.decorate(policy, typeof origin === 'string' ? origin : undefined, request, sink);
    return verdict instanceof Promise
      ? verdict.then((settled) => ({ kind: 'request', route, verdict: settled }))
      : { kind: 'request', route, verdict };
  }

  /**
   * Writes the headers of an actual response under `policy`: `Vary: Origin` when the answer
   * depends on it, and the allow headers when the origin is allowed. Returns the verdict on the
   * origin (`undefined` without one).
   *
   * The caller guarantees that the response head has not been sent yet: the request hook runs
   * before anything else can answer, the guard checks first. Only an origin callback's verdict
   * arrives later, and it writes nothing if the head went out meanwhile.
   */
  decorate(
    policy: CompiledPolicy,
    origin: string | undefined,
    request: CorsRequest,
    sink: HeaderSink,
  ): OriginVerdict | undefined | Promise<OriginVerdict> {
    if (policy.variesByOrigin) appendVary(sink, 'Origin');
    if (origin === undefined) {
      if (policy.origins.any) writeAllowedResponse(policy, undefined, sink);
      return undefined;
    }
    const verdict = checkOrigin(policy, origin, request, this.timeoutMs);
    if (verdict instanceof Promise) {
      // While the callback was out, another layer (a timeout, a filter) may have answered.
      return verdict.then((settled) => (sink.headersSent === true ? settled : applyVerdict(policy, origin, sink, settled)));
    }
    return applyVerdict(policy, origin, sink, verdict);
  }

  private evaluatePreflight(
    request: CorsRequest,
    route: RouteEntry,
    origin: string,
    method: string,
    sink: HeaderSink,
  ): CorsEvaluation | Promise<CorsEvaluation> {
    const policy = route.policy as CompiledPolicy | AmbiguousRoutePolicy;
    const candidates = policy instanceof AmbiguousRoutePolicy ? policy.candidates : [policy];
    const { headers } = request;
    const requestHeaders = headers['access-control-request-headers'];
    const preflight: PreflightRequest = {
      method,
      requestHeaders: typeof requestHeaders === 'string' ? requestHeaders : undefined,
      privateNetwork: headers['access-control-request-private-network'] === 'true',
    };
    appendVary(sink, (candidates.find((c) => c.allowPrivateNetwork) ?? candidates[0]).preflightVary);
    // As in decorate(): only an outcome that waited for an origin callback can find the head sent.
    const settle = (outcome: PreflightOutcome, late: boolean): CorsEvaluation => {
      if (outcome.policy !== undefined && !(late && sink.headersSent === true)) {
        writeAllowedPreflight(outcome.policy, origin, method, preflight.privateNetwork, sink);
      }
      return { kind: 'preflight', route, allowed: outcome.policy !== undefined, reason: outcome.reason, error: outcome.error };
    };
    const outcome = this.firstAllowing(candidates, 0, request, origin, preflight, { policy: undefined, reason: 'origin_not_allowed' });
    return outcome instanceof Promise ? outcome.then((settled) => settle(settled, true)) : settle(outcome, false);
  }

  /**
   * The first candidate policy that allows the preflight (one candidate unless the route is
   * ambiguous). Synchronous unless an origin callback runs.
   */
  private firstAllowing(
    candidates: readonly CompiledPolicy[],
    index: number,
    request: CorsRequest,
    origin: string,
    preflight: PreflightRequest,
    refused: PreflightOutcome,
  ): PreflightOutcome | Promise<PreflightOutcome> {
    for (let i = index; i < candidates.length; i++) {
      const candidate = candidates[i];
      const reason = checkPreflightRequest(candidate, preflight);
      if (reason !== undefined) {
        refused = { policy: undefined, reason };
        continue;
      }
      const verdict = checkOrigin(candidate, origin, request, this.timeoutMs);
      if (verdict instanceof Promise) {
        return verdict.then((settled) =>
          settled.allowed
            ? { policy: candidate, reason: undefined }
            : this.firstAllowing(candidates, i + 1, request, origin, preflight, { policy: undefined, reason: settled.reason, error: settled.error }),
        );
      }
      if (verdict.allowed) return { policy: candidate, reason: undefined };
      refused = { policy: undefined, reason: verdict.reason, error: verdict.error };
    }
    return refused;
  }

  private pathOf(url: string): string {
    let end = url.indexOf('?');
    if (this.stopAtSemicolon) {
      const semicolon = url.indexOf(';');
      if (semicolon !== -1 && (end === -1 || semicolon < end)) end = semicolon;
    }
    return end === -1 ? url : url.slice(0, end);
  }
}

/** Writes the allow headers if `verdict` allows; a function, so the common path allocates no closure. */
function applyVerdict(policy: CompiledPolicy, origin: string, sink: HeaderSink, verdict: OriginVerdict): OriginVerdict {
  if (verdict.allowed) writeAllowedResponse(policy, origin, sink);
  return verdict;
}

interface PreflightOutcome {
  readonly policy: CompiledPolicy | undefined;
  readonly reason: CorsRefusalReason | undefined;
  readonly error?: unknown;
}
