// Soak test of the sample app: `npm run soak` (builds, then runs this file). Not part of `npm test`.
//
// For each adapter, the built sample (dist/sample/main.js, unchanged) runs in a child process
// on 127.0.0.1 and a free port, with scripts/soak-probe.cjs preloaded to report its memory over
// IPC. autocannon then drives it with a mix of allowed, refused and hostile requests, including
// the async tenant callback route (R9), first for a warm-up, then for SOAK_SECONDS. Every
// response is checked (status and CORS headers) as it arrives.
//
// Reported per adapter: requests served, status breakdown, connection errors and timeouts
// (must be 0), responses that did not match the contract (must be 0), memory (RSS, heap used)
// after full GCs before and after the run, and the peak while it ran. Exits 1 when a must-be-0
// figure is not, or when the heap grew by more than SOAK_MAX_HEAP_GROWTH_MB.
//
// Environment:
//   SOAK_SECONDS=n              seconds of load per adapter (default 60)
//   SOAK_WARMUP_SECONDS=n       seconds of load before the baseline is taken (default 10, at most SOAK_SECONDS)
//   SOAK_CONNECTIONS=n          concurrent connections (default 16)
//   SOAK_ADAPTERS=express       adapters to soak (default express,fastify)
//   SOAK_MAX_HEAP_GROWTH_MB=n   heap growth, after GC, that fails the soak (default 8)
//   SOAK_REPORT=path            also write the figures as JSON there
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const MAIN = join(ROOT, 'dist', 'sample', 'main.js');
const PROBE = join(ROOT, 'scripts', 'soak-probe.cjs');
const env = process.env;
const num = (name, fallback) => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const SECONDS = num('SOAK_SECONDS', 60);
const WARMUP_SECONDS = Math.min(num('SOAK_WARMUP_SECONDS', 10), SECONDS);
const CONNECTIONS = num('SOAK_CONNECTIONS', 16);
const MAX_HEAP_GROWTH_MB = num('SOAK_MAX_HEAP_GROWTH_MB', 8);
const ADAPTERS = (env.SOAK_ADAPTERS ?? 'express,fastify')
  .split(',')
  .map((a) => a.trim())
  .filter(Boolean);

// ------------------------------------------------------------------------------ the request mix

const APP = 'https://app.example.com';
const ADMIN = 'https://admin.example.com';
const PARTNER = 'https://eu.shop.partner.example.com';
const ACME = 'https://acme.tenants.example.net';
const GLOBEX = 'https://globex.tenants.example.net';
const junkOrigin = `https://${'x'.repeat(60)}.`.repeat(60) + 'example.com'; // ~3.7 KB, never an origin
const manyHeaders = Array.from({ length: 600 }, (_, i) => `x-h${i}`).join(', ');

/**
 * Each entry: an autocannon request, and what its response must be. `acao` is the exact
 * Access-Control-Allow-Origin (undefined: absent). autocannon cycles through them in order on
 * every connection, so each kind gets the same share.
 */
const MIX = [
  {
    kind: 'allowed GET (R3)',
    method: 'GET',
    path: '/api/partners/orders',
    headers: { origin: APP },
    status: 200,
    acao: APP,
  },
  {
    kind: 'allowed preflight DELETE (R4)',
    method: 'OPTIONS',
    path: '/api/partners/orders/1',
    headers: { origin: ADMIN, 'access-control-request-method': 'DELETE' },
    status: 204,
    acao: ADMIN,
  },
  {
    kind: 'refused preflight (R3)',
    method: 'OPTIONS',
    path: '/api/partners/orders',
    headers: { origin: 'https://evil.example.org', 'access-control-request-method': 'POST' },
    status: 403,
    acao: undefined,
  },
  {
    kind: 'tenant callback allows (R9)',
    method: 'GET',
    path: '/api/tenants/acme/profile',
    headers: { origin: ACME },
    status: 200,
    acao: ACME,
  },
  {
    kind: 'tenant callback refuses (R9)',
    method: 'GET',
    path: '/api/tenants/acme/profile',
    headers: { origin: 'https://initech.tenants.example.net' },
    status: 200,
    acao: undefined,
  },
  {
    kind: 'tenant preflight PUT allowed (R9)',
    method: 'OPTIONS',
    path: '/api/tenants/globex/profile',
    headers: {
      origin: GLOBEX,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'content-type',
    },
    status: 204,
    acao: GLOBEX,
  },
  {
    kind: 'tenant preflight refused (R9)',
    method: 'OPTIONS',
    path: '/api/tenants/globex/profile',
    headers: { origin: 'https://hooli.tenants.example.net', 'access-control-request-method': 'PUT' },
    status: 403,
    acao: undefined,
  },
  {
    kind: 'tenant PUT allowed (R9)',
    method: 'PUT',
    path: '/api/tenants/acme/profile',
    headers: { origin: ACME, 'content-type': 'application/json' },
    body: '{"name":"Acme"}',
    status: 200,
    acao: ACME,
  },
  {
    kind: 'partner wildcard, 401 from guard (R5)',
    method: 'GET',
    path: '/api/partners/orders/2',
    headers: { origin: PARTNER },
    status: 401,
    acao: PARTNER,
  },
  {
    kind: 'partner wildcard, authorized (R5)',
    method: 'GET',
    path: '/api/partners/orders/2',
    headers: { origin: PARTNER, authorization: 'Bearer demo-token' },
    status: 200,
    acao: PARTNER,
  },
  {
    kind: 'public, Origin: null (R2)',
    method: 'GET',
    path: '/api/public/items',
    headers: { origin: 'null' },
    status: 200,
    acao: '*',
  },
  {
    kind: 'versioned v2 (R8)',
    method: 'GET',
    path: '/api/v2/catalog',
    headers: { origin: APP },
    status: 200,
    acao: APP,
  },
  {
    kind: 'private network preflight (R10)',
    method: 'OPTIONS',
    path: '/api/devices/status',
    headers: { origin: APP, 'access-control-request-method': 'GET', 'access-control-request-private-network': 'true' },
    status: 204,
    acao: APP,
  },
  {
    kind: 'no CORS route (R1)',
    method: 'GET',
    path: '/api/health',
    headers: { origin: APP },
    status: 200,
    acao: undefined,
  },
  {
    kind: 'hostile: 3.7 KB Origin',
    method: 'GET',
    path: '/api/partners/orders',
    headers: { origin: junkOrigin },
    status: 200,
    acao: undefined,
  },
  // Two Origin lines (keys differing in case): Node joins them, which is no origin.
  {
    kind: 'hostile: two Origin headers',
    method: 'GET',
    path: '/api/partners/orders',
    headers: { Origin: APP, origin: 'https://evil.example.org' },
    status: 200,
    acao: undefined,
  },
  {
    kind: 'hostile: look-alike origin',
    method: 'GET',
    path: '/api/partners/orders',
    headers: { origin: 'https://app.example.com.evil.example.org' },
    status: 200,
    acao: undefined,
  },
  {
    kind: 'hostile: garbage request method',
    method: 'OPTIONS',
    path: '/api/partners/orders',
    headers: { origin: APP, 'access-control-request-method': '<script>' },
    status: 404,
    acao: undefined,
  },
  {
    kind: 'hostile: 600 requested headers',
    method: 'OPTIONS',
    path: '/api/partners/orders',
    headers: { origin: APP, 'access-control-request-method': 'POST', 'access-control-request-headers': manyHeaders },
    status: 403,
    acao: undefined,
  },
  {
    kind: 'hostile: preflight to unknown path',
    method: 'OPTIONS',
    path: '/api/nowhere',
    headers: { origin: APP, 'access-control-request-method': 'GET' },
    status: 404,
    acao: undefined,
  },
  {
    kind: 'hostile: non-ASCII origin on callback route',
    method: 'GET',
    path: '/api/tenants/acme/profile',
    headers: { origin: 'https://acm\u00e9.tenants.example.net' },
    status: 200,
    acao: undefined,
  },
];

// ------------------------------------------------------------------------------------ helpers

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilServing(url, child) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the sample exited with code ${child.exitCode} before serving`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error('the sample did not start serving within 30 s');
}

let nextMemoryId = 0;
async function memory(child, gc) {
  const id = ++nextMemoryId;
  child.send({ type: 'memory', id, gc });
  for (;;) {
    const [message] = await once(child, 'message');
    if (message?.type === 'memory' && message.id === id) return message.usage;
  }
}

const mb = (bytes) => bytes / (1024 * 1024);
const fmtMb = (bytes) => `${mb(bytes).toFixed(1)} MB`;

/** Runs autocannon over the mix for `seconds`, checking every response. */
async function load(url, seconds, checks) {
  const requests = MIX.map((entry, index) => ({
    method: entry.method,
    path: entry.path,
    headers: entry.headers,
    body: entry.body,
    onResponse: (status, _body, _context, headers) => {
      const lower = Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      const acao = lower['access-control-allow-origin'];
      const ok = status === entry.status && acao === entry.acao && (acao === undefined || typeof acao === 'string');
      const check = checks[index];
      check.count++;
      if (!ok) {
        check.mismatches++;
        if (check.examples.length < 3) check.examples.push({ status, acao });
      }
    },
  }));
  return autocannon({ url, connections: CONNECTIONS, duration: seconds, requests, timeout: 10 });
}

// ------------------------------------------------------------------------------------- a soak

async function soak(adapter) {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run soak\` (it builds first)`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--expose-gc', '--require', PROBE, MAIN], {
    cwd: ROOT,
    env: { ...env, ADAPTER: adapter, PORT: String(port), HOST: '127.0.0.1', CORS_DEBUG: 'false' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const logLines = { total: 0, errors: [] };
  const onLog = (chunk) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      logLines.total++;
      if (/\bERROR\b|Error:|unhandled/i.test(line) && logLines.errors.length < 10)
        logLines.errors.push(line.slice(0, 300));
    }
  };
  child.stdout.on('data', onLog);
  child.stderr.on('data', onLog);
  try {
    await waitUntilServing(url, child);
    const linesAtStart = logLines.total;
    const warmupChecks = MIX.map(() => ({ count: 0, mismatches: 0, examples: [] }));
    process.stdout.write(`[${adapter}] warm-up ${WARMUP_SECONDS}s on ${url} ... `);
    const warmup = await load(url, WARMUP_SECONDS, warmupChecks);
    const before = await memory(child, true);
    process.stdout.write(`soak ${SECONDS}s ... `);

    const checks = MIX.map(() => ({ count: 0, mismatches: 0, examples: [] }));
    const peak = { rss: before.rss, heapUsed: before.heapUsed };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await sleep(2_000);
        if (!sampling) break;
        const usage = await memory(child, false);
        peak.rss = Math.max(peak.rss, usage.rss);
        peak.heapUsed = Math.max(peak.heapUsed, usage.heapUsed);
      }
    })();
    const result = await load(url, SECONDS, checks);
    sampling = false;
    await sampler;
    const after = await memory(child, true);
    // A second look, a moment later: what is left after GC is what the app keeps.
    await sleep(1_000);
    const settled = await memory(child, true);
    const stillServing = (await fetch(`${url}/api/health`)).ok;
    console.log('done');

    const statusCodes = Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, Number(count)]),
    );
    const mismatches =
      checks.reduce((sum, c) => sum + c.mismatches, 0) + warmupChecks.reduce((sum, c) => sum + c.mismatches, 0);
    return {
      adapter,
      seconds: result.duration,
      connections: CONNECTIONS,
      requests: result.requests.total,
      requestsPerSecond: Math.round(result.requests.average),
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
      statusCodes,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      mismatches,
      mismatchesByKind: Object.fromEntries(checks.map((c, i) => [MIX[i].kind, c]).filter(([, c]) => c.mismatches > 0)),
      perKind: Object.fromEntries(checks.map((c, i) => [MIX[i].kind, c.count])),
      warmupRequests: warmup.requests.total,
      memory: {
        before: { rss: before.rss, heapUsed: before.heapUsed },
        after: { rss: settled.rss, heapUsed: Math.min(after.heapUsed, settled.heapUsed) },
        peak,
      },
      serverLogLines: logLines.total - linesAtStart,
      serverErrorLines: logLines.errors,
      stillServing,
    };
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await Promise.race([once(child, 'exit'), sleep(5_000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

// --------------------------------------------------------------------------------------- main

console.log(
  `nest-cors soak: ${ADAPTERS.join(', ')}; ${WARMUP_SECONDS}s warm-up + ${SECONDS}s per adapter, ${CONNECTIONS} connections, ` +
    `${MIX.length} request kinds; Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'})`,
);
const reports = [];
for (const adapter of ADAPTERS) reports.push(await soak(adapter));

const failures = [];
console.log('');
console.log(
  '| adapter | requests | req/s | p50 / p99 / max latency | status codes | errors | timeouts | contract mismatches | heap used before → after GC | RSS before → after | peak RSS |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of reports) {
  const growth = r.memory.after.heapUsed - r.memory.before.heapUsed;
  console.log(
    `| ${r.adapter} | ${r.requests} | ${r.requestsPerSecond} | ${r.latencyMs.p50} / ${r.latencyMs.p99} / ${r.latencyMs.max} ms | ` +
      `${Object.entries(r.statusCodes)
        .map(([c, n]) => `${c}: ${n}`)
        .join(', ')} | ${r.errors} | ${r.timeouts} | ${r.mismatches} | ` +
      `${fmtMb(r.memory.before.heapUsed)} → ${fmtMb(r.memory.after.heapUsed)} (${growth >= 0 ? '+' : ''}${mb(growth).toFixed(1)}) | ` +
      `${fmtMb(r.memory.before.rss)} → ${fmtMb(r.memory.after.rss)} | ${fmtMb(r.memory.peak.rss)} |`,
  );
  if (r.errors > 0 || r.timeouts > 0)
    failures.push(`${r.adapter}: ${r.errors} connection errors, ${r.timeouts} timeouts`);
  if (r.mismatches > 0)
    failures.push(`${r.adapter}: ${r.mismatches} responses off the contract: ${JSON.stringify(r.mismatchesByKind)}`);
  if (mb(growth) > MAX_HEAP_GROWTH_MB)
    failures.push(`${r.adapter}: heap grew by ${mb(growth).toFixed(1)} MB (limit ${MAX_HEAP_GROWTH_MB} MB)`);
  if (!r.stillServing) failures.push(`${r.adapter}: not serving after the soak`);
  if (r.serverErrorLines.length > 0)
    failures.push(`${r.adapter}: error lines in the server log: ${JSON.stringify(r.serverErrorLines)}`);
}
console.log('');
console.log(`requests per kind (${reports.map((r) => r.adapter).join(' / ')}):`);
for (const { kind } of MIX) console.log(`  ${kind}: ${reports.map((r) => r.perKind[kind]).join(' / ')}`);
if (env.SOAK_REPORT)
  writeFileSync(
    env.SOAK_REPORT,
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, reports }, null, 2)}\n`,
  );
if (failures.length > 0) {
  console.log(`\nFAILED:\n  - ${failures.join('\n  - ')}`);
  process.exitCode = 1;
} else {
  console.log(
    '\nOK: no connection errors or timeouts, every response as the contract says, no heap growth beyond noise.',
  );
}
