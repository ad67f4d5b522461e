import type { HeaderSink } from './response-headers.js';

/** A {@link HeaderSink} that only records: what a dry run or a unit test writes. Names lowercase. */
export class RecordedHeaders implements HeaderSink {
  private readonly headers = new Map<string, string>();

  setHeader(name: string, value: string): void {
    this.headers.set(name.toLowerCase(), value);
  }

  getHeader(name: string): string | undefined {
    return this.headers.get(name.toLowerCase());
  }

  removeHeader(name: string): void {
    this.headers.delete(name.toLowerCase());
  }

  toJSON(): Record<string, string> {
    return Object.fromEntries(this.headers);
  }
}
