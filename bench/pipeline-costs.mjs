// What nest-cors costs per request through the whole request pipeline (the socket, Fastify or
// Express, Nest's router, the handler, the response's serialization, headers included),
// measured as CPU time inside one process: the applications (no CORS, the floor of
// bench/apps.mjs, nest-cors) and their HTTP client share it, so no scheduler moves work between
// a load generator and a server, which is most of the noise that hides differences under a
// microsecond in bench/run.mjs. The variants are driven by turns, in short batches whose order
// rotates, so that each batch runs under the same conditions as its neighbours; the figures are
// medians over batches and over the differences between neighbouring batches. Unlike the hot
// loop of bench/hook-costs.mjs, every request runs all of the framework's code, as under load,
// so the code and data the hook touches compete with the framework's for the CPU's caches.
//
// The client's share is the same for every variant, but for parsing the extra response
// headers: *nest-cors − floor* is nest-cors's own work alone, *floor − none* what sending the
// headers costs both ends. (light-my-request, which would spare the sockets, keeps about 9.5 KB
// per request alive in the versions installed here, with or without Nest: the collector's
// growing work would swamp the differences.) Quoted in bench/ANALYSIS.md.
//
//   npm run build && taskset -c 1 node bench/pipeline-costs.mjs [fastify|express] [batches=200]
//
// To weigh a change to lib/: PIPELINE_BASELINE=<dir> adds a variant `baseline` running the
// build of lib/ in <dir> (the `dist/lib` of another commit, copied anywhere inside this
// checkout so that it finds these node_modules) and reports *nest-cors − baseline*.
//
// Pinned to one CPU (taskset) on a machine with more than one, the client and the server take
// turns on it as they do on a one-CPU container, and other processes' work stays off it.
import 'reflect-metadata';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NestFactory } from '@nestjs/core';
import * as cors from '../dist/lib/index.js';
import { installDiagnosticHook, rootModule } from './apps.mjs';
import { APP_ORIGIN, HOST } from './config.mjs';

const ADAPTER = process.argv[2] ?? 'fastify';
const BATCHES = Number(process.argv[3] ?? 200);
/** Requests per batch: long enough to dwarf the clock's cost, short enough to interleave finely. */
const BATCH = ADAPTER === 'fastify' ? 1000 : 300;
/** Requests in flight per application, as connections of a load generator would keep them. */
const CONNECTIONS = 4;
const BASELINE = process.env.PIPELINE_BASELINE;
const VARIANTS = ['none', 'floor', 'nest-cors', ...(BASELINE ? ['baseline'] : [])];
const SCENARIOS = {
  S1: { method: 'GET', url: '/items', headers: { origin: APP_ORIGIN } },
  S2: { method: 'GET', url: '/items', headers: {} },
};

async function boot(variant) {
  const { FastifyAdapter } = ADAPTER === 'fastify' ? await import('@nestjs/platform-fastify') : {};
  const { ExpressAdapter } = ADAPTER === 'express' ? await import('@nestjs/platform-express') : {};
  const spec = { adapter: ADAPTER, app: 'main', variant };
  const app = await NestFactory.create(
    variant === 'baseline'
      ? rootModule({ ...spec, variant: 'nest-cors' }, await import(pathToFileURL(join(resolve(BASELINE), 'index.js')).href))
      : rootModule(spec, variant === 'nest-cors' ? cors : undefined),
    ADAPTER === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
    { logger: false },
  );
  if (variant === 'floor') installDiagnosticHook(spec, app, APP_ORIGIN);
  await app.listen(0, HOST);
  const { port } = app.getHttpServer().address();
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const dispatch = ({ method, url, headers }) =>
    new Promise((resolve, reject) => {
      const request = http.request({ host: HOST, port, method, path: url, headers, agent }, (response) => {
        response.resume();
        response.on('end', () => resolve(response));
      });
      request.on('error', reject);
      request.end();
    });
  return { variant, app, agent, dispatch };
}

/** CPU µs per request of one batch, `CONNECTIONS` requests at a time. */
async function batch(app, scenario) {
  const start = process.cpuUsage();
  const loop = async () => {
    for (let i = 0; i < BATCH / CONNECTIONS; i++) {
      const response = await app.dispatch(scenario);
      if (response.statusCode !== 200) throw new Error(`${app.variant}: ${response.statusCode}`);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  const { user, system } = process.cpuUsage(start);
  return (user + system) / BATCH;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];

const apps = [];
for (const variant of VARIANTS) apps.push(await boot(variant));

// The answers compared: the floor must send what nest-cors sends.
for (const [name, scenario] of Object.entries(SCENARIOS)) {
  const [floor, nestCors] = await Promise.all(['floor', 'nest-cors'].map((v) => apps.find((a) => a.variant === v).dispatch(scenario)));
  for (const header of ['vary', 'access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers']) {
    if (floor.headers[header] !== nestCors.headers[header]) throw new Error(`${name}: ${header} is ${floor.headers[header]} from the floor, ${nestCors.headers[header]} from nest-cors`);
  }
}

console.log(`${ADAPTER}: ${BATCHES} batches of ${BATCH} requests per variant and scenario, CPU µs per request`);
for (const [name, scenario] of Object.entries(SCENARIOS)) {
  for (const app of apps) for (let i = 0; i < 5; i++) await batch(app, scenario); // warm-up
  const samples = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  for (let b = 0; b < BATCHES; b++) {
    for (let k = 0; k < apps.length; k++) {
      const app = apps[(b + k) % apps.length];
      samples[app.variant].push(await batch(app, scenario));
    }
  }
  console.log(`\n${name} ${JSON.stringify(scenario.headers)}`);
  for (const v of VARIANTS) console.log(`  ${v.padEnd(10)} ${median(samples[v]).toFixed(2)} µs`);
  for (const [a, b] of [['floor', 'none'], ['nest-cors', 'none'], ['nest-cors', 'floor'], ...(BASELINE ? [['nest-cors', 'baseline']] : [])]) {
    // Batch b of each variant ran within one rotation of the other's: paired differences.
    const diffs = samples[a].map((x, i) => x - samples[b][i]);
    console.log(
      `  ${`${a} − ${b}`.padEnd(18)} median ${median(diffs).toFixed(3)} µs, middle half ${quantile(diffs, 0.25).toFixed(3)} to ${quantile(diffs, 0.75).toFixed(3)}`,
    );
  }
}
for (const app of apps) {
  app.agent.destroy();
  await app.app.close();
}
