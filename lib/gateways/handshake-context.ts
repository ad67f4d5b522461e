import type { CorsRequest } from '../cors-module-options.js';
import type { RefusalLogger } from '../module/refusal-logger.js';
import type { CorsRefusalReason } from '../policy/verdict.js';

/** What every gateway check shares: the origin-callback timeout and the refusal log. */
export class HandshakeContext {
  constructor(
    readonly timeoutMs: number,
    private readonly refusals: RefusalLogger,
  ) {}

  /** One log line per refusal (with `debug: true`), and always one for a failed origin callback. */
  refused(
    kind: 'preflight' | 'request' | 'connection',
    method: string,
    request: CorsRequest,
    refusal: { readonly reason?: CorsRefusalReason; readonly error?: unknown },
  ): void {
    const origin = String(request.headers.origin ?? '');
    const url = request.url ?? '';
    const reason = refusal.reason ?? 'origin_not_allowed';
    if (reason === 'origin_callback_failed') this.refusals.callbackFailed(url, origin, refusal.error);
    this.refusals.refused(kind, method, url, origin, reason);
  }

  /** Something threw while deciding: logged, and the connection refused (fail closed). */
  failed(request: CorsRequest, error: unknown): void {
    this.refusals.failed(request.url ?? '', error);
  }
}
