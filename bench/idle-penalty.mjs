// What an application pays for having idled, as every one does in bench/run.mjs while the others
// are measured: one process of the bench's `main` application, pinned like the benchmark's, is
// loaded, left idle, then measured again in short windows; with V8's defaults and then with
// `--no-memory-reducer`. Quoted in bench/ANALYSIS.md (session 5).
//
//   npm run build && node bench/idle-penalty.mjs        # IDLE_ADAPTER=fastify, IDLE_SECONDS=30
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { APP_ORIGIN, HOST } from './config.mjs';

const adapter = process.env.IDLE_ADAPTER ?? 'express';
const idleSeconds = Number(process.env.IDLE_SECONDS ?? 30);
const cpus = os.availableParallelism?.() ?? os.cpus().length;
const serverCpu = String(cpus - 1);
const child = new URL('./child.mjs', import.meta.url).pathname;

// The load generator on CPU 0, the server on the last one, as bench/run.mjs does.
const pin = cpus >= 2;
if (pin) execFileSync('taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU milliseconds (user + system) the process has used, from /proc. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * (1000 / ticksPerSecond);
}

async function measure(server, seconds) {
  const before = cpuMs(server.pid);
  const result = await autocannon({ url: `http://${HOST}:${server.port}/items`, headers: { origin: APP_ORIGIN }, connections: 10, duration: seconds, sampleInt: 100 });
  const ok = result['2xx'];
  return `${String(Math.round(ok / result.duration)).padStart(6)} req/s  ${((1000 * (cpuMs(server.pid) - before)) / ok).toFixed(1).padStart(6)} µs CPU/req`;
}

async function session(v8Args) {
  const spec = { adapter, app: 'main', variant: 'none' };
  const nodeArgs = ['--expose-gc', ...v8Args, child];
  const [command, args] = pin ? ['taskset', ['-c', serverCpu, process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const proc = spawn(command, args, {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_APP: JSON.stringify(spec), NODE_ENV: 'production' },
  });
  const [ready] = await once(proc, 'message');
  if (ready?.type !== 'ready') throw new Error(`the application did not start: ${ready?.message ?? JSON.stringify(ready)}`);
  const server = { pid: proc.pid, port: ready.port };
  console.log(`\n${adapter} none, ${v8Args.length ? v8Args.join(' ') : "V8's defaults"}`);
  await measure(server, 3);
  for (let i = 0; i < 3; i++) console.log(`  hot, 2 s:                 ${await measure(server, 2)}`);
  await sleep(idleSeconds * 1000);
  console.log(`  idle ${idleSeconds} s`);
  for (let i = 0; i < 4; i++) console.log(`  after idling, 0.5 s #${i + 1}:   ${await measure(server, 0.5)}`);
  await sleep(idleSeconds * 1000);
  console.log(`  idle ${idleSeconds} s`);
  console.log(`  after idling, 2 s:        ${await measure(server, 2)}`);
  proc.send('stop');
  await once(proc, 'exit');
}

await session([]);
await session(['--no-memory-reducer']);
