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
// The framework's code serves three or four applications here, so its inline caches see more
// shapes than in a process of its own: the absolute µs are not bench/run.mjs's, the
// differences between variants are what counts. That also blinds it to a cost that exists only
// where those caches see one shape: it missed nest-cors leaving Nest's adapter in V8's
// dictionary mode (0.1–0.3 µs a request in a process of its own, bench/ANALYSIS.md session 7),
// which bench/server-costs.mjs, one application per process, found.
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
// The client and the applications share one JavaScript thread and take turns on it. Pinned to
// one CPU (taskset), V8's and libuv's helper threads (the collector's, the compiler's) share
// that CPU too, as in a one-CPU container, so the CPU time of a batch is all of its cost.
import 'reflect-metadata';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NestFactory } from '@nestjs/core';
import * as cors from '../dist/lib/index.js';
import { corsHeadersOf, installVariantHook, rootModule } from './apps.mjs';
import { APP_ORIGIN, HOST } from './config.mjs';
import { median, quantile } from './stats.mjs';

// As bench/run.mjs runs its applications (Express reads it when an application is created).
process.env.NODE_ENV ??= 'production';
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
  if (variant === 'floor') installVariantHook(spec, app, APP_ORIGIN);
  await app.listen(0, HOST);
  const { port } = app.getHttpServer().address();
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const dispatch = ({ method, url, headers }) =>
    new Promise((settle, fail) => {
      const request = http.request({ host: HOST, port, method, path: url, headers, agent }, (response) => {
        response.resume();
        response.on('end', () => settle(response));
      });
      request.on('error', fail);
      request.end();
    });
  return { variant, app, agent, dispatch };
}

/** CPU µs per request of one batch of about `BATCH` requests, `CONNECTIONS` at a time. */
async function batch(app, scenario) {
  let sent = 0;
  const start = process.cpuUsage();
  const loop = async () => {
    for (let i = 0; i < Math.ceil(BATCH / CONNECTIONS); i++) {
      const response = await app.dispatch(scenario);
      if (response.statusCode !== 200) throw new Error(`${app.variant}: ${response.statusCode}`);
      sent++;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  const { user, system } = process.cpuUsage(start);
  return (user + system) / sent;
}


const apps = [];
for (const variant of VARIANTS) apps.push(await boot(variant));

// The answers compared: the floor and the baseline must send what nest-cors sends.
for (const [name, scenario] of Object.entries(SCENARIOS)) {
  const expected = corsHeadersOf((await apps.find((a) => a.variant === 'nest-cors').dispatch(scenario)).headers);
  for (const app of apps.filter((a) => a.variant === 'floor' || a.variant === 'baseline')) {
    const sent = corsHeadersOf((await app.dispatch(scenario)).headers);
    if (sent !== expected) throw new Error(`${name}: ${app.variant} sends ${sent}, nest-cors ${expected}`);
  }
}

console.log(`${ADAPTER}: ${BATCHES} batches of ${BATCH} requests per variant and scenario, CPU µs per request`);
for (const [name, scenario] of Object.entries(SCENARIOS)) {
  for (const app of apps) for (let i = 0; i < 5; i++) await batch(app, scenario); // warm-up
  const samples = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  // Rotation b runs every variant once, starting at a different one each time; every other
  // cycle of rotations runs backwards, so that each variant follows each of its two
  // neighbours equally often (what a batch leaves behind, garbage included, falls on the next).
  for (let b = 0; b < BATCHES; b++) {
    const backwards = Math.floor(b / apps.length) % 2 === 1;
    for (let k = 0; k < apps.length; k++) {
      const app = apps[(b + (backwards ? apps.length - 1 - k : k)) % apps.length];
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
