// What nest-cors's request hook costs per request on Express, measured in-process on a real
// Nest application's own request and response (the Express counterpart of hook-costs.mjs): the
// hook is called many times over within one real request, each call on a response with no
// headers yet, against the bare `res.setHeader()` calls it cannot do without. A hot loop, so a
// lower bound. Quoted in docs/performance.md.
//
// As in hook-costs.mjs, every case's request is held in the hook until all of them are there,
// the cases are timed interleaved round after round, and S6c − S1 is also reported round by
// round. S6c (an async origin callback with originsCache) is timed on a kept verdict: a request
// for its origin goes first, unmeasured, to fill the cache (see hook-costs.mjs for why S6 is not
// here).
//
//   npm run build && node bench/tools/hook-costs-express.mjs [rounds=21]
//   BENCH_LIB=<dir> node bench/tools/hook-costs-express.mjs   (another build: bench/library.mjs)
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { rootModule } from '../apps.mjs';
import { libraryUrl } from '../library.mjs';
import { interleavedNsPerCall, nsWithInterval, pairedDifference, S1_HEADERS } from './hot-loop.mjs';
import { APP_ORIGIN, DYN_ORIGIN, HOST } from '../config.mjs';

/** dist/lib, or the build BENCH_LIB names (bench/library.mjs). */
const cors = await import(libraryUrl());
const N = 100_000;
const ROUNDS = Number(process.argv[2] ?? 21);
const noop = () => {};
const BARE = '  the same four headers through res.setHeader()';
/** Differences reported round by round: [minuend, subtrahend]. */
const COMPARISONS = [
  ['S6c', 'S1'],
  ['S1', BARE],
];

const app = await NestFactory.create(rootModule({ app: 'main', variant: 'nest-cors' }, cors), new ExpressAdapter(), {
  logger: false,
});
const adapter = app.getHttpAdapter();
await app.init();
await app.listen(0, HOST);
const hook = adapter.onRequestHook;
/** By label: what to time, inside a request held until every case is there. */
const runs = new Map();
const held = [];
let captured;

adapter.onRequestHook = (request, response, done) => {
  const label = request.headers['x-case'];
  // A priming request: served as any other.
  if (label === undefined) return hook.call(adapter, request, response, done);
  // Node keeps a response's headers under this symbol (not public API); null until one is set.
  const headers = Object.getOwnPropertySymbols(response).find((s) => s.description === 'kOutHeaders');
  if (headers === undefined)
    throw new Error("this Node keeps a response's headers elsewhere: update bench/tools/hook-costs-express.mjs");
  const reset = () => {
    response[headers] = null;
  };
  reset();
  hook.call(adapter, request, response, noop);
  // A primed case is timed on its kept answer: the hook must have decided on the spot, not
  // returned a promise whose work the loop would not see.
  if (
    request.headers['x-prime'] !== undefined &&
    response.getHeader('access-control-allow-origin') !== request.headers.origin
  )
    throw new Error(`${label}: not answered synchronously from the cache`);
  runs.set(label, { run: () => (reset(), hook.call(adapter, request, response, noop)), reset });
  if (label.startsWith('S1:')) {
    runs.set(BARE, {
      run: () => {
        reset();
        for (const [name, value] of S1_HEADERS) response.setHeader(name, value);
      },
      reset,
    });
  }
  held.push(() => (reset(), done()));
  captured();
};

const { port } = app.getHttpServer().address();
const responses = [];
for (const [label, headers, path = '/items', { prime = false } = {}] of [
  ['S1: GET /items from an allowed origin', { origin: APP_ORIGIN }],
  ['S2: GET /items without Origin', {}],
  ['S6c: GET /cached, verdict kept (originsCache)', { origin: DYN_ORIGIN }, '/cached', { prime: true }],
]) {
  if (prime) {
    const first = await fetch(`http://${HOST}:${port}${path}`, { headers });
    if (first.status !== 200) throw new Error(`${label}, priming: ${first.status} ${await first.text()}`);
  }
  const arrived = new Promise((resolve) => (captured = resolve));
  const response = fetch(`http://${HOST}:${port}${path}`, {
    headers: { ...headers, 'x-case': label, ...(prime ? { 'x-prime': '1' } : {}) },
  });
  // Fails fast if the hook threw (the request then ends without reaching `captured`).
  await Promise.race([
    arrived,
    response.then(async (r) => Promise.reject(new Error(`${label}: ${r.status} ${await r.text()}`))),
  ]);
  responses.push([label, response]);
}
const results = interleavedNsPerCall(runs, N, ROUNDS);
for (const release of held) release();
for (const [label, response] of responses) {
  const r = await response;
  if (r.status !== 200) throw new Error(`${label}: ${r.status} ${await r.text()}`);
}
await app.close();

console.log(
  `Node ${process.version}, nest-cors's request hook on Express, ${ROUNDS} interleaved rounds of ` +
    `${N.toLocaleString('en')} calls per case: median over rounds\n`,
);
for (const [label, values] of results) console.log(`${label.padEnd(52)} ${nsWithInterval(values)}`);
const byPrefix = (prefix) => [...results].find(([label]) => label === prefix || label.startsWith(`${prefix}:`))[1];
console.log('\nround by round (paired):');
for (const [a, b] of COMPARISONS)
  console.log(`${`${a} − ${b.trim()}`.padEnd(52)} ${nsWithInterval(pairedDifference(byPrefix(a), byPrefix(b)))}`);
