// The S1 and S2 targets, and S6c against S1, as the server's CPU sees them: CPU time per request
// of `none`, a second `none` process (the A/A control), the floor of bench/apps.mjs and
// nest-cors, each a Nest 12 application in its own process (bench/child.mjs, as bench/run.mjs
// starts them), pinned to the last CPU, driven by a minimal HTTP/1.1 client on the other CPU in
// short batches whose order rotates. Each server reports its CPU time (process.cpuUsage()) before
// and after each of its batches, so a batch costs what the server spent on it, whatever the
// client and the machine's other tenants did meanwhile: that is most of the noise of
// bench/run.mjs's throughput, which counts every microsecond the scheduler gave the server's CPU
// to someone else.
//
// For a server bound by its CPU, as every server under bench/run.mjs's load is, throughput is
// inverse to CPU time per request: *none ÷ variant*, computed per rotation, is the ratio the S1
// and S2 targets ask to be at least 0.97 (bench/run.mjs reports the same quotient of its
// medians as "CPU-based"). Unlike bench/pipeline-costs.mjs, the client's work (parsing the
// extra headers included) is not in these figures, and each server's code serves one
// application, as in production.
//
// Scenarios (SERVER_SCENARIOS, default S1,S2,S6c) are interleaved: every rotation runs each
// scenario in turn (their order rotating too), and within it one batch of each server, so that
// batches of two scenarios on one server are seconds apart, and scenarios compare pairwise as
// variants do. The comparison printed last, per scenario against the first: nest-cors − floor on it minus
// nest-cors − floor on the first, rotation by rotation (what nest-cors's own work costs more
// there, with the floor taking out what the path and the header lengths change), beside the same
// construct for none-twin − none (the A/A noise of that comparison). S6c against S1 is issue 18's
// "a cached callback costs within noise of an exact-origin hit".
//
// The client writes one request at a time per connection (10 connections, as bench/run.mjs)
// and counts bytes: every response of one variant and scenario has the same length (Date has a
// fixed width), measured once beforehand with the status and the CORS headers, which must be
// 200 and, for the floor, nest-cors's. A measured response starting with anything but
// `HTTP/1.1 200` stops the run. Quoted in docs/performance.md and BENCHMARKS.md.
//
//   npm run build && node bench/server-costs.mjs [fastify|express] [rotations=150]
//   SERVER_SCENARIOS=S1,S6c node bench/server-costs.mjs   (S1, S2, S6: the uncached callback, S6c: cached)
//   SERVER_VARIANTS=diag-hook-noop,diag-nest-cors-floor-hook node bench/server-costs.mjs   (more variants)
//   SERVER_VARIANTS=nest-cors+mixed,nest-cors+S3 node bench/server-costs.mjs   (after other traffic)
//   SERVER_BASELINE=<dir> node bench/server-costs.mjs   (adds `baseline`: nest-cors built from <dir>,
//     the dist/lib of another commit copied inside this checkout, so that it finds these node_modules)
//   SERVER_PROFILE=<dir> node bench/server-costs.mjs   (a CPU profile per server, of every scenario
//     measured: name one scenario in SERVER_SCENARIOS to profile it alone)
//   SERVER_BATCH=2000 node bench/server-costs.mjs express   (longer batches: Express stays at ±5–10 µs)
//   BENCH_LIB=<dir> node bench/server-costs.mjs   (every nest-cors server loads the build in <dir>, not
//     dist/lib: bench/library.mjs)
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { corsHeadersOf } from './apps.mjs';
import { medianInterval, spread } from './stats.mjs';
import { APP_ORIGIN, BIG_EXACT_ORIGIN, BIG_PATTERN_ORIGIN, DYN_ORIGIN, HOST, SMALL_PATTERN_ORIGIN } from './config.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHILD = fileURLToPath(new URL('./child.mjs', import.meta.url));
const ADAPTER = process.argv[2] ?? 'fastify';
/**
 * Requests per batch (SERVER_BATCH): by default 30–50 ms of a server's time, well above the
 * cost of reading its CPU clock.
 */
const BATCH = Number(process.env.SERVER_BATCH ?? (ADAPTER === 'fastify' ? 2000 : 400));
const CONNECTIONS = 10;
const WARM_UP_ROTATIONS = 5;
/** SERVER_BASELINE=<dir>: nest-cors built from another commit, as the variant `baseline`. */
const BASELINE = process.env.SERVER_BASELINE;
/**
 * SERVER_PROFILE=<dir>: every server writes there one CPU profile per scenario of its measured
 * rotations (warm-up excluded, sampled every 100 µs), for bench/profile-summary.mjs. The
 * profiler's own cost is in the µs printed then.
 */
const PROFILE_DIR = process.env.SERVER_PROFILE;
/**
 * `none` first; SERVER_VARIANTS adds variants of bench/apps.mjs (diagnostic ones, or any with
 * traffic mixed in: see below). Those writing nest-cors's headers are checked against it.
 */
const VARIANTS = [
  'none',
  'none-twin',
  'floor',
  'nest-cors',
  ...(BASELINE ? ['baseline'] : []),
  ...(process.env.SERVER_VARIANTS?.split(',').filter(Boolean) ?? []),
];
if (new Set(VARIANTS).size !== VARIANTS.length) throw new Error(`a variant is named twice: ${VARIANTS.join(', ')}`);
/**
 * Rotations come in cycles, one per starting server, every other cycle backwards: a whole
 * number of pairs of cycles lets each server follow each of its neighbours equally often.
 */
const ROTATIONS = Math.ceil(Number(process.argv[3] ?? 150) / (2 * VARIANTS.length)) * 2 * VARIANTS.length;
/** How long any one exchange with a server may take before the run gives up on it. */
const TIMEOUT_MS = 30_000;
const SAME_HEADERS_AS_NEST_CORS = new Set(['floor', 'baseline', 'diag-nest-cors-floor-hook']);
/** What each scenario requests (as bench/run.mjs's scenarios of the same names). */
const KNOWN_SCENARIOS = {
  S1: { path: '/items', headers: { origin: APP_ORIGIN } },
  S2: { path: '/items', headers: {} },
  // The async origin callback, asked on every request: a promise and a timer each.
  S6: { path: '/dyn', headers: { origin: DYN_ORIGIN } },
  // The same callback with originsCache: after the first request, a kept verdict.
  S6c: { path: '/cached', headers: { origin: DYN_ORIGIN } },
};
/** SERVER_SCENARIOS: which, in this order; comparisons are against the first. */
const SCENARIOS = Object.fromEntries(
  (process.env.SERVER_SCENARIOS ?? 'S1,S2,S6c')
    .split(',')
    .filter(Boolean)
    .map((name) => {
      if (!(name in KNOWN_SCENARIOS))
        throw new Error(`SERVER_SCENARIOS: no scenario ${name} (known: ${Object.keys(KNOWN_SCENARIOS).join(', ')})`);
      return [name, KNOWN_SCENARIOS[name]];
    }),
);
const OK_STATUS_LINE = Buffer.from('HTTP/1.1 200');
/** Statuses whose responses have no body, whatever their headers say (RFC 9112, section 6.3). */
const BODILESS = new Set([204, 304]);
/**
 * A variant named `<variant>+mixed` (SERVER_VARIANTS=nest-cors+mixed) is `<variant>` in a
 * process that, before measuring, served SERVER_MIXED (default 3,000) requests of each of
 * bench/run.mjs's other scenarios on this application (S1w, S3, S4, S4w, S6, S6c): as bench/run.mjs's
 * processes do between their S1 and S2 measurements, and as an application with several
 * policies does all day. `<variant>+S3.S6` served those of them only.
 */
const MIXED = Number(process.env.SERVER_MIXED ?? 3000);
const OTHER_SCENARIOS = {
  S1w: { method: 'GET', path: '/items', headers: { origin: SMALL_PATTERN_ORIGIN } },
  S3: {
    method: 'OPTIONS',
    path: '/items',
    headers: {
      origin: APP_ORIGIN,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'content-type, x-request-id',
    },
  },
  S4: { method: 'GET', path: '/big', headers: { origin: BIG_EXACT_ORIGIN } },
  S4w: { method: 'GET', path: '/big', headers: { origin: BIG_PATTERN_ORIGIN } },
  S6: { method: 'GET', path: '/dyn', headers: { origin: DYN_ORIGIN } },
  S6c: { method: 'GET', path: '/cached', headers: { origin: DYN_ORIGIN } },
};
/** What a variant's name says of it: `<base>[+mixed | +S3.S6]`. */
function parseVariant(variant) {
  const [base, mix] = variant.split('+');
  const names = mix === undefined ? [] : mix === 'mixed' ? Object.keys(OTHER_SCENARIOS) : mix.split('.');
  for (const name of names)
    if (!(name in OTHER_SCENARIOS)) throw new Error(`${variant}: no scenario ${name} to mix in`);
  return { base, mixed: names.map((name) => OTHER_SCENARIOS[name]) };
}

const cpus = availableParallelism();
const pinned = cpus >= 2 && hasTaskset();
const SERVER_CPU = String(cpus - 1);
if (pinned) execFileSync('taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });
else console.warn('not pinning: taskset is missing or this machine has one CPU; client and servers share the CPUs');

function hasTaskset() {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** One application in its own process; resolves once it listens. */
async function startServer(variant) {
  const { base } = parseVariant(variant);
  // `baseline` is nest-cors's application, built with the library of another commit.
  const spec = {
    adapter: ADAPTER,
    app: 'main',
    variant: base === 'none-twin' ? 'none' : base === 'baseline' ? 'nest-cors' : base,
  };
  if (base === 'baseline') spec.lib = pathToFileURL(join(resolve(BASELINE), 'index.js')).href;
  // app.enableCors() (@fastify/cors or cors) with S1–S3's allow-list, as bench/run.mjs's enableCors-small.
  if (base === 'enableCors') spec.peer = 'small';
  const nodeArgs = ['--expose-gc', '--no-memory-reducer', CHILD];
  const [command, args] = pinned
    ? ['taskset', ['-c', SERVER_CPU, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child = spawn(command, args, {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_APP: JSON.stringify(spec), NODE_ENV: 'production' },
  });
  const server = { variant, child, port: 0, connections: [] };
  const ready = await reply(server, 'ready');
  server.port = ready.port;
  return server;
}

/**
 * The server's next message of `type` (after sending `message`, if given); fails if the server
 * reports an error, exits or takes longer than TIMEOUT_MS.
 */
function reply(server, type, message) {
  const { child } = server;
  return new Promise((resolve, reject) => {
    const settle = (error, value) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value);
    };
    const onMessage = (received) => {
      if (received?.type === type) settle(undefined, received);
      else if (received?.type === 'error') settle(new Error(`${server.variant}: ${received.message}`));
    };
    const onExit = (code, signal) =>
      settle(new Error(`${server.variant} exited (${code ?? signal}) while awaited for '${type}'`));
    const timer = setTimeout(
      () => settle(new Error(`${server.variant}: no '${type}' within ${TIMEOUT_MS} ms`)),
      TIMEOUT_MS,
    );
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (message !== undefined) child.send(message);
  });
}

/** The server's CPU time so far, in µs (user + system). */
async function cpuOf(server) {
  const { usage } = await reply(server, 'cpu', 'cpu');
  return usage.user + usage.system;
}

function requestBytes(server, scenario) {
  let head = `${scenario.method ?? 'GET'} ${scenario.path} HTTP/1.1\r\nHost: ${HOST}:${server.port}\r\n`;
  for (const [name, value] of Object.entries(scenario.headers)) head += `${name}: ${value}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
}

/** One response to `request` on a fresh connection: its length in bytes, status and headers. */
async function probe(server, request) {
  const socket = net.connect(server.port, HOST);
  socket.setTimeout(TIMEOUT_MS, () =>
    socket.destroy(new Error(`${server.variant}: no whole response within ${TIMEOUT_MS} ms`)),
  );
  socket.write(request);
  let received = Buffer.alloc(0);
  for await (const chunk of socket) {
    received = Buffer.concat([received, chunk]);
    const headEnd = received.indexOf('\r\n\r\n');
    if (headEnd === -1) continue;
    const [statusLine, ...lines] = received.subarray(0, headEnd).toString('latin1').split('\r\n');
    const headers = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(statusLine.split(' ')[1]);
    let bodyLength = 0;
    if (!BODILESS.has(status)) {
      bodyLength = Number(headers['content-length']);
      // Counting bytes needs every response's length known in advance.
      if (!Number.isSafeInteger(bodyLength))
        throw new Error(`${server.variant}: ${statusLine} without a Content-Length`);
    }
    const length = headEnd + 4 + bodyLength;
    if (received.length < length) continue;
    socket.destroy();
    return { length, status, statusLine, headers };
  }
  throw new Error(`${server.variant}: connection closed before a whole response`);
}

/** A keep-alive connection sending one request at a time and counting whole responses. */
class Connection {
  constructor(socket, label) {
    this.socket = socket;
    this.label = label;
    this.offset = 0;
    /** The first bytes of the response being read, until there are enough to check its status. */
    this.start = Buffer.alloc(0);
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.read(chunk));
    socket.on('error', (error) => this.fail(error));
    // A server closing an idle connection would otherwise leave a batch waiting forever.
    socket.on('close', () => this.fail(new Error(`${label}: connection closed`)));
  }

  /**
   * Sends `count` requests, each after the whole response of `length` bytes to the previous
   * one, which must be a 200 unless `okOnly` is false.
   */
  run(count, request, length, okOnly = true) {
    // Writing to a closed socket fails silently (the batch would only time out).
    if (this.socket.destroyed || !this.socket.writable)
      return Promise.reject(
        new Error(`${this.label}: the server closed this connection while it idled (Express does after 5 s)`),
      );
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.fail(
            new Error(
              `${this.label}: batch not done within ${TIMEOUT_MS} ms ` +
                `(${this.batch?.left} of ${count} responses left, ${this.offset} of ${length} bytes into one)`,
            ),
          ),
        TIMEOUT_MS,
      );
      const done = (error) => {
        clearTimeout(timer);
        this.batch = undefined;
        if (error) reject(error);
        else resolve();
      };
      this.batch = { left: count, request, length, okOnly, done };
      this.socket.write(request);
    });
  }

  fail(error) {
    this.batch?.done(error);
  }

  read(chunk) {
    let position = 0;
    while (position < chunk.length) {
      const batch = this.batch;
      if (batch === undefined)
        return this.socket.destroy(new Error(`${this.label}: bytes beyond the responses counted`));
      if (batch.okOnly && this.offset < OK_STATUS_LINE.length) {
        const wanted = Math.min(OK_STATUS_LINE.length - this.offset, chunk.length - position);
        this.start = Buffer.concat([this.start, chunk.subarray(position, position + wanted)]);
        if (this.start.length === OK_STATUS_LINE.length && !this.start.equals(OK_STATUS_LINE)) {
          return batch.done(
            new Error(
              `${this.label}: unexpected response ${chunk.subarray(position, position + 40).toString('latin1')}`,
            ),
          );
        }
      }
      const taken = Math.min(batch.length - this.offset, chunk.length - position);
      this.offset += taken;
      position += taken;
      if (this.offset < batch.length) continue;
      this.offset = 0;
      this.start = Buffer.alloc(0);
      if (--batch.left > 0) this.socket.write(batch.request);
      else batch.done();
    }
  }
}

async function connect(server, count = CONNECTIONS) {
  const connections = [];
  for (let i = 0; i < count; i++) {
    const socket = net.connect(server.port, HOST);
    await once(socket, 'connect');
    connections.push(new Connection(socket, server.variant));
  }
  return connections;
}

/** Sends `total` requests of `target` over `connections`, all of them at once. */
function load(connections, target, total, okOnly = true) {
  const share = Math.ceil(total / connections.length);
  return Promise.all(
    connections.map((connection) => connection.run(share, target.request, target.length, okOnly)),
  ).then(() => share * connections.length);
}

/** The server's CPU µs per request over one batch of `BATCH` requests. */
async function batch(server, target) {
  const before = await cpuOf(server);
  const sent = await load(server.connections, target, BATCH);
  return ((await cpuOf(server)) - before) / sent;
}

/** `median m, middle half a to b; 95 % interval of the median c to d`. */
const withInterval = (values, digits) => {
  const [low, high] = medianInterval(values);
  return `${spread(values, digits)}; median within ${low.toFixed(digits)} to ${high.toFixed(digits)} (95 %)`;
};

const servers = [];
try {
  for (const variant of VARIANTS) servers.push(await startServer(variant));
  for (const server of servers) {
    const mixed = parseVariant(server.variant).mixed;
    if (mixed.length === 0) continue;
    // On connections of their own, closed before measuring: Express closes idle ones after 5 s.
    const connections = await connect(server);
    for (const scenario of mixed) {
      // Whatever the variant answers (none answers preflights 404): the traffic is the point.
      const request = requestBytes(server, scenario);
      const { length } = await probe(server, request);
      await load(connections, { request, length }, MIXED, false);
    }
    for (const connection of connections) connection.socket.destroy();
  }
  for (const server of servers) server.connections = await connect(server);
  const scenarioNames = Object.keys(SCENARIOS);
  console.log(
    `${ADAPTER}: ${ROTATIONS} rotations of scenarios ${scenarioNames.join(', ')} interleaved, batches of ${BATCH} ` +
      `requests over ${CONNECTIONS} connections; server CPU µs per request` +
      (pinned ? `, servers on CPU ${SERVER_CPU}, client on CPU 0` : '') +
      (VARIANTS.some((v) => v.includes('+')) ? `; +…: first served ${MIXED} requests of each scenario named` : '') +
      (PROFILE_DIR ? '; profiling (its cost is in the figures)' : ''),
  );
  /** By scenario: each server's target (request bytes, response length), and nest-cors's CORS headers. */
  const targets = new Map();
  const corsHeaders = new Map();
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    const byServer = new Map();
    for (const server of servers) {
      const request = requestBytes(server, scenario);
      const { length, status, statusLine, headers } = await probe(server, request);
      if (status !== 200) throw new Error(`${name}: ${server.variant} answered ${statusLine}`);
      byServer.set(server, { request, length, cors: corsHeadersOf(headers) });
    }
    const corsOf = (variant) => byServer.get(servers.find((s) => s.variant === variant)).cors;
    for (const variant of VARIANTS.filter(
      (v) => SAME_HEADERS_AS_NEST_CORS.has(parseVariant(v).base) || parseVariant(v).base === 'nest-cors',
    )) {
      if (corsOf(variant) !== corsOf('nest-cors'))
        throw new Error(`${name}: ${variant} sends ${corsOf(variant)}, nest-cors ${corsOf('nest-cors')}`);
    }
    targets.set(name, byServer);
    corsHeaders.set(name, corsOf('nest-cors'));
  }

  /**
   * One rotation (b): every scenario in turn, starting at a different one each time, and for each
   * scenario every server once, starting at a different one each time; every other cycle of
   * rotations runs the servers backwards, so that each follows each of its neighbours equally
   * often. The servers of one scenario are measured back to back (the paired differences), and a
   * server idles for a few batches at most: Express closes a connection idle for 5 s.
   */
  const rotation = async (b, record) => {
    const backwards = Math.floor(b / servers.length) % 2 === 1;
    for (let j = 0; j < scenarioNames.length; j++) {
      const name = scenarioNames[(b + j) % scenarioNames.length];
      for (let k = 0; k < servers.length; k++) {
        const server = servers[(b + (backwards ? servers.length - 1 - k : k)) % servers.length];
        record(name, server, await batch(server, targets.get(name).get(server)));
      }
    }
  };
  // Warm-up rotations, shaped like the measured ones.
  for (let b = 0; b < WARM_UP_ROTATIONS; b++) await rotation(b, () => {});
  if (PROFILE_DIR) for (const server of servers) await reply(server, 'profiling', { type: 'profile-start' });
  /** samples.get(scenario).get(variant)[rotation]: µs per request of that batch. */
  const samples = new Map(scenarioNames.map((name) => [name, new Map(servers.map((server) => [server.variant, []]))]));
  for (let b = 0; b < ROTATIONS; b++)
    await rotation(b, (name, server, usPerRequest) => samples.get(name).get(server.variant).push(usPerRequest));
  if (PROFILE_DIR) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    for (const server of servers) {
      const file = join(resolve(PROFILE_DIR), `${ADAPTER}-${scenarioNames.join('.')}-${server.variant}.cpuprofile`);
      await reply(server, 'profiled', { type: 'profile-stop', file });
    }
  }

  const minus = (a, b) => a.map((x, i) => x - b[i]);
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    const byVariant = samples.get(name);
    console.log(
      `\n${name} ${scenario.path} ${JSON.stringify(scenario.headers)}: CORS headers ${corsHeaders.get(name)}`,
    );
    for (const [variant, values] of byVariant) console.log(`  ${variant.padEnd(10)} ${spread(values, 2)} µs`);
    const none = byVariant.get('none');
    for (const variant of VARIANTS.slice(1)) {
      const costs = byVariant.get(variant);
      // Batches of one rotation ran within a few hundred ms of each other: paired.
      console.log(`  ${`${variant} − none`.padEnd(18)} ${withInterval(minus(costs, none), 3)} µs`);
      console.log(
        `  ${`none ÷ ${variant}`.padEnd(18)} ${spread(
          costs.map((x, i) => none[i] / x),
          3,
        )} (a CPU-bound server's throughput ratio)`,
      );
    }
    for (const base of ['floor', ...(BASELINE ? ['baseline'] : [])]) {
      console.log(
        `  ${`nest-cors − ${base}`.padEnd(18)} ${withInterval(minus(byVariant.get('nest-cors'), byVariant.get(base)), 3)} µs`,
      );
    }
  }

  // Each scenario against the first, rotation by rotation: what nest-cors's own work (over the
  // floor) costs more there, and the same construct for the A/A pair, which should be 0.
  const [first, ...others] = scenarioNames;
  if (others.length > 0) {
    console.log(`\nagainst ${first}, per rotation (a difference of paired differences)`);
    const own = (name, variant, base) => minus(samples.get(name).get(variant), samples.get(name).get(base));
    for (const name of others) {
      console.log(
        `  ${`${name} − ${first}, nest-cors − floor`.padEnd(32)} ${withInterval(
          minus(own(name, 'nest-cors', 'floor'), own(first, 'nest-cors', 'floor')),
          3,
        )} µs`,
      );
      console.log(
        `  ${`${name} − ${first}, none-twin − none`.padEnd(32)} ${withInterval(
          minus(own(name, 'none-twin', 'none'), own(first, 'none-twin', 'none')),
          3,
        )} µs (A/A: noise)`,
      );
    }
  }
  if (PROFILE_DIR) console.log(`\nprofiles in ${PROFILE_DIR}`);
} finally {
  for (const server of servers) {
    for (const connection of server.connections) connection.socket.destroy();
    if (server.child.connected) server.child.send('stop');
  }
}
