// What nest-cors's request hook costs per request on Fastify, measured in-process on a real
// Nest application's own request and reply objects (no sockets, no load generator): the hook is
// called many times over within one real request, against the bare header writes it cannot do
// without. Steady to a few tens of nanoseconds between invocations, where the throughput runs
// of bench/run.mjs cannot tell a microsecond on this machine; a hot loop, so a lower bound.
// Quoted in docs/performance.md.
//
// Every case's request is held in the hook until all of them are there; then the cases are timed
// interleaved, round after round (bench/tools/hot-loop.mjs), and reported as the median over
// rounds with its 95 % interval. Pairs named in COMPARISONS are also reported round by round: the
// difference of two cases timed within milliseconds of each other, which a shared machine
// disturbs far less than it does either figure.
//
// S6c (an async origin callback with originsCache) is timed on a kept verdict, answered
// synchronously: a request for its origin goes first, unmeasured, to fill the cache. The uncached
// callback (S6) is not timed here: its hook returns a promise and a timer per call, whose work
// happens outside the loop (bench/server-costs.mjs weighs it with SERVER_SCENARIOS=S1,S6).
//
//   npm run build && node bench/tools/hook-costs.mjs [rounds=21]
//   BENCH_LIB=<dir> node bench/tools/hook-costs.mjs   (another build: bench/library.mjs)
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { rootModule } from '../apps.mjs';
import { libraryUrl } from '../library.mjs';
import { interleavedNsPerCall, nsWithInterval, pairedDifference, S1_HEADERS } from './hot-loop.mjs';
import { APP_ORIGIN, BIG_PATTERN_ORIGIN, DYN_ORIGIN, MANY_ROUTES_PATH, SMALL_PATTERN_ORIGIN } from '../config.mjs';

/** dist/lib, or the build BENCH_LIB names (bench/library.mjs). */
const cors = await import(libraryUrl());
const N = 100_000;
const ROUNDS = Number(process.argv[2] ?? 21);
const noop = () => {};
const BARE = '  the same four headers written bare through the reply';
/** Differences reported round by round: [minuend, subtrahend]. */
const COMPARISONS = [
  ['S6c', 'S1'],
  ['S1', BARE],
];

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
 * ([label, request headers, url, { prime }]), each inside one real request, after an unmeasured
 * request of the same headers and url if `prime` (a cache to fill): the hook reads the request,
 * writes the reply's headers and calls `done`. Every call starts from a fresh, empty header
 * object, as Fastify gives each request (headers left by the previous call would send the hook
 * down its merging path, and deleting them would slow the object down); what that costs is
 * timed alone and subtracted. Figures from a hot loop: a lower bound of what a request under
 * load pays.
 */
async function measureHook(appName, cases) {
  const app = await NestFactory.create(rootModule({ app: appName, variant: 'nest-cors' }, cors), new FastifyAdapter(), {
    logger: false,
  });
  const adapter = app.getHttpAdapter();
  await app.init();
  const hook = adapter.onRequestHook;
  /** By label: what to time, inside a request held until every case is there. */
  const runs = new Map();
  const held = [];
  let captured;
  adapter.onRequestHook = (request, reply, done) => {
    const label = request.headers['x-case'];
    // A priming request: served as any other.
    if (label === undefined) return hook.call(adapter, request, reply, done);
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
    // A primed case is timed on its kept answer: the hook must have decided on the spot, not
    // returned a promise whose work the loop would not see.
    if (
      request.headers['x-prime'] !== undefined &&
      reply[headers]['access-control-allow-origin'] !== request.headers.origin
    )
      throw new Error(`${label}: not answered synchronously from the cache`);
    runs.set(label, { run: () => (reset(), hook.call(adapter, request, reply, noop)), reset });
    if (label.startsWith('S1:')) {
      runs.set(BARE, {
        run: () => {
          reset();
          for (const [name, value] of S1_HEADERS) reply.header(name, value);
        },
        reset,
      });
    }
    held.push(() => (reset(), done()));
    captured();
  };
  const responses = [];
  for (const [label, headers, url, { prime = false } = {}] of cases) {
    if (prime) {
      const first = await adapter.getInstance().inject({ method: 'GET', url, headers });
      if (first.statusCode !== 200) throw new Error(`${label}, priming: ${first.statusCode} ${first.body}`);
    }
    const arrived = new Promise((resolve) => (captured = resolve));
    const response = adapter
      .getInstance()
      .inject({ method: 'GET', url, headers: { ...headers, 'x-case': label, ...(prime ? { 'x-prime': '1' } : {}) } });
    // Fails fast if the hook threw (the request then ends without reaching `captured`).
    await Promise.race([
      arrived,
      response.then((r) => Promise.reject(new Error(`${label}: ${r.statusCode} ${r.body}`))),
    ]);
    responses.push([label, response]);
  }
  const ns = interleavedNsPerCall(runs, N, ROUNDS);
  for (const release of held) release();
  for (const [label, response] of responses) {
    const { statusCode, body } = await response;
    if (statusCode !== 200) throw new Error(`${label}: ${statusCode} ${body}`);
  }
  await app.close();
  results.push(...ns);
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
  ['S6c: GET /cached, async callback, verdict kept (originsCache)', { origin: DYN_ORIGIN }, '/cached', { prime: true }],
  ['a refused origin', { origin: 'https://evil.example.org' }, '/items'],
]);
await measureHook('many', [
  [`S5: GET ${MANY_ROUTES_PATH} (1,000 routes), allowed origin, 3 headers`, { origin: APP_ORIGIN }, MANY_ROUTES_PATH],
]);

console.log(
  `Node ${process.version}, nest-cors's request hook on Fastify, ${ROUNDS} interleaved rounds of ` +
    `${N.toLocaleString('en')} calls per case: median over rounds\n`,
);
for (const [label, values] of results) console.log(`${label.padEnd(72)} ${nsWithInterval(values)}`);
const byPrefix = (prefix) => results.find(([label]) => label === prefix || label.startsWith(`${prefix}:`))[1];
console.log('\nround by round (paired):');
for (const [a, b] of COMPARISONS)
  console.log(`${`${a} − ${b.trim()}`.padEnd(72)} ${nsWithInterval(pairedDifference(byPrefix(a), byPrefix(b)))}`);
