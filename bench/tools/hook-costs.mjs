// What nest-cors's request hook costs per request on Fastify, measured in-process on a real
// Nest application's own request and reply objects (no sockets, no load generator): the hook is
// called many times over within one real request, against the bare header writes it cannot do
// without. Steady to a few tens of nanoseconds between invocations, where the throughput runs
// of bench/run.mjs cannot tell a microsecond on this machine; a hot loop, so a lower bound.
// Quoted in docs/performance.md.
//
//   npm run build && node bench/tools/hook-costs.mjs
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import * as cors from '../../dist/lib/index.js';
import { rootModule } from '../apps.mjs';
import { medianNsPerCall, S1_HEADERS } from './hot-loop.mjs';
import { APP_ORIGIN, BIG_PATTERN_ORIGIN, MANY_ROUTES_PATH, SMALL_PATTERN_ORIGIN } from '../config.mjs';

const N = 300_000;
const ROUNDS = 5;
const time = (run) => medianNsPerCall(run, N, ROUNDS);
const noop = () => {};

const results = [];

/** Fastify's own header object of a reply, under a symbol of Fastify's (not public API). */
function replyHeadersSymbol(reply) {
  const symbol = Object.getOwnPropertySymbols(reply).find((s) => s.description === 'fastify.reply.headers');
  if (symbol === undefined)
    throw new Error("this Fastify keeps a reply's headers elsewhere: update bench/tools/hook-costs.mjs");
  return symbol;
}

/**
 * Boots one bench application with nest-cors on Fastify and times its request hook on `cases`
 * ([label, request headers, url]), each inside one real request: the hook reads the request,
 * writes the reply's headers and calls `done`. Every call starts from a fresh, empty header
 * object, as Fastify gives each request (headers left by the previous call would send the hook
 * down its merging path, and deleting them would slow the object down); what that costs is
 * measured alone and subtracted. Figures from a hot loop: a lower bound of what a request
 * under load pays.
 */
async function measureHook(appName, cases) {
  const app = await NestFactory.create(rootModule({ app: appName, variant: 'nest-cors' }, cors), new FastifyAdapter(), {
    logger: false,
  });
  const adapter = app.getHttpAdapter();
  await app.init();
  const hook = adapter.onRequestHook;
  adapter.onRequestHook = (request, reply, done) => {
    const label = request.headers['x-case'];
    const headers = replyHeadersSymbol(reply);
    const reset = () => {
      reply[headers] = {};
    };
    // The hook must write into that object (not on the Node response) for the comparison with
    // the bare writes below to hold.
    reset();
    hook.call(adapter, request, reply, noop);
    if (
      request.headers.origin !== undefined &&
      reply[headers]['access-control-allow-origin'] === undefined &&
      reply[headers].vary === undefined
    ) {
      throw new Error(`${label}: the hook wrote nothing into the reply's own headers`);
    }
    const resetNs = time(reset);
    results.push([label, time(() => (reset(), hook.call(adapter, request, reply, noop))) - resetNs]);
    if (label.startsWith('S1:')) {
      results.push([
        '  the same four headers written bare through the reply',
        time(() => {
          reset();
          for (const [name, value] of S1_HEADERS) reply.header(name, value);
        }) - resetNs,
      ]);
    }
    reset();
    done();
  };
  for (const [label, headers, url] of cases) {
    const response = await adapter
      .getInstance()
      .inject({ method: 'GET', url, headers: { ...headers, 'x-case': label } });
    if (response.statusCode !== 200) throw new Error(`${label}: ${response.statusCode} ${response.body}`);
  }
  await app.close();
}

await measureHook('main', [
  ['S1: GET /items from an allowed origin', { origin: APP_ORIGIN }, '/items'],
  ['S1w: GET /items from an origin the pattern of the 3-entry list allows', { origin: SMALL_PATTERN_ORIGIN }, '/items'],
  ['S2: GET /items without Origin', {}, '/items'],
  [
    'S4: GET /big from an exact origin near the end of 10,000',
    { origin: 'https://site-9990.customers.example.com' },
    '/big',
  ],
  ['S4w: GET /big from an origin the 49th of 50 patterns allows', { origin: BIG_PATTERN_ORIGIN }, '/big'],
  ['a refused origin', { origin: 'https://evil.example.org' }, '/items'],
]);
await measureHook('many', [
  [`S5: GET ${MANY_ROUTES_PATH} (1,000 routes), allowed origin, 3 headers`, { origin: APP_ORIGIN }, MANY_ROUTES_PATH],
]);

console.log(
  `Node ${process.version}, nest-cors's request hook on Fastify, median of ${ROUNDS} × ${N.toLocaleString('en')} calls\n`,
);
for (const [label, ns] of results) console.log(`${label.padEnd(72)} ${ns.toFixed(0).padStart(5)} ns`);
