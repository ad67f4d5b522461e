import type { CorsRequest } from '../cors-module-options.js';
import type { CompiledPolicy } from './compiled-policy.js';
import { parseOrigin } from './origin.js';
import type { CorsRefusalReason } from './refusal.js';

/** The verdict on a request's origin: allowed, or refused with a reason (and the callback's error). */
export type OriginVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: CorsRefusalReason; readonly error?: unknown };

export const ORIGIN_ALLOWED: OriginVerdict = Object.freeze({ allowed: true });
export const ORIGIN_REFUSED: OriginVerdict = Object.freeze({ allowed: false, reason: 'origin_not_allowed' });

/**
 * Checks an origin against a policy. Synchronous unless the policy has a callback, which is
 * only ever given a browser-serialized origin, and whose throw, rejection or timeout denies.
 */
export function checkOrigin(
  policy: CompiledPolicy,
  origin: string,
  request: CorsRequest,
  timeoutMs: number,
): OriginVerdict | Promise<OriginVerdict> {
  const { origins } = policy;
  if (origins.matches(origin)) return ORIGIN_ALLOWED;
  if (origins.callback === undefined || origin === 'null' || parseOrigin(origin) === undefined) return ORIGIN_REFUSED;
  return runOriginCallback(() => origins.callback!(origin, request), timeoutMs);
}

async function runOriginCallback(call: () => boolean | Promise<boolean>, timeoutMs: number): Promise<OriginVerdict> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`origin callback did not settle within ${timeoutMs}ms`)), timeoutMs);
    });
    // Only `true` allows: a truthy string or object returned by mistake does not.
    const allowed = (await Promise.race([call(), timeout])) === true;
    return allowed ? ORIGIN_ALLOWED : ORIGIN_REFUSED;
  } catch (error) {
    return { allowed: false, reason: 'origin_callback_failed', error };
  } finally {
    clearTimeout(timer);
  }
}
