// nest-cors benchmarks against the peers: `npm run bench` (builds, then runs this file).
//
// Every application runs in a child process of its own (bench/child.mjs) on 127.0.0.1; this
// process drives them with autocannon, one measurement at a time, the variants of a scenario
// interleaved (A B C, then B C A, ...) over several rounds; medians and ratios are reported.
// See BENCHMARKS.md for the scenarios, the settings below and how to read the figures.
//
// Environment:
//   BENCH_QUICK=1          a smoke run (1 round of short measurements, < 1 minute)
//   BENCH_ROUNDS=n         rounds (default 5; quick: 1)
//   BENCH_DURATION=s       seconds per measurement (default 2; quick: 0.5)
//   BENCH_WARMUP=s         seconds of discarded warm-up per measurement, whenever applications start (default 1; quick: 0.25)
//   BENCH_REWARM=s         seconds of discarded load right before every measurement (default 0.5; quick: 0.1; 0: none)
//   BENCH_MEMORY_REDUCER=1 leave V8's memory reducer on in the applications measured for throughput
//                          (default off: it shrinks the heap of an application left idle while the
//                          others are measured, and its next measurement pays for regrowing it)
//   BENCH_CONNECTIONS=n    autocannon connections (default 10)
//   BENCH_BOOTS=n          S5 bootstrap samples per adapter and variant per round (default 2; quick: 1)
//   BENCH_ONLY=S1,S3       only these scenarios (S1 S1w S2 S3 S4 S4w S5 S5boot S6 S6c; and D and D2, diagnostic
//                          run of S1 against the parts of nest-cors, never run by default)
//   BENCH_ADAPTERS=fastify only these adapters (default express,fastify)
//   BENCH_PIN=0|1          pin the children to the last CPU and this process (the load generator)
//                          to CPU 0 with taskset (default: on when taskset exists and there are ≥ 2 CPUs)
//   BENCH_PROFILE=1        children run with --cpu-prof; profiles go to bench/results/*.cpuprofile
//                          and a summary to bench/results/scratch/profile-summary.txt
//   BENCH_PROFILE_INTERVAL=µs  sampling interval of the profiler (default 250; boots: 100)
//   BENCH_FRESH=0|1        start every application afresh for each round, so that medians are
//                          over as many processes as rounds (default 1; 0, and always with
//                          BENCH_PROFILE=1: one process per application for the whole run)
//   BENCH_LIB=dir          measure the build in `dir` instead of dist/lib (bench/library.mjs)
//
// Only a complete, unprofiled, non-quick run writes bench/results/latest.json and BENCHMARKS.md;
// any other run writes bench/results/scratch/<kind>.json. `node bench/run.mjs --render` rewrites
// BENCHMARKS.md from latest.json (e.g. after editing bench/report.mjs), measuring nothing.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import {
  APP_ORIGIN,
  BIG_EXACT_COUNT,
  BIG_EXACT_ORIGIN,
  BIG_PATTERN_COUNT,
  BIG_PATTERN_ORIGIN,
  DYN_ORIGIN,
  HOST,
  MANY_ROUTES_PATH,
  SMALL_PATTERN_ORIGIN,
} from './config.mjs';
import { corsHeadersOf } from './apps.mjs';
import { formatSummary, summarizeProfile } from './profile-summary.mjs';
import {
  BOOT_COLUMNS,
  bootTableRows,
  TARGET_COLUMNS,
  targetTableRows,
  THROUGHPUT_COLUMNS,
  throughputTableRows,
  writeBenchmarks,
} from './report.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);
const RESULTS_DIR = join(BENCH_DIR, 'results');
const SCRATCH_DIR = join(RESULTS_DIR, 'scratch');
const CHILD = join(BENCH_DIR, 'child.mjs');
const env = process.env;

// ---------------------------------------------------------------------------------- settings

const QUICK = env.BENCH_QUICK === '1';
const PROFILE = env.BENCH_PROFILE === '1';
/** Sampling interval of the profiler, µs (node's default, 1000, is too coarse for µs-sized costs). */
const PROFILE_INTERVAL_US = Number(env.BENCH_PROFILE_INTERVAL ?? 250);
const num = (name, fallback, { zero = false } = {}) => {
  const value = env[name] === undefined || env[name] === '' ? fallback : Number(env[name]);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !zero))
    throw new Error(`${name} must be a positive number${zero ? ' or 0' : ''}`);
  return value;
};
const SETTINGS = {
  rounds: Math.round(num('BENCH_ROUNDS', QUICK ? 1 : 5)),
  duration: num('BENCH_DURATION', QUICK ? 0.5 : 2),
  warmup: num('BENCH_WARMUP', QUICK ? 0.25 : 1),
  rewarm: num('BENCH_REWARM', QUICK ? 0.1 : 0.5, { zero: true }),
  // V8's memory reducer shrinks the heap of a process that stopped allocating for ~8 s. Every
  // application here idles while the others are measured; then, an Express application ran
  // 10–25 % slower over its next 2 s (2–3× slower over its first 0.5 s) while its heap grew back,
  // by how much depending on how long it had idled. The figures are of requests under steady
  // load, which never meets the reducer: it is turned off (BENCH_MEMORY_REDUCER=1 keeps it).
  memoryReducer: env.BENCH_MEMORY_REDUCER === '1',
  connections: Math.round(num('BENCH_CONNECTIONS', 10)),
  bootsPerRound: Math.round(num('BENCH_BOOTS', QUICK ? 1 : 2)),
  // On by default with two CPUs or more: the server keeps one CPU and its caches to itself,
  // which halves the spread of the figures on a shared machine (BENCH_PIN=0 to turn off).
  pin: env.BENCH_PIN === undefined ? hasTaskset() : env.BENCH_PIN === '1',
  // Two processes of one application differ by a few percent for their whole life (see the
  // A/A control): with fresh processes each round, that bias varies from round to round and
  // the median over rounds absorbs it instead of carrying it into every ratio.
  freshProcesses: !PROFILE && env.BENCH_FRESH !== '0',
};
function hasTaskset() {
  if ((os.availableParallelism?.() ?? os.cpus().length) < 2) return false;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const ALL_SCENARIOS = ['S1', 'S1w', 'S2', 'S3', 'S4', 'S4w', 'S5', 'S5boot', 'S6', 'S6c'];
/** Not run by default: D splits nest-cors's S1 cost into its parts (see bench/apps.mjs). */
const OPTIONAL_SCENARIOS = ['D', 'D2'];
const ALL_ADAPTERS = ['express', 'fastify'];
const ONLY = env.BENCH_ONLY ? env.BENCH_ONLY.split(',').map((s) => s.trim()) : ALL_SCENARIOS;
const ADAPTERS = env.BENCH_ADAPTERS ? env.BENCH_ADAPTERS.split(',').map((s) => s.trim()) : ALL_ADAPTERS;
for (const s of ONLY) {
  if (!ALL_SCENARIOS.includes(s) && !OPTIONAL_SCENARIOS.includes(s)) {
    throw new Error(
      `BENCH_ONLY: unknown scenario ${s} (known: ${[...ALL_SCENARIOS, ...OPTIONAL_SCENARIOS].join(' ')})`,
    );
  }
}
for (const a of ADAPTERS) if (!ALL_ADAPTERS.includes(a)) throw new Error(`BENCH_ADAPTERS: unknown adapter ${a}`);
// S4's target compares with S1, so S4 needs S1 (the nest-cors S1 measurement at least).
// S4, S1w and S6c are compared with S1, S4w with S1w.
const SCENARIOS = [
  ...new Set([
    ...(ONLY.some((s) => ['S4', 'S4w', 'S1w', 'S6c'].includes(s)) ? ['S1'] : []),
    ...(ONLY.includes('S4w') ? ['S1w'] : []),
    ...ONLY,
  ]),
];
const COMPLETE =
  !QUICK && !PROFILE && ALL_SCENARIOS.every((s) => SCENARIOS.includes(s)) && ADAPTERS.length === ALL_ADAPTERS.length;
const RUN_KIND = PROFILE ? 'profile' : QUICK ? 'quick' : COMPLETE ? 'full' : 'partial';
const CPU_COUNT = os.availableParallelism?.() ?? os.cpus().length;
const SERVER_CPU = String(CPU_COUNT - 1);

// --------------------------------------------------------------------------------- scenarios

const PREFLIGHT_HEADERS = {
  origin: APP_ORIGIN,
  'access-control-request-method': 'PUT',
  'access-control-request-headers': 'content-type, x-request-id',
};

/** What each scenario sends, and what a correct answer looks like (checked before measuring). */
const REQUESTS = {
  S1: {
    title: 'S1 actual GET, allowed origin',
    path: '/items',
    headers: { origin: APP_ORIGIN },
    status: 200,
    allowOrigin: APP_ORIGIN,
  },
  S1w: {
    title: 'S1w S1 from an origin its wildcard pattern allows',
    path: '/items',
    headers: { origin: SMALL_PATTERN_ORIGIN },
    status: 200,
    allowOrigin: SMALL_PATTERN_ORIGIN,
  },
  S2: { title: 'S2 GET without Origin', path: '/items', headers: {}, status: 200, allowOrigin: null },
  S3: {
    title: 'S3 preflight (PUT, 2 headers)',
    method: 'OPTIONS',
    path: '/items',
    headers: PREFLIGHT_HEADERS,
    status: 204,
    allowOrigin: APP_ORIGIN,
  },
  S4: {
    title: `S4 ${BIG_EXACT_COUNT.toLocaleString('en-US')} exact + ${BIG_PATTERN_COUNT} patterns, exact hit near the end`,
    path: '/big',
    headers: { origin: BIG_EXACT_ORIGIN },
    status: 200,
    allowOrigin: BIG_EXACT_ORIGIN,
  },
  S4w: {
    title: `S4w same list, origin matched by pattern ${BIG_PATTERN_COUNT - 1} of ${BIG_PATTERN_COUNT}`,
    path: '/big',
    headers: { origin: BIG_PATTERN_ORIGIN },
    status: 200,
    allowOrigin: BIG_PATTERN_ORIGIN,
  },
  S5: {
    title: 'S5 S1 on 1,000 routes / 100 controllers',
    path: MANY_ROUTES_PATH,
    headers: { origin: APP_ORIGIN },
    status: 200,
    allowOrigin: APP_ORIGIN,
  },
  S6: {
    title: 'S6 async origin callback',
    path: '/dyn',
    headers: { origin: DYN_ORIGIN },
    status: 200,
    allowOrigin: DYN_ORIGIN,
  },
  // The same callback with originsCache: every request but the first is a kept verdict. The
  // peers have no such cache, so nest-cors alone is measured, against its own S1.
  S6c: {
    title: 'S6c S6 with originsCache: a kept verdict',
    path: '/cached',
    headers: { origin: DYN_ORIGIN },
    status: 200,
    allowOrigin: DYN_ORIGIN,
  },
  D: {
    title: 'D S1 against the parts of nest-cors (diagnostic)',
    path: '/items',
    headers: { origin: APP_ORIGIN },
    status: 200,
    allowOrigin: APP_ORIGIN,
  },
  D2: {
    title: 'D2 S2 against Vary written alone (diagnostic)',
    path: '/items',
    headers: {},
    status: 200,
    allowOrigin: null,
  },
};

/** Variants that answer without CORS headers (every other variant sends S1's allow headers). */
const WITHOUT_CORS = new Set(['none', 'none-twin', 'diag-hook-noop', 'diag-guard']);

/** The long-lived applications, by key; `spec` is what bench/child.mjs builds. */
function processSpecs(adapter) {
  return {
    none: { adapter, app: 'main', variant: 'none' },
    'enableCors-small': { adapter, app: 'main', variant: 'enableCors', peer: 'small' },
    'enableCors-big': { adapter, app: 'main', variant: 'enableCors', peer: 'big' },
    'enableCors-async': { adapter, app: 'main', variant: 'enableCors', peer: 'async' },
    'nest-cors': { adapter, app: 'main', variant: 'nest-cors' },
    'many-none': { adapter, app: 'many', variant: 'none' },
    'many-nest-cors': { adapter, app: 'many', variant: 'nest-cors' },
    // A second process of `none`: how far two processes of one application differ (A/A).
    'none-twin': { adapter, app: 'main', variant: 'none' },
    'diag-hook-noop': { adapter, app: 'main', variant: 'diag-hook-noop' },
    'diag-hook-headers': { adapter, app: 'main', variant: 'diag-hook-headers' },
    'diag-hook-reply-headers': { adapter, app: 'main', variant: 'diag-hook-reply-headers' },
    'diag-hook-reply-vary': { adapter, app: 'main', variant: 'diag-hook-reply-vary' },
    'diag-handler-reply-headers': { adapter, app: 'main', variant: 'diag-handler-reply-headers' },
    'diag-guard': { adapter, app: 'main', variant: 'diag-guard' },
    // What S1 and S2 cost at the least: nest-cors's headers written by a bare request hook.
    floor: { adapter, app: 'main', variant: 'floor' },
  };
}

/**
 * Groups of measurements interleaved together (each round rotates their order). S4, S4w, S1w
 * and S6c share S1's group because their targets compare them with nest-cors's own S1 and S1w.
 * Each item: [scenario, variant, process key].
 */
const GROUPS = [
  [
    ['S1', 'none', 'none'],
    // The A/A control: the same application as `none` in a second process, measured like the
    // others. Its ratio to `none` is what this run can resolve at all.
    ['S1', 'none-twin', 'none-twin'],
    ['S1', 'enableCors', 'enableCors-small'],
    ['S1', 'nest-cors', 'nest-cors'],
    // No target: the same headers, written by a hook that knows the answer in advance.
    ['S1', 'floor', 'floor'],
    ['S4', 'enableCors', 'enableCors-big'],
    ['S4', 'nest-cors', 'nest-cors'],
    ['S4w', 'enableCors', 'enableCors-big'],
    ['S4w', 'nest-cors', 'nest-cors'],
    ['S1w', 'nest-cors', 'nest-cors'],
    ['S6c', 'nest-cors', 'nest-cors'],
  ],
  [
    ['S2', 'none', 'none'],
    // The A/A twin serves what `none` serves, so that the two processes differ in nothing else.
    ['S2', 'none-twin', 'none-twin'],
    ['S2', 'enableCors', 'enableCors-small'],
    ['S2', 'nest-cors', 'nest-cors'],
    ['S2', 'floor', 'floor'],
  ],
  [
    ['S3', 'enableCors', 'enableCors-small'],
    ['S3', 'nest-cors', 'nest-cors'],
  ],
  [
    ['S5', 'none', 'many-none'],
    ['S5', 'nest-cors', 'many-nest-cors'],
  ],
  [
    ['S6', 'enableCors', 'enableCors-async'],
    ['S6', 'nest-cors', 'nest-cors'],
  ],
  [
    ['D', 'none', 'none'],
    ['D', 'none-twin', 'none-twin'],
    ['D', 'diag-hook-noop', 'diag-hook-noop'],
    ['D', 'diag-hook-headers', 'diag-hook-headers'],
    ['D', 'diag-hook-reply-headers', 'diag-hook-reply-headers'],
    ['D', 'diag-handler-reply-headers', 'diag-handler-reply-headers'],
    ['D', 'diag-guard', 'diag-guard'],
    ['D', 'nest-cors', 'nest-cors'],
    ['D', 'enableCors', 'enableCors-small'],
  ],
  [
    ['D2', 'none', 'none'],
    ['D2', 'none-twin', 'none-twin'],
    ['D2', 'diag-hook-noop', 'diag-hook-noop'],
    ['D2', 'diag-hook-reply-vary', 'diag-hook-reply-vary'],
    ['D2', 'nest-cors', 'nest-cors'],
  ],
];
const VARIANTS = [
  'none',
  'none-twin',
  'enableCors',
  'nest-cors',
  'floor',
  'diag-hook-noop',
  'diag-hook-headers',
  'diag-hook-reply-headers',
  'diag-hook-reply-vary',
  'diag-handler-reply-headers',
  'diag-guard',
];

// ------------------------------------------------------------------------ child processes

const children = new Set();

function killAll() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the children`);
    killAll();
    process.exit(130);
  });
}

function profileArgs(name, intervalUs) {
  if (!PROFILE) return [];
  return [
    '--cpu-prof',
    `--cpu-prof-dir=${RESULTS_DIR}`,
    `--cpu-prof-name=${name}.cpuprofile`,
    ...(intervalUs ? [`--cpu-prof-interval=${intervalUs}`] : []),
  ];
}

/**
 * Starts one application; resolves with `{ child, port, timings, memory }` once it listens.
 * `allCpus`: on every CPU of the machine rather than pinned (this process's own pinning would
 * otherwise be inherited).
 */
function startApp(label, spec, { profileName, profileIntervalUs, allCpus = false, underLoad = false } = {}) {
  const v8Args = underLoad && !SETTINGS.memoryReducer ? ['--no-memory-reducer'] : [];
  const nodeArgs = [
    '--expose-gc',
    ...v8Args,
    ...(profileName ? profileArgs(profileName, profileIntervalUs) : []),
    CHILD,
  ];
  const [command, args] = !SETTINGS.pin
    ? [process.execPath, nodeArgs]
    : ['taskset', ['-c', allCpus ? `0-${CPU_COUNT - 1}` : SERVER_CPU, process.execPath, ...nodeArgs]];
  const child = spawn(command, args, {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...env, BENCH_APP: JSON.stringify(spec), NODE_ENV: 'production' },
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label}: not listening within 60 s`));
    }, 60_000);
    child.on('message', (message) => {
      if (message?.type === 'ready') {
        clearTimeout(timer);
        resolve({ label, spec, child, port: message.port, timings: message.timings, memory: message.memory });
      } else if (message?.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`${label} failed to start:\n${message.message}`));
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${code ?? signal}) before listening`));
    });
  });
}

async function stopApp(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  try {
    child.send('stop');
  } catch {
    child.kill('SIGKILL');
  }
  // Profiles are written on exit: give them time.
  const result = await Promise.race([
    exited.then(() => 'exited'),
    sleep(PROFILE ? 30_000 : 5_000).then(() => 'timeout'),
  ]);
  if (result === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined elsewhere. */
function cpuMsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

// ------------------------------------------------------------------------------ measuring

/** One request with node:http, to check that a variant answers as the scenario expects. */
function probe(port, request) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: HOST, port, path: request.path, method: request.method ?? 'GET', headers: request.headers, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('probe timed out')));
    req.on('error', reject);
    req.end();
  });
}

async function checkAnswer(app, scenario, variant, apps) {
  const request = REQUESTS[scenario];
  const { status, headers } = await probe(app.port, request);
  if (variant === 'floor') {
    // A floor only if it sends exactly what nest-cors sends: compared with nest-cors's answer.
    const nestCors = apps.get(`${app.spec.adapter}/nest-cors`);
    const expected =
      nestCors === undefined
        ? 'no nest-cors application in this run'
        : corsHeadersOf((await probe(nestCors.port, request)).headers);
    if (expected !== corsHeadersOf(headers)) {
      throw new Error(`${scenario} on ${app.label}: the floor sends ${corsHeadersOf(headers)}, nest-cors ${expected}`);
    }
  }
  const expectedOrigin = WITHOUT_CORS.has(variant) ? null : request.allowOrigin;
  const actualOrigin = headers['access-control-allow-origin'] ?? null;
  if (status !== request.status || actualOrigin !== expectedOrigin) {
    throw new Error(
      `${scenario} on ${app.label}: expected ${request.status} with Access-Control-Allow-Origin ${expectedOrigin}, ` +
        `got ${status} with ${actualOrigin}`,
    );
  }
}

async function measure(app, scenario, duration) {
  const request = REQUESTS[scenario];
  const cpuBefore = cpuMsOf(app.child.pid);
  const result = await autocannon({
    url: `http://${HOST}:${app.port}${request.path}`,
    method: request.method ?? 'GET',
    headers: request.headers,
    connections: SETTINGS.connections,
    pipelining: 1,
    duration,
    // autocannon stops on its sampling tick: a 1 s tick would round every run up to whole seconds.
    sampleInt: 100,
    timeout: 10,
  });
  const cpuAfter = cpuMsOf(app.child.pid);
  const ok = result['2xx'];
  const cpuMs = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  return {
    rps: ok / result.duration,
    requests: ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    seconds: result.duration,
    serverCpuPct: cpuMs === undefined ? undefined : (100 * cpuMs) / 1000 / result.duration,
    cpuUsPerRequest: cpuMs === undefined || ok === 0 ? undefined : (1000 * cpuMs) / ok,
  };
}

const rotate = (list, by) => list.map((_, i) => list[(i + by) % list.length]);

// ------------------------------------------------------------------------------ statistics

function median(values) {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function summarizeSamples(samples) {
  const rps = samples.map((s) => s.rps);
  return {
    samples: samples.length,
    rpsMedian: median(rps),
    rpsMin: Math.min(...rps),
    rpsMax: Math.max(...rps),
    cpuUsPerRequestMedian: median(samples.map((s) => s.cpuUsPerRequest)),
    serverCpuPctMedian: median(samples.map((s) => s.serverCpuPct)),
    latencyP50MsMedian: median(samples.map((s) => s.latencyP50Ms)),
    latencyP99MsMedian: median(samples.map((s) => s.latencyP99Ms)),
    failures: samples.reduce((n, s) => n + s.non2xx + s.errors + s.timeouts, 0),
  };
}

// ---------------------------------------------------------------------------------- targets

/**
 * The targets of issue 4, each a ratio of medians from this run, per adapter; `paired` is the
 * same ratio round by round (both measurements taken minutes apart at most), for its spread.
 */
const TARGETS = [
  // Not a target: the A/A control, the same application in two processes. How far it strays
  // from 1.0 is how far this run can be trusted to tell two variants apart.
  {
    id: 'AA',
    title: 'A/A control: a 2nd none process on S1 (≈ 1.0× none)',
    num: ['S1', 'none-twin'],
    den: ['S1', 'none'],
    control: true,
  },
  { id: 'S1', title: 'S1 nest-cors ≥ 0.97× none', num: ['S1', 'nest-cors'], den: ['S1', 'none'], min: 0.97 },
  { id: 'S2', title: 'S2 nest-cors ≥ 0.97× none', num: ['S2', 'nest-cors'], den: ['S2', 'none'], min: 0.97 },
  {
    id: 'S3',
    title: 'S3 nest-cors ≥ 1.0× enableCors preflights',
    num: ['S3', 'nest-cors'],
    den: ['S3', 'enableCors'],
    min: 1.0,
  },
  {
    id: 'S4',
    title: 'S4 nest-cors within 3% of its own S1',
    num: ['S4', 'nest-cors'],
    den: ['S1', 'nest-cors'],
    min: 0.97,
  },
  // Flat in allow-list size for wildcard hits too: the same kind of match on 10,050 entries and
  // on 3. What a wildcard hit costs against an exact one is reported beside it, as no target.
  {
    id: 'S4w',
    title: 'S4w nest-cors within 3% of its own S1w',
    num: ['S4w', 'nest-cors'],
    den: ['S1w', 'nest-cors'],
    min: 0.97,
  },
  {
    id: 'S1w',
    title: 'S1w nest-cors vs its own S1: a wildcard hit against an exact one',
    num: ['S1w', 'nest-cors'],
    den: ['S1', 'nest-cors'],
    info: true,
  },
  // Issue 18: a cached callback verdict should cost what an exact hit does. Too small for this
  // run to resolve (see the A/A control); bench/server-costs.mjs measures it with an interval.
  {
    id: 'S6c',
    title: 'S6c nest-cors vs its own S1: a cached callback verdict against an exact hit',
    num: ['S6c', 'nest-cors'],
    den: ['S1', 'nest-cors'],
    info: true,
  },
  // No targets: the floor (a bare hook writing nest-cors's headers, knowing the answer) against
  // none is what the headers alone cost, which no CORS layer can avoid; nest-cors against the
  // floor is what nest-cors's own work costs on top.
  {
    id: 'S1floor',
    title: "S1 floor: nest-cors's headers from a bare hook vs none",
    num: ['S1', 'floor'],
    den: ['S1', 'none'],
    info: true,
  },
  {
    id: 'S1overFloor',
    title: 'S1 nest-cors vs the floor: its own work',
    num: ['S1', 'nest-cors'],
    den: ['S1', 'floor'],
    info: true,
  },
  {
    id: 'S2floor',
    title: 'S2 floor: `Vary` from a bare hook vs none',
    num: ['S2', 'floor'],
    den: ['S2', 'none'],
    info: true,
  },
  {
    id: 'S2overFloor',
    title: 'S2 nest-cors vs the floor: its own work',
    num: ['S2', 'nest-cors'],
    den: ['S2', 'floor'],
    info: true,
  },
  {
    id: 'S5',
    title: 'S5 S1 on 1,000 routes: nest-cors ≥ 0.97× none',
    num: ['S5', 'nest-cors'],
    den: ['S5', 'none'],
    min: 0.97,
  },
];
const BOOT_TARGET_MS = 50;

function evaluateTargets(samples, summary, boot) {
  const rows = [];
  for (const adapter of ADAPTERS) {
    for (const target of TARGETS) {
      const n = summary[`${target.num[0]}/${adapter}/${target.num[1]}`];
      const d = summary[`${target.den[0]}/${adapter}/${target.den[1]}`];
      if (n === undefined || d === undefined) continue;
      const paired = [];
      for (let round = 1; round <= SETTINGS.rounds; round++) {
        const a = samples.find(
          (s) =>
            s.round === round && s.adapter === adapter && s.scenario === target.num[0] && s.variant === target.num[1],
        );
        const b = samples.find(
          (s) =>
            s.round === round && s.adapter === adapter && s.scenario === target.den[0] && s.variant === target.den[1],
        );
        if (a && b) paired.push(a.rps / b.rps);
      }
      const ratio = n.rpsMedian / d.rpsMedian;
      rows.push({
        id: target.id,
        adapter,
        title: target.title,
        ratio,
        pairedMedian: median(paired),
        pairedMin: paired.length ? Math.min(...paired) : undefined,
        pairedMax: paired.length ? Math.max(...paired) : undefined,
        goal: target.control ? '≈ 1.00' : target.info ? 'none' : `≥ ${target.min.toFixed(2)}`,
        met: target.control || target.info ? undefined : ratio >= target.min,
        // CPU per request is immune to time slicing by other processes: the overhead in
        // microseconds, and the throughput ratio it implies for a server bound by its CPU.
        cpuUsDelta:
          n.cpuUsPerRequestMedian !== undefined && d.cpuUsPerRequestMedian !== undefined
            ? n.cpuUsPerRequestMedian - d.cpuUsPerRequestMedian
            : undefined,
        cpuRatio:
          n.cpuUsPerRequestMedian && d.cpuUsPerRequestMedian
            ? d.cpuUsPerRequestMedian / n.cpuUsPerRequestMedian
            : undefined,
      });
    }
    // "S1 unchanged" on 1,000 routes: nest-cors's relative cost there, against its cost on the
    // 4-route application (does the number of routes and policies matter?).
    const s5 = rows.find((r) => r.id === 'S5' && r.adapter === adapter);
    const s1 = rows.find((r) => r.id === 'S1' && r.adapter === adapter);
    if (s5 && s1) {
      rows.push({
        id: 'S5vsS1',
        adapter,
        title: 'S5 nest-cors/none ≥ 0.97× the S1 ratio',
        ratio: s5.ratio / s1.ratio,
        goal: '≥ 0.97',
        met: s5.ratio / s1.ratio >= 0.97,
        cpuRatio: s5.cpuRatio && s1.cpuRatio ? s5.cpuRatio / s1.cpuRatio : undefined,
      });
    }
    for (const [id, summary, where] of [
      ['S5boot', boot.summary, SETTINGS.pin ? '; 1 CPU, pinned' : ''],
      ['S5boot-all-cpus', boot.summaryAllCpus ?? {}, `; all ${CPU_COUNT} CPUs`],
    ]) {
      const b = summary[adapter];
      if (!b?.['nest-cors'] || !b?.none) continue;
      const overhead = b['nest-cors'].bootMsMedian - b.none.bootMsMedian;
      rows.push({
        id,
        adapter,
        title: `S5 bootstrap overhead ≤ ${BOOT_TARGET_MS} ms (create+init+listen${where})`,
        valueMs: overhead,
        goal: `≤ ${BOOT_TARGET_MS} ms`,
        met: overhead <= BOOT_TARGET_MS,
      });
    }
  }
  return rows;
}

// --------------------------------------------------------------------------------- printing

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function throughputRows(summary) {
  const rows = [];
  for (const scenario of Object.keys(REQUESTS)) {
    for (const adapter of ADAPTERS) {
      const base = summary[`${scenario}/${adapter}/none`] ?? summary[`${scenario}/${adapter}/enableCors`];
      for (const variant of VARIANTS) {
        const s = summary[`${scenario}/${adapter}/${variant}`];
        if (s === undefined) continue;
        rows.push({ scenario, adapter, variant, ...s, vsBase: base ? s.rpsMedian / base.rpsMedian : undefined });
      }
    }
  }
  return rows;
}

function printResults(results) {
  const rows = throughputRows(results.summary);
  console.log('\nThroughput (median over rounds; ratio vs the first variant listed for the scenario)\n');
  console.log(table(THROUGHPUT_COLUMNS, throughputTableRows(rows)));
  const bootRows = bootTableRows(results, 'Δ nest-cors');
  if (bootRows.length) {
    console.log('\nS5 bootstrap, 1,000 routes / 100 controllers (medians, ms; fresh process per sample)\n');
    console.log(table(BOOT_COLUMNS, bootRows));
  }
  console.log('\nTargets\n');
  console.log(table(TARGET_COLUMNS, targetTableRows(results.targets, 'NO')));
}

// ------------------------------------------------------------------------------------ main

function machineInfo() {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.split(':')[1].trim();
  } catch {
    // not Linux
  }
  let nproc = CPU_COUNT;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    // no coreutils
  }
  const version = (name) => {
    try {
      return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      return undefined;
    }
  };
  return {
    nproc,
    cpuModel,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    packages: Object.fromEntries(
      [
        '@nestjs/core',
        '@nestjs/platform-express',
        '@nestjs/platform-fastify',
        'express',
        'fastify',
        'cors',
        '@fastify/cors',
        'autocannon',
        'find-my-way',
      ].map((n) => [n, version(n)]),
    ),
  };
}

async function bootSample(adapter, variant, index, allCpus) {
  const label = `${adapter}/many-${variant} boot #${index}`;
  const app = await startApp(
    label,
    { adapter, app: 'many', variant },
    { profileName: `boot-${adapter}-${variant}-${index}`, profileIntervalUs: 100, allCpus },
  );
  try {
    const { importMs, createInitMs, listenMs, startToListenMs } = app.timings;
    return {
      adapter,
      variant,
      allCpus,
      importMs,
      createInitMs,
      listenMs,
      bootMs: createInitMs + listenMs,
      startToListenMs,
      rss: app.memory.rss,
      heapUsed: app.memory.heapUsed,
    };
  } finally {
    await stopApp(app.child);
  }
}

/** Medians by adapter and variant, of the pinned samples, or of those on all CPUs. */
function summarizeBoot(bootSamples, allCpus = false) {
  const summary = {};
  for (const adapter of ADAPTERS) {
    for (const variant of ['none', 'nest-cors']) {
      const list = bootSamples.filter(
        (b) => b.adapter === adapter && b.variant === variant && (b.allCpus === true) === allCpus,
      );
      if (list.length === 0) continue;
      (summary[adapter] ??= {})[variant] = {
        samples: list.length,
        bootMsMedian: median(list.map((b) => b.bootMs)),
        createInitMsMedian: median(list.map((b) => b.createInitMs)),
        importMsMedian: median(list.map((b) => b.importMs)),
        startToListenMsMedian: median(list.map((b) => b.startToListenMs)),
        rssMbMedian: median(list.map((b) => b.rss / 2 ** 20)),
        heapUsedMbMedian: median(list.map((b) => b.heapUsed / 2 ** 20)),
      };
    }
  }
  return summary;
}

async function main() {
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  // Before pinning this process, which would make `nproc` report one CPU.
  const machine = machineInfo();
  console.log(
    `nest-cors bench (${RUN_KIND}): ${SETTINGS.rounds} round(s) × ${SETTINGS.duration} s per measurement, ` +
      `${SETTINGS.connections} connections, scenarios ${SCENARIOS.join(' ')}, adapters ${ADAPTERS.join(' ')}` +
      (SETTINGS.pin ? `, servers pinned to CPU ${SERVER_CPU}` : ''),
  );
  console.log(
    `load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} on ${CPU_COUNT} CPUs${loadBefore[0] > 0.5 ? ' — the machine is busy: expect noise' : ''}`,
  );
  if (!existsSync(join(ROOT, 'dist', 'lib', 'index.js')))
    throw new Error('dist/lib/index.js is missing: run `npm run build` first');
  mkdirSync(SCRATCH_DIR, { recursive: true });
  if (PROFILE) {
    for (const f of readdirSync(RESULTS_DIR)) if (f.endsWith('.cpuprofile')) unlinkSync(join(RESULTS_DIR, f));
  }
  if (SETTINGS.pin) {
    try {
      execFileSync('taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });
    } catch {
      console.warn('taskset failed: not pinning');
      SETTINGS.pin = false;
    }
  }

  // Which measurements this run makes, and which applications they need.
  const groups = [];
  for (const group of GROUPS) {
    for (const adapter of ADAPTERS) {
      const items = group
        .filter(([scenario]) => SCENARIOS.includes(scenario))
        .map(([scenario, variant, proc]) => ({ scenario, variant, adapter, proc: `${adapter}/${proc}` }));
      if (items.length) groups.push(items);
    }
  }
  const neededProcs = new Set(groups.flat().map((m) => m.proc));
  const apps = new Map();
  const samples = [];
  const bootSamples = [];

  /** Starts every application this run needs, two at a time, checks its answers and warms it up. */
  const startApps = async (announce) => {
    // Two at a time (their bootstrap figures are not used: S5boot has its own fresh processes).
    const pending = [];
    for (const adapter of ADAPTERS) {
      for (const [key, spec] of Object.entries(processSpecs(adapter))) {
        const label = `${adapter}/${key}`;
        if (neededProcs.has(label)) pending.push({ label, spec, profileName: `${adapter}-${key}` });
      }
    }
    const startPhase = Date.now();
    await Promise.all(
      Array.from({ length: Math.min(2, pending.length) }, async () => {
        for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
          apps.set(
            next.label,
            await startApp(next.label, next.spec, {
              profileName: next.profileName,
              profileIntervalUs: PROFILE_INTERVAL_US,
              underLoad: true,
            }),
          );
        }
      }),
    );
    if (announce)
      console.log(
        `${apps.size} applications listening after ${((Date.now() - startPhase) / 1000).toFixed(1)} s; checking their answers`,
      );
    for (const m of groups.flat()) await checkAnswer(apps.get(m.proc), m.scenario, m.variant, apps);

    if (groups.length) {
      const warmStart = Date.now();
      if (announce) process.stdout.write('warming up');
      for (const group of groups) {
        for (const m of group) {
          await measure(apps.get(m.proc), m.scenario, SETTINGS.warmup);
          if (announce) process.stdout.write('.');
        }
      }
      if (announce) process.stdout.write(` ${((Date.now() - warmStart) / 1000).toFixed(1)} s\n`);
    }
  };
  const stopApps = async () => {
    await Promise.all([...apps.values()].map((app) => stopApp(app.child)));
    apps.clear();
  };

  try {
    if (!SETTINGS.freshProcesses) await startApps(true);
    for (let round = 1; round <= SETTINGS.rounds; round++) {
      const roundStart = Date.now();
      if (SETTINGS.freshProcesses) await startApps(round === 1);
      for (const group of groups) {
        for (const m of rotate(group, round - 1)) {
          // Each application idled while the others were measured: load it again first.
          if (SETTINGS.rewarm > 0) await measure(apps.get(m.proc), m.scenario, SETTINGS.rewarm);
          const sample = await measure(apps.get(m.proc), m.scenario, SETTINGS.duration);
          samples.push({ round, scenario: m.scenario, adapter: m.adapter, variant: m.variant, ...sample });
        }
      }
      // Fresh processes go before the bootstrap samples, which then have the machine to themselves.
      if (SETTINGS.freshProcesses) await stopApps();
      if (SCENARIOS.includes('S5boot')) {
        for (let i = 0; i < SETTINGS.bootsPerRound; i++) {
          for (const adapter of ADAPTERS) {
            const order = (round + i) % 2 === 0 ? ['none', 'nest-cors'] : ['nest-cors', 'none'];
            for (const variant of order)
              bootSamples.push({ round, ...(await bootSample(adapter, variant, bootSamples.length, false)) });
            // The same on all CPUs, where the JIT compiles beside the bootstrap, not in its time.
            if (SETTINGS.pin)
              for (const variant of order)
                bootSamples.push({ round, ...(await bootSample(adapter, variant, bootSamples.length, true)) });
          }
        }
      }
      console.log(
        `round ${round}/${SETTINGS.rounds} done in ${((Date.now() - roundStart) / 1000).toFixed(0)} s (load ${os.loadavg()[0].toFixed(2)})`,
      );
    }
  } finally {
    await stopApps();
    killAll();
  }

  const summary = {};
  for (const key of new Set(samples.map((s) => `${s.scenario}/${s.adapter}/${s.variant}`))) {
    summary[key] = summarizeSamples(samples.filter((s) => `${s.scenario}/${s.adapter}/${s.variant}` === key));
  }
  const boot = {
    samples: bootSamples,
    summary: summarizeBoot(bootSamples),
    summaryAllCpus: summarizeBoot(bootSamples, true),
  };
  const finishedAt = new Date();
  const results = {
    kind: RUN_KIND,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    wallSeconds: (finishedAt - startedAt) / 1000,
    machine,
    loadAverage: { before: loadBefore, after: os.loadavg() },
    settings: { ...SETTINGS, scenarios: SCENARIOS, adapters: ADAPTERS },
    requests: Object.fromEntries(Object.entries(REQUESTS).filter(([id]) => SCENARIOS.includes(id))),
    summary,
    targets: evaluateTargets(samples, summary, boot),
    boot,
    samples,
  };
  printResults(results);
  const failures = samples.reduce((n, s) => n + s.non2xx + s.errors + s.timeouts, 0);
  if (failures > 0)
    console.warn(`\nWARNING: ${failures} failed requests (non-2xx, errors or timeouts): see the 'fail' column`);

  if (PROFILE) {
    const profiles = readdirSync(RESULTS_DIR)
      .filter((f) => f.endsWith('.cpuprofile'))
      .sort();
    const text = profiles.map((f) => formatSummary(f, summarizeProfile(join(RESULTS_DIR, f)))).join('\n\n');
    writeFileSync(join(SCRATCH_DIR, 'profile-summary.txt'), `${text}\n`);
    console.log(
      `\n${profiles.length} profiles in ${relative(ROOT, RESULTS_DIR)}/; summary in ${relative(ROOT, join(SCRATCH_DIR, 'profile-summary.txt'))}`,
    );
  }

  if (COMPLETE) {
    writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeBenchmarks(results, { throughputRows: throughputRows(summary) });
    console.log(
      `\nwrote ${relative(ROOT, join(RESULTS_DIR, 'latest.json'))} and BENCHMARKS.md (${results.wallSeconds.toFixed(0)} s)`,
    );
  } else {
    const file = join(SCRATCH_DIR, `${RUN_KIND}.json`);
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(
      `\nwrote ${relative(ROOT, file)} (${RUN_KIND} run: latest.json and BENCHMARKS.md untouched) in ${results.wallSeconds.toFixed(0)} s`,
    );
  }
}

/** `node bench/run.mjs --render`: rewrites BENCHMARKS.md from bench/results/latest.json (after editing bench/report.mjs). */
function renderOnly() {
  const results = JSON.parse(readFileSync(join(RESULTS_DIR, 'latest.json'), 'utf8'));
  writeBenchmarks(results, { throughputRows: throughputRows(results.summary) });
  console.log(`BENCHMARKS.md rendered from the run of ${results.startedAt}`);
}

(process.argv.includes('--render') ? Promise.resolve().then(renderOnly) : main()).then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    killAll();
    process.exit(1);
  },
);
