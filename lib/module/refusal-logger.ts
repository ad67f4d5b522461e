import { Logger } from '@nestjs/common';
import { CORS_LOGGER_CONTEXT } from '../cors.constants.js';
import type { CorsRefusalReason } from '../policy/verdict.js';

/** At most this many refusal lines a second: a flood of hostile requests must not flood logs. */
const LINES_PER_SECOND = 20;

/**
 * Logs refusals (with `debug: true`) and origin-callback failures (always), one line each,
 * rate-limited. Values taken from the request are quoted and truncated, so a hostile header
 * can neither forge log lines nor bloat them.
 */
export class RefusalLogger {
  private readonly logger = new Logger(CORS_LOGGER_CONTEXT);
  private windowStart = 0;
  private linesInWindow = 0;
  private suppressed = 0;

  constructor(private readonly debug: boolean) {}

  /** `connection`: a gateway's WebSocket upgrade or socket.io namespace connection. */
  refused(
    kind: 'preflight' | 'request' | 'connection',
    method: string,
    url: string,
    origin: string,
    reason: CorsRefusalReason,
  ): void {
    if (!this.debug || !this.admit()) return;
    this.logger.debug(`refused ${kind} ${quote(method)} ${quote(url)} from ${quote(origin)}: ${reason}`);
  }

  callbackFailed(url: string, origin: string, error: unknown): void {
    if (!this.admit()) return;
    const message = error instanceof Error ? error.message : String(error);
    this.logger.warn(
      `origin callback failed for ${quote(url)} from ${quote(origin)}, request denied: ${quote(message)}`,
    );
  }

  failed(url: string, error: unknown): void {
    if (!this.admit()) return;
    this.logger.error(
      `CORS handling failed for ${quote(url)}; no CORS headers sent`,
      error instanceof Error ? error.stack : String(error),
    );
  }

  private admit(): boolean {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      if (this.suppressed > 0) this.logger.warn(`${this.suppressed} CORS log lines suppressed in the last second`);
      this.windowStart = now;
      this.linesInWindow = 0;
      this.suppressed = 0;
    }
    if (this.linesInWindow >= LINES_PER_SECOND) {
      this.suppressed++;
      return false;
    }
    this.linesInWindow++;
    return true;
  }
}

function quote(value: string): string {
  return JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value);
}
