// What nest-cors's request hook costs per request on Express, measured in-process on a real
// Nest application's own request and response (the Express counterpart of hook-costs.mjs): the
// hook is called many times over within one real request, each call on a response with no
// headers yet, against the bare `res.setHeader()` calls it cannot do without. A hot loop, so a
// lower bound. Quoted in docs/performance.md.
//
//   npm run build && node bench/tools/hook-costs-express.mjs
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import * as cors from '../../dist/lib/index.js';
import { rootModule } from '../apps.mjs';
import { medianNsPerCall, S1_HEADERS } from './hot-loop.mjs';
import { APP_ORIGIN, HOST } from '../config.mjs';

const N = 200_000;
const ROUNDS = 5;
const time = (run) => medianNsPerCall(run, N, ROUNDS);
const noop = () => {};

const app = await NestFactory.create(rootModule({ app: 'main', variant: 'nest-cors' }, cors), new ExpressAdapter(), {
  logger: false,
});
const adapter = app.getHttpAdapter();
await app.init();
await app.listen(0, HOST);
const hook = adapter.onRequestHook;
const results = [];

adapter.onRequestHook = (request, response, done) => {
  // Node keeps a response's headers under this symbol (not public API); null until one is set.
  const headers = Object.getOwnPropertySymbols(response).find((s) => s.description === 'kOutHeaders');
  if (headers === undefined)
    throw new Error("this Node keeps a response's headers elsewhere: update bench/tools/hook-costs-express.mjs");
  const reset = () => {
    response[headers] = null;
  };
  const resetNs = time(reset);
  const label = request.headers['x-case'];
  results.push([label, time(() => (reset(), hook.call(adapter, request, response, noop))) - resetNs]);
  if (label.startsWith('S1:')) {
    results.push([
      '  the same four headers through res.setHeader()',
      time(() => {
        reset();
        for (const [name, value] of S1_HEADERS) response.setHeader(name, value);
      }) - resetNs,
    ]);
  }
  reset();
  done();
};

const { port } = app.getHttpServer().address();
for (const [label, headers] of [
  ['S1: GET /items from an allowed origin', { origin: APP_ORIGIN }],
  ['S2: GET /items without Origin', {}],
]) {
  const response = await fetch(`http://${HOST}:${port}/items`, { headers: { ...headers, 'x-case': label } });
  if (response.status !== 200) throw new Error(`${label}: ${response.status} ${await response.text()}`);
}
await app.close();

console.log(
  `Node ${process.version}, nest-cors's request hook on Express, median of ${ROUNDS} × ${N.toLocaleString('en')} calls\n`,
);
for (const [label, ns] of results) console.log(`${label.padEnd(50)} ${ns.toFixed(0).padStart(5)} ns`);
