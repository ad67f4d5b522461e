/**
 * `nest-cors/testing`: assert a route's CORS behaviour in one line, judged as a browser would.
 *
 * ```ts
 * import { corsMatchers, probePreflight, probeRequest } from 'nest-cors/testing';
 * expect.extend(corsMatchers);
 *
 * expect(await probePreflight(app, { path: '/api/orders/1', origin: 'https://admin.example.com', method: 'DELETE' }))
 *   .toBeAllowedByCors({ credentials: true });
 * ```
 */
export { browserProblems, isExposed, type CorsExchange } from './browser-check.js';
export { corsMatchers, type CorsMatcherOptions, type CorsMatchers } from './matchers.js';
export { probePreflight, probeRequest, type PreflightProbe, type RequestProbe } from './probe.js';
