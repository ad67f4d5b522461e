import { browserProblems, isExposed, type CorsExchange } from './browser-check.js';

/** Options of the matchers: whether the page's request includes credentials. */
export interface CorsMatcherOptions {
  /** @defaultValue `false` */
  readonly credentials?: boolean;
}

interface MatcherResult {
  pass: boolean;
  message(): string;
}

interface MatcherContext {
  readonly isNot?: boolean;
}

function describe(exchange: CorsExchange): string {
  const asked =
    exchange.kind === 'preflight'
      ? `preflight for ${exchange.method} ${exchange.path}${exchange.requestedHeaders.length ? ` with ${exchange.requestedHeaders.join(', ')}` : ''}`
      : `${exchange.method} ${exchange.path}`;
  const cors = Object.entries(exchange.headers)
    .filter(([name]) => name.startsWith('access-control-') || name === 'vary')
    .map(([name, value]) => `    ${name}: ${value}`)
    .join('\n');
  return `the ${asked} from ${exchange.origin ?? '(no Origin)'} got ${exchange.status}${cors ? ` with\n${cors}` : ' and no CORS headers'}`;
}

function assertExchange(received: unknown): CorsExchange {
  const exchange = received as CorsExchange;
  if (
    exchange === null ||
    typeof exchange !== 'object' ||
    (exchange.kind !== 'preflight' && exchange.kind !== 'request')
  ) {
    throw new TypeError('expected the result of probePreflight() or probeRequest()');
  }
  return exchange;
}

/**
 * Jest matchers judging a probed exchange the way a browser would, with failure messages that
 * say what was missing. Register with `expect.extend(corsMatchers)`.
 *
 * @example
 * ```ts
 * expect(await probePreflight(app, { path: '/api/orders/1', origin, method: 'DELETE' })).toBeAllowedByCors({ credentials: true });
 * expect(await probeRequest(app, { path: '/api/orders', origin })).toExposeHeader('X-Total-Count');
 * ```
 */
export const corsMatchers = {
  /** The browser would let the request through (a preflight) or let the page read the response. */
  toBeAllowedByCors(this: MatcherContext, received: unknown, options: CorsMatcherOptions = {}): MatcherResult {
    return browserVerdict(received, options);
  },

  /** The browser would block the request (a preflight) or keep the response from the page. */
  toBeRefusedByCors(this: MatcherContext, received: unknown, options: CorsMatcherOptions = {}): MatcherResult {
    const result = browserVerdict(received, options);
    return { pass: !result.pass, message: () => result.message() };
  },

  /** Page scripts can read this response header, and the response has it. */
  toExposeHeader(
    this: MatcherContext,
    received: unknown,
    name: string,
    options: CorsMatcherOptions = {},
  ): MatcherResult {
    const exchange = assertExchange(received);
    const credentials = options.credentials === true;
    const readable = browserProblems(exchange, credentials).length === 0;
    const exposed = isExposed(exchange, name, credentials);
    const present = exchange.headers[name.toLowerCase()] !== undefined;
    const why = !readable
      ? 'the response is not readable by the page at all'
      : !exposed
        ? `Access-Control-Expose-Headers (${JSON.stringify(exchange.headers['access-control-expose-headers'] ?? '')}) does not name it`
        : !present
          ? 'the response does not have it'
          : 'it is exposed';
    return {
      pass: readable && exposed && present,
      message: () =>
        `expected ${name} ${this.isNot ? 'not ' : ''}to be readable by the page: ${why}; ${describe(exchange)}`,
    };
  },
};

/** The matchers' signatures, for `expect(...)`. */
export interface CorsMatchers<R> {
  toBeAllowedByCors(options?: CorsMatcherOptions): R;
  toBeRefusedByCors(options?: CorsMatcherOptions): R;
  toExposeHeader(name: string, options?: CorsMatcherOptions): R;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Matchers<R> extends CorsMatchers<R> {}
  }
}

/** Whether a browser would allow the exchange, and why not. */
function browserVerdict(received: unknown, options: CorsMatcherOptions): MatcherResult {
  const exchange = assertExchange(received);
  const problems = browserProblems(exchange, options.credentials === true);
  return {
    pass: problems.length === 0,
    message: () =>
      problems.length === 0
        ? `expected a browser to refuse, but ${describe(exchange)}`
        : `expected a browser to allow, but ${describe(exchange)}\n  refused because:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  };
}
