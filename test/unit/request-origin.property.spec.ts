import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import fc from 'fast-check';
import { originOf } from '../../lib/adapters/request-origin.js';

/**
 * `originOf()` reads `Origin` from `rawHeaders` instead of `request.headers`; it must give
 * exactly what Node's own header object would, however the client spelled and repeated it.
 */

/** `FC_RUNS=20000` for a deep run; the default keeps the suite quick. */
const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 300) };

/** A request as Node's HTTP parser hands it over: the raw lines, then Node's own header object. */
function parsed(rawHeaders: string[]): IncomingMessage {
  const message = new IncomingMessage(new Socket());
  // What the parser calls with the header lines of a request (node:_http_common).
  (message as unknown as { _addHeaderLines(headers: string[], n: number): void })._addHeaderLines(rawHeaders, rawHeaders.length);
  return message;
}

const originSpelling = fc.constantFrom('Origin', 'origin', 'ORIGIN', 'oRiGiN');
const otherName = fc.constantFrom('Host', 'Accept', 'Referer', 'Origins', 'Orig', 'X-Origin', 'Sec-Fetch-Site', 'Access-Control-Request-Method', 'Cookie', 'Vary');
const value = fc.oneof(
  fc.constantFrom('https://app.example.com', 'null', '', 'https://evil.example.org', 'https://app.example.com, https://evil.example.org'),
  fc.string({ maxLength: 20 }),
);
const line = fc.oneof({ weight: 1, arbitrary: fc.tuple(originSpelling, value) }, { weight: 2, arbitrary: fc.tuple(otherName, value) });

describe('originOf', () => {
  it('reads Origin exactly as Node builds request.headers.origin, for any spelling and repetition', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        const rawHeaders = lines.flat();
        // Read first: reading request.headers first would not show whether originOf needs it.
        const read = originOf(parsed(rawHeaders));
        expect(read).toBe(parsed(rawHeaders).headers.origin);
      }),
      RUNS,
    );
  });

  it('joins a repeated Origin with ", ", which no allow-list matches', () => {
    expect(originOf(parsed(['Origin', 'https://app.example.com', 'Host', 'x', 'origin', 'https://evil.example.org']))).toBe(
      'https://app.example.com, https://evil.example.org',
    );
  });

  it('leaves the header object unbuilt', () => {
    const request = parsed(['Host', 'x', 'Origin', 'https://app.example.com']);
    // Node's lazily built header object (node:_http_incoming), null until request.headers is read.
    const headersSlot = Object.getOwnPropertySymbols(request).find((symbol) => symbol.description === 'kHeaders')!;
    const slot = (): unknown => (request as unknown as Record<symbol, unknown>)[headersSlot];
    expect(slot()).toBeNull();
    expect(originOf(request)).toBe('https://app.example.com');
    expect(slot()).toBeNull();
    expect(request.headers.origin).toBe('https://app.example.com');
    expect(slot()).not.toBeNull();
  });

  it('falls back to the header object of a request without raw headers (a described one)', () => {
    expect(originOf({ headers: { origin: 'https://app.example.com' } })).toBe('https://app.example.com');
  });
});
