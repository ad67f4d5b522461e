// Where nest-cors's bootstrap time goes, on S5's application (1,000 routes, 100 controllers):
// boots it in fresh processes with and without nest-cors (and with a no-op global guard, the
// cost of the APP_GUARD the module registers), timing NestFactory.create, init and listen, and
// inside nest-cors a few internal steps, by wrapping methods of the compiled library. Internal
// names may change with lib/: a step whose method is gone is reported as missing, not timed.
//
//   npm run build && node bench/diagnose-boot.mjs [runs=5]
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);

/** [module under dist/lib, exported class, method, label] */
const STEPS = [
  ['cors-policy.registry.js', 'CorsPolicyRegistry', 'build', 'registry.build (resolve, validate, compile)'],
  ['policy/compile.js', 'PolicyCompiler', 'compile', '  of which PolicyCompiler.compile'],
  ['routing/route-registration.js', 'RouteRegistration', 'targetOf', 'registration.targetOf (per route)'],
  ['cors-request.hook.js', 'CorsRequestHook', 'seal', 'hook.seal'],
  ['cors-policy.registry.js', 'CorsPolicyRegistry', 'releaseStamps', 'registry.releaseStamps'],
];

async function child(adapterName, variant) {
  const { NestFactory, APP_GUARD } = await import('@nestjs/core');
  const { ExpressAdapter } = await import('@nestjs/platform-express');
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  const importStart = performance.now();
  const cors = variant === 'nest-cors' ? await import('../dist/lib/index.js') : undefined;
  const importMs = performance.now() - importStart;
  const { rootModule } = await import('./apps.mjs');
  const timings = {};
  if (cors !== undefined) {
    for (const [file, cls, method, label] of STEPS) {
      const Class = (await import(`../dist/lib/${file}`).catch(() => ({})))[cls];
      const original = Class?.prototype?.[method];
      if (typeof original !== 'function') {
        timings[label] = 'missing';
        continue;
      }
      timings[label] = 0;
      Class.prototype[method] = function timed(...args) {
        const start = performance.now();
        try {
          return original.apply(this, args);
        } finally {
          timings[label] += performance.now() - start;
        }
      };
    }
  }
  const RootModule = rootModule({ app: 'many', variant }, cors, { APP_GUARD }); // declarations: import time, not bootstrap
  const t0 = performance.now();
  const app = await NestFactory.create(
    RootModule,
    adapterName === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
    { logger: false },
  );
  const t1 = performance.now();
  await app.init();
  const t2 = performance.now();
  await app.listen(0, '127.0.0.1');
  const t3 = performance.now();
  await app.close();
  process.stdout.write(JSON.stringify({ importMs, create: t1 - t0, init: t2 - t1, listen: t3 - t2, total: t3 - t0, ...timings }));
}

function median(values) {
  const sorted = values.filter((v) => typeof v === 'number').sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function parent(runs) {
  const variants = ['none', 'diag-guard', 'nest-cors'];
  for (const adapter of ['express', 'fastify']) {
    const samples = Object.fromEntries(variants.map((v) => [v, []]));
    for (let i = 0; i < runs; i++) {
      for (const variant of i % 2 ? [...variants].reverse() : variants) {
        const out = spawnSync(process.execPath, [SELF, '--child', adapter, variant], { encoding: 'utf8', timeout: 60_000 });
        if (out.status !== 0) throw new Error(`${adapter} ${variant}: ${out.stderr}`);
        samples[variant].push(JSON.parse(out.stdout));
      }
    }
    console.log(`\n${adapter}, 1,000 routes: medians of ${runs} fresh processes, ms`);
    const keys = [...new Set(variants.flatMap((v) => samples[v].flatMap((s) => Object.keys(s))))];
    const rows = keys.map((k) => [k, ...variants.map((v) => {
      const m = median(samples[v].map((s) => s[k]));
      return m === undefined ? (samples[v].some((s) => s[k] === 'missing') ? 'missing' : '') : m.toFixed(1);
    })]);
    const widths = [Math.max(...rows.map((r) => r[0].length)), ...variants.map((v) => Math.max(v.length, 8))];
    console.log(['step'.padEnd(widths[0]), ...variants.map((v, i) => v.padStart(widths[i + 1]))].join('  '));
    for (const r of rows) console.log([r[0].padEnd(widths[0]), ...r.slice(1).map((c, i) => String(c).padStart(widths[i + 1]))].join('  '));
  }
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4]);
else parent(Number(process.argv[2] ?? 5));
