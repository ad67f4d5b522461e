// One Nest application in its own process, started by bench/run.mjs and bench/server-costs.mjs
// (spawned with an IPC channel, through taskset when pinned).
//
// Reads its spec from BENCH_APP (JSON: adapter, app, variant, peer, lib), boots, listens on
// 127.0.0.1 (ephemeral port) and reports over IPC:
//   { type: 'ready', port, timings: { importMs, createInitMs, listenMs, startToListenMs }, memory }
// then serves until the parent sends 'stop' or goes away, answering 'cpu' with
//   { type: 'cpu', usage: process.cpuUsage() }
// and profiling between { type: 'profile-start' } (answered { type: 'profiling' }) and
// { type: 'profile-stop', file } (answered { type: 'profiled' } once the file is written).
// Run with --expose-gc so that the memory figures are taken after a full collection.
import { performance } from 'node:perf_hooks';
import { libraryUrl } from './library.mjs';

const spec = JSON.parse(process.env.BENCH_APP ?? '{}');
let app;
let stopping = false;

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(code), 3000);
  force.unref();
  try {
    if (app !== undefined) await app.close();
  } catch {
    // closing is best effort: the process exits either way
  }
  // process.exit() (not a signal) so that --cpu-prof writes its profile.
  process.exit(code);
}

process.on('message', (message) => {
  if (message === 'stop') void stop(0);
  // bench/server-costs.mjs: this process's CPU time so far, read around each batch it measures.
  if (message === 'cpu') process.send({ type: 'cpu', usage: process.cpuUsage() });
  // bench/server-costs.mjs: a CPU profile of what it measures only, written to message.file.
  if (message?.type === 'profile-start') void profiler.start().then(() => process.send({ type: 'profiling' }));
  if (message?.type === 'profile-stop') void profiler.stop(message.file).then(() => process.send({ type: 'profiled' }));
});

/** The V8 profiler of this process, driven over IPC (node --cpu-prof covers its whole life). */
const profiler = {
  session: undefined,
  async start() {
    const { Session } = await import('node:inspector/promises');
    this.session = new Session();
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: 100 });
    await this.session.post('Profiler.start');
  },
  async stop(file) {
    const { profile } = await this.session.post('Profiler.stop');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, JSON.stringify(profile));
    this.session.disconnect();
  },
};
// The parent died or closed the channel: never outlive it.
process.on('disconnect', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));

async function main() {
  const importStart = performance.now();
  const { NestFactory, APP_GUARD } = await import('@nestjs/core');
  const { ExpressAdapter } = spec.adapter === 'express' ? await import('@nestjs/platform-express') : {};
  const { FastifyAdapter } = spec.adapter === 'fastify' ? await import('@nestjs/platform-fastify') : {};
  const { rootModule, installVariantHook, usesNestCors } = await import('./apps.mjs');
  // Only nest-cors's variants load the library: its import cost is part of their bootstrap.
  // spec.lib: another build of the library (bench/server-costs.mjs's baseline), as a file URL;
  // else BENCH_LIB (see libraryUrl), else dist/lib.
  const cors = usesNestCors(spec) ? await import(spec.lib ?? libraryUrl()) : undefined;
  const { peerCorsOptions, APP_ORIGIN } = await import('./config.mjs');
  // The classes and their decorators (@Controller, @Get, @Cors…) are what a real app declares at
  // import time, so they are built before the clock starts: bootstrap is what Nest does next.
  const RootModule = rootModule(spec, cors, { APP_GUARD });
  const importMs = performance.now() - importStart;

  const createStart = performance.now();
  app = await NestFactory.create(RootModule, spec.adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(), {
    logger: false,
    abortOnError: false,
  });
  if (spec.variant === 'enableCors') app.enableCors(peerCorsOptions(spec.peer));
  if (spec.variant.startsWith('diag-') || spec.variant === 'floor') installVariantHook(spec, app, APP_ORIGIN);
  await app.init();
  const createInitMs = performance.now() - createStart;

  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();

  const listenStart = performance.now();
  await app.listen(0, '127.0.0.1');
  const listenMs = performance.now() - listenStart;
  // performance.now() counts from the process's time origin, i.e. its start.
  const startToListenMs = performance.now();
  const { port } = app.getHttpServer().address();
  process.send({
    type: 'ready',
    port,
    timings: { importMs, createInitMs, listenMs, startToListenMs },
    memory: { rss, heapUsed },
  });
}

main().catch((error) => {
  process.send?.({ type: 'error', message: String(error?.stack ?? error) });
  void stop(1);
});
