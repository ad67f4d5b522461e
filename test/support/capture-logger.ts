import type { LoggerService } from '@nestjs/common';

/** A Nest logger that keeps every line, for asserting what the module logs. */
export class CaptureLogger implements LoggerService {
  readonly lines: { level: string; message: string; context?: string }[] = [];

  log(message: unknown, context?: string): void {
    this.push('log', message, context);
  }
  error(message: unknown, _trace?: string, context?: string): void {
    this.push('error', message, context);
  }
  warn(message: unknown, context?: string): void {
    this.push('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.push('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.push('verbose', message, context);
  }

  /** Lines of the CorsModule context at one level. */
  cors(level: string): string[] {
    return this.lines.filter((l) => l.context === 'CorsModule' && l.level === level).map((l) => l.message);
  }

  private push(level: string, message: unknown, context?: string): void {
    this.lines.push({ level, message: String(message), context });
  }
}
