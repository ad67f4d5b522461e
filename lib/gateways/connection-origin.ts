import type { CompiledPolicy } from '../policy/compile.js';
import { ORIGIN_ALLOWED, type OriginVerdict } from '../policy/verdict.js';
import { checkOrigin } from '../policy/origin-check.js';
import { isSameOriginHandshake, type HandshakeRequest } from './same-origin.js';

/**
 * How the policies of the gateways behind one handshake combine:
 * - `some`: the connection may still be for any of them (an engine.io transport, shared by
 *   every namespace on its server): admitted when one allows it;
 * - `every`: it reaches all of them (a namespace, a `ws` server): admitted when all allow it.
 */
export type PolicyCombination = 'some' | 'every';

/**
 * Whether a connection may open, judged by its handshake's `Origin`. Browsers enforce nothing on
 * WebSocket connections (no CORS check, no preflight), so this check is all that stands between
 * a page on any site and a connection carrying the user's cookies (cross-site WebSocket
 * hijacking).
 *
 * Admitted without a policy's say: handshakes without `Origin` (clients that are not browsers:
 * CORS protects browsers, and such a client could send any `Origin` it likes), and same-origin
 * ones ({@link isSameOriginHandshake}). Synchronous unless an origin callback runs.
 */
export function checkConnectionOrigin(
  policies: readonly CompiledPolicy[],
  combination: PolicyCombination,
  request: HandshakeRequest,
  timeoutMs: number,
): OriginVerdict | Promise<OriginVerdict> {
  const { origin } = request.headers;
  if (typeof origin !== 'string' || policies.length === 0 || isSameOriginHandshake(request)) return ORIGIN_ALLOWED;
  return combine(policies, combination, (policy) => checkOrigin(policy, origin, request, timeoutMs));
}

/**
 * Asks `decide` of each policy in turn until one settles the question: an allowance for `some`,
 * a refusal for `every`. Otherwise the answer is the first refusal (`some`: none allowed) or the
 * last allowance (`every`: all allowed). One policy at a time, so that an origin callback runs
 * only when its answer counts. `policies` is not empty.
 */
export function combine<V extends { readonly allowed: boolean }>(
  policies: readonly CompiledPolicy[],
  combination: PolicyCombination,
  decide: (policy: CompiledPolicy) => V | Promise<V>,
): V | Promise<V> {
  const settles = (verdict: V): boolean => verdict.allowed === (combination === 'some');
  const from = (start: number, firstRefusal: V | undefined): V | Promise<V> => {
    let verdict: V | undefined;
    for (let i = start; i < policies.length; i++) {
      const decided = decide(policies[i]);
      if (decided instanceof Promise) {
        return decided.then((settled) => {
          if (settles(settled)) return settled;
          const refusal = firstRefusal ?? (settled.allowed ? undefined : settled);
          return i === policies.length - 1 ? (refusal ?? settled) : from(i + 1, refusal);
        });
      }
      verdict = decided;
      if (settles(verdict)) return verdict;
      if (!verdict.allowed) firstRefusal ??= verdict;
    }
    return firstRefusal ?? verdict!;
  };
  return from(0, undefined);
}
