import type { CorsRequest } from '../cors-module-options.js';
import type { CompiledPolicy } from './compile.js';
import { checkOrigin } from './origin-check.js';
import { checkPreflightRequest, type PreflightRequest } from './preflight.js';
import { appendVary, writeAllowedPreflight, writeAllowedResponse, type HeaderSink } from './response-headers.js';
import type { OriginVerdict, PreflightDecision } from './verdict.js';

const ALLOWED: PreflightDecision = Object.freeze({ allowed: true, reason: undefined });

/**
 * Decides an actual request under `policy` and writes its headers: `Vary: Origin` when the
 * answer depends on it, and the allow headers when the origin is allowed. Returns the verdict
 * on the origin (`undefined` without one). Synchronous unless an origin callback runs.
 *
 * The caller guarantees that the response head has not been sent yet; only an origin
 * callback's verdict arrives later, and it writes nothing if the head went out meanwhile.
 */
export function decideRequest(
  policy: CompiledPolicy,
  request: CorsRequest,
  sink: HeaderSink,
  timeoutMs: number,
): OriginVerdict | undefined | Promise<OriginVerdict> {
  // Cache safety (Fetch standard, "CORS protocol and HTTP caches"): a response whose CORS
  // headers depend on Origin says so, also when this request had none, or a shared cache
  // could serve this origin-less response to a browser that sends one.
  if (policy.variesByOrigin) appendVary(sink, 'Origin');
  const { origin } = request.headers;
  if (typeof origin !== 'string') {
    if (policy.origins.any) writeAllowedResponse(policy, undefined, sink);
    return undefined;
  }
  const verdict = checkOrigin(policy, origin, request, timeoutMs);
  if (verdict instanceof Promise) {
    // While the callback was out, another layer (a timeout, a filter) may have answered.
    return verdict.then((settled) =>
      sink.headersSent === true ? settled : applyVerdict(policy, origin, sink, settled),
    );
  }
  return applyVerdict(policy, origin, sink, verdict);
}

/**
 * Decides a preflight (Fetch standard, "CORS-preflight fetch") for the route(s) its requested
 * method reaches and writes its headers. Several candidates mean the preflight cannot tell
 * which handler the request will reach (a version or host decides): it is allowed only when
 * every candidate allows it, with the headers all of them agree on.
 */
export function decidePreflight(
  candidates: readonly CompiledPolicy[],
  request: CorsRequest,
  origin: string,
  method: string,
  sink: HeaderSink,
  timeoutMs: number,
): PreflightDecision | Promise<PreflightDecision> {
  const { headers } = request;
  const requestHeaders = headers['access-control-request-headers'];
  const preflight: PreflightRequest = {
    method,
    requestHeaders: typeof requestHeaders === 'string' ? requestHeaders : undefined,
    privateNetwork: headers['access-control-request-private-network'] === 'true',
  };
  appendVary(sink, (candidates.find((c) => c.allowPrivateNetwork) ?? candidates[0]).preflightVary);
  // As in decideRequest(): only a decision that waited for an origin callback can find the head sent.
  const settle = (decision: PreflightDecision, late: boolean): PreflightDecision => {
    if (decision.allowed && !(late && sink.headersSent === true)) writePreflight(candidates, origin, preflight, sink);
    return decision;
  };
  const decision = everyAllows(candidates, 0, request, origin, preflight, timeoutMs);
  return decision instanceof Promise ? decision.then((settled) => settle(settled, true)) : settle(decision, false);
}

/** The first refusal among the candidates, else allowed. Synchronous unless an origin callback runs. */
function everyAllows(
  candidates: readonly CompiledPolicy[],
  index: number,
  request: CorsRequest,
  origin: string,
  preflight: PreflightRequest,
  timeoutMs: number,
): PreflightDecision | Promise<PreflightDecision> {
  for (let i = index; i < candidates.length; i++) {
    const candidate = candidates[i];
    const reason = checkPreflightRequest(candidate, preflight);
    if (reason !== undefined) return { allowed: false, reason };
    const verdict = checkOrigin(candidate, origin, request, timeoutMs);
    if (verdict instanceof Promise) {
      return verdict.then((settled) =>
        settled.allowed ? everyAllows(candidates, i + 1, request, origin, preflight, timeoutMs) : refusal(settled),
      );
    }
    if (!verdict.allowed) return refusal(verdict);
  }
  return ALLOWED;
}

/**
 * The first candidate's headers, narrowed to what every candidate grants: credentials only if
 * all allow them, the shortest max age (browsers cache one preflight result for the URL).
 */
function writePreflight(
  candidates: readonly CompiledPolicy[],
  origin: string,
  preflight: PreflightRequest,
  sink: HeaderSink,
): void {
  const [first] = candidates;
  writeAllowedPreflight(first, origin, preflight.method, preflight.privateNetwork, sink);
  if (candidates.length === 1) return;
  if (candidates.some((c) => c.allowCredentialsValue === undefined))
    sink.removeHeader('access-control-allow-credentials');
  if (candidates.some((c) => !c.origins.any) && first.origins.any)
    sink.setHeader('access-control-allow-origin', origin);
  const maxAges = candidates.map((c) => c.maxAgeValue);
  if (maxAges.includes(undefined)) sink.removeHeader('access-control-max-age');
  else sink.setHeader('access-control-max-age', String(Math.min(...maxAges.map(Number))));
}

function refusal(verdict: Extract<OriginVerdict, { allowed: false }>): PreflightDecision {
  return { allowed: false, reason: verdict.reason, error: verdict.error };
}

/** Writes the allow headers if `verdict` allows; a function, so the common path allocates no closure. */
function applyVerdict(policy: CompiledPolicy, origin: string, sink: HeaderSink, verdict: OriginVerdict): OriginVerdict {
  if (verdict.allowed) writeAllowedResponse(policy, origin, sink);
  return verdict;
}
