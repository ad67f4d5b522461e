import type { CorsOriginCallback, CorsRequest } from '../cors-module-options.js';
import type { CompiledPolicy } from './compile.js';
import { ORIGIN_ALLOWED, type OriginVerdict } from './verdict.js';
import { parseOrigin } from './serialized-origin.js';

const ORIGIN_REFUSED: OriginVerdict = Object.freeze({ allowed: false, reason: 'origin_not_allowed' });

/**
 * Checks an origin against a policy. Synchronous unless the policy has a callback, which is
 * only ever given a browser-serialized origin, and whose throw, rejection or timeout denies.
 * With `originsCache`, a kept verdict answers without the callback, and concurrent requests
 * from one origin share one call, timeout included.
 */
export function checkOrigin(
  policy: CompiledPolicy,
  origin: string,
  request: CorsRequest,
  timeoutMs: number,
): OriginVerdict | Promise<OriginVerdict> {
  const { origins } = policy;
  if (origins.matches(origin)) return ORIGIN_ALLOWED;
  const { callback, cache } = origins;
  if (callback === undefined) return ORIGIN_REFUSED;
  // Before parsing: only origins that parsed are ever recorded, so a hit is one already checked.
  const kept = cache?.get(origin);
  if (kept !== undefined) return kept;
  if (origin === 'null' || parseOrigin(origin) === undefined) return ORIGIN_REFUSED;
  const verdict = askCallback(callback, origin, request, timeoutMs);
  return cache === undefined ? verdict : cache.record(origin, verdict);
}

/** Calls the callback once; one promise and one timer when it is async. */
function askCallback(
  callback: CorsOriginCallback,
  origin: string,
  request: CorsRequest,
  timeoutMs: number,
): OriginVerdict | Promise<OriginVerdict> {
  let result: unknown;
  try {
    result = callback(origin, request);
  } catch (error) {
    return { allowed: false, reason: 'origin_callback_failed', error };
  }
  if (!isThenable(result)) return verdictOf(result);
  // Whichever of the callback and the timer settles first decides, the other is a no-op.
  return new Promise<OriginVerdict>((resolve) => {
    const timer = setTimeout(
      () =>
        resolve({
          allowed: false,
          reason: 'origin_callback_failed',
          error: new Error(`origin callback did not settle within ${timeoutMs}ms`),
        }),
      timeoutMs,
    );
    result.then(
      (value) => {
        clearTimeout(timer);
        resolve(verdictOf(value));
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ allowed: false, reason: 'origin_callback_failed', error });
      },
    );
  });
}

/** Only `true` allows: a truthy string or object returned by mistake does not. */
function verdictOf(value: unknown): OriginVerdict {
  return value === true ? ORIGIN_ALLOWED : ORIGIN_REFUSED;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
