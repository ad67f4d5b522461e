// Renders BENCHMARKS.md from a complete run's results (bench/results/latest.json, written by
// bench/run.mjs): generated figures, and one block it keeps as it finds it: measurements made
// since with the one-question tools (bench/server-costs.mjs, bench/tools/), written by hand
// between KEPT_BEGIN and KEPT_END, each with its date, commit and command. What the figures mean
// for the design is docs/performance.md.
//
//   node bench/report.mjs [results.json]    re-renders BENCHMARKS.md, measuring nothing
//   (`node bench/run.mjs --render` does the same)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);

/**
 * Nest-cors stopped keeping a route table of its own here (commit 61dceec): requests are
 * resolved by the adapter's router since. A run started before measured the old request path.
 */
const ROUTING_CHANGE = { at: '2026-12-05T12:48:13Z', commit: '61dceec' };

/** The hand-written block of BENCHMARKS.md that rendering keeps (markers included). */
export const KEPT_BEGIN =
  '<!-- kept: measurements since the last full run; bench/report.mjs keeps this block as it is -->';
export const KEPT_END = '<!-- /kept -->';

/** The kept block of a BENCHMARKS.md, markers included, or undefined. */
export function keptBlock(markdown) {
  const begin = markdown.indexOf(KEPT_BEGIN);
  const end = markdown.indexOf(KEPT_END, begin);
  return begin === -1 || end === -1 ? undefined : markdown.slice(begin, end + KEPT_END.length);
}

const fmtInt = (v) => (v === undefined ? '—' : Math.round(v).toLocaleString('en-US'));
const fmt = (v, digits = 2) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));

function mdTable(headers, rows, align) {
  const sep = headers.map((_, i) => (align?.[i] === 'l' ? '---' : '---:'));
  return [headers, sep, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

// ------------------------------------------------ tables shared with bench/run.mjs's console

export const THROUGHPUT_COLUMNS = [
  'scenario',
  'adapter',
  'variant',
  'req/s',
  'min–max',
  'ratio',
  'CPU µs/req',
  'p50 ms',
  'p99 ms',
  'failed',
];

/** The rows of the throughput table (columns: THROUGHPUT_COLUMNS), from run.mjs's throughput rows. */
export function throughputTableRows(rows) {
  return rows.map((r) => [
    r.scenario,
    r.adapter,
    r.variant,
    fmtInt(r.rpsMedian),
    `${fmtInt(r.rpsMin)}–${fmtInt(r.rpsMax)}`,
    fmt(r.vsBase, 3),
    fmt(r.cpuUsPerRequestMedian, 1),
    fmt(r.latencyP50MsMedian, 0),
    fmt(r.latencyP99MsMedian, 0),
    r.failures,
  ]);
}

export const BOOT_COLUMNS = [
  'adapter',
  'CPUs',
  'variant',
  'n',
  'boot',
  'create+init',
  'imports',
  'start→listen',
  'RSS MB',
  'heapUsed MB',
];

/**
 * The rows of the S5 bootstrap table (columns: BOOT_COLUMNS), pinned samples first, then those on
 * all CPUs, each adapter with a row of nest-cors's differences labelled `deltaLabel`.
 */
export function bootTableRows(results, deltaLabel) {
  const rows = [];
  const { boot } = results;
  const pinned = results.settings?.pin === true;
  const figures = (b) => [
    fmt(b.bootMsMedian, 1),
    fmt(b.createInitMsMedian, 1),
    fmt(b.importMsMedian, 1),
    fmt(b.startToListenMsMedian, 1),
    fmt(b.rssMbMedian, 1),
    fmt(b.heapUsedMbMedian, 1),
  ];
  for (const [summary, cpus] of [
    [boot.summary, pinned ? '1 (pinned)' : 'all'],
    [boot.summaryAllCpus ?? {}, 'all'],
  ]) {
    for (const [adapter, byVariant] of Object.entries(summary)) {
      for (const [variant, b] of Object.entries(byVariant))
        rows.push([adapter, cpus, variant, b.samples, ...figures(b)]);
      const { none, 'nest-cors': withCors } = byVariant;
      if (none && withCors) {
        const delta = Object.fromEntries(Object.keys(none).map((k) => [k, withCors[k] - none[k]]));
        rows.push([adapter, cpus, deltaLabel, '', ...figures(delta)]);
      }
    }
  }
  return rows;
}

export const TARGET_COLUMNS = [
  'target',
  'adapter',
  'measured',
  'per-round',
  'goal',
  'met',
  'CPU-based',
  'Δ CPU µs/req',
];

/**
 * The rows of the targets table (columns: TARGET_COLUMNS); a missed target's `met` cell is
 * `missed`; that of the A/A control and of informational rows (no target: `met` undefined)
 * is empty.
 */
export function targetTableRows(targets, missed) {
  return targets.map((t) => [
    t.title,
    t.adapter,
    t.valueMs !== undefined ? `${fmt(t.valueMs, 1)} ms` : `${fmt(t.ratio, 3)}×`,
    t.pairedMin !== undefined ? `${fmt(t.pairedMin, 3)}–${fmt(t.pairedMax, 3)}` : '',
    t.goal,
    t.met === undefined ? '' : t.met ? 'yes' : missed,
    t.cpuRatio !== undefined ? `${fmt(t.cpuRatio, 3)}×` : '',
    t.cpuUsDelta !== undefined ? fmt(t.cpuUsDelta, 2) : '',
  ]);
}

// ------------------------------------------------------------------------- BENCHMARKS.md

/** The order variants are listed in; others (diagnostic ones) follow in the order measured. */
const VARIANT_ORDER = ['none', 'none-twin', 'enableCors', 'nest-cors', 'floor'];

/** run.mjs's throughput rows, rebuilt from a results file: ratios against `none`, else `enableCors`. */
function throughputRowsOf(results) {
  const { summary } = results;
  const measured = [...new Set(Object.keys(summary).map((key) => key.split('/')[2]))];
  const variants = [...VARIANT_ORDER, ...measured.filter((v) => !VARIANT_ORDER.includes(v))];
  const rows = [];
  for (const scenario of Object.keys(results.requests)) {
    for (const adapter of results.settings.adapters) {
      const base = summary[`${scenario}/${adapter}/none`] ?? summary[`${scenario}/${adapter}/enableCors`];
      for (const variant of variants) {
        const s = summary[`${scenario}/${adapter}/${variant}`];
        if (s === undefined) continue;
        rows.push({ scenario, adapter, variant, ...s, vsBase: base ? s.rpsMedian / base.rpsMedian : undefined });
      }
    }
  }
  return rows;
}

const cpuOf = (results, scenario, adapter, variant) =>
  results.summary[`${scenario}/${adapter}/${variant}`]?.cpuUsPerRequestMedian;

/** A scenario's title without its id (`S1 actual GET, …` → `actual GET, …`). */
const titleOf = (request) => request.title.replace(/^\S+\s+/, '');

const ADAPTER_COLUMNS = [
  'scenario',
  'no CORS',
  'floor',
  'enableCors',
  'nest-cors',
  'vs no CORS',
  'vs floor',
  'vs enableCors',
];
const BASELINES = ['none', 'floor', 'enableCors'];

/**
 * One adapter's lead table: per scenario, the server's CPU µs per request of each variant, and
 * nest-cors against each (their µs ÷ nest-cors's: the throughput a CPU-bound server keeps).
 */
function adapterTableRows(results, adapter) {
  const rows = [];
  for (const [id, request] of Object.entries(results.requests)) {
    const own = cpuOf(results, id, adapter, 'nest-cors');
    if (own === undefined) continue;
    const cpu = BASELINES.map((variant) => cpuOf(results, id, adapter, variant));
    const cells = cpu.map((us) => (us === undefined ? '' : fmt(us, 1)));
    const ratios = cpu.map((us) => (us === undefined ? '' : `${fmt(us / own)}×`));
    rows.push([`**${id}** ${titleOf(request)}`, ...cells, fmt(own, 1), ...ratios]);
  }
  return rows;
}

/** What the A/A control says about this run's resolution on one adapter, if it was measured. */
function noiseLine(results, adapter) {
  const none = cpuOf(results, 'S1', adapter, 'none');
  const twin = cpuOf(results, 'S1', adapter, 'none-twin');
  if (none === undefined || twin === undefined) return undefined;
  const aa = results.targets?.find((t) => t.id === 'AA' && t.adapter === adapter);
  const range = aa?.pairedMin === undefined ? undefined : `${fmt(aa.pairedMin)}–${fmt(aa.pairedMax)}`;
  const rounds = range === undefined ? '' : `; per round, the ratio of their requests per second ranged ${range}`;
  return (
    `Noise: a second process of the no-CORS application, measured like the others, cost ${fmt(twin, 1)} µs on S1 ` +
    `against the first's ${fmt(none, 1)} (${fmt(none / twin)}×${rounds}). ` +
    'Differences of that size are not resolved by one run.'
  );
}

const BOOT_SUMMARY_COLUMNS = ['adapter', 'CPUs', 'no CORS', 'nest-cors', 'Δ ms', 'Δ RSS MB', 'Δ heap MB'];

function bootSummaryRows(results) {
  const rows = [];
  const { boot, settings } = results;
  for (const [summary, cpus] of [
    [boot.summary, settings.pin ? '1 (pinned)' : 'all'],
    [boot.summaryAllCpus ?? {}, 'all'],
  ]) {
    for (const [adapter, { none, 'nest-cors': withCors }] of Object.entries(summary)) {
      if (!none || !withCors) continue;
      const delta = (key, digits) => `+${fmt(withCors[key] - none[key], digits)}`;
      const ms = [fmt(none.bootMsMedian, 1), fmt(withCors.bootMsMedian, 1), delta('bootMsMedian', 1)];
      rows.push([adapter, cpus, ...ms, delta('rssMbMedian', 1), delta('heapUsedMbMedian', 1)]);
    }
  }
  return rows;
}

const loads = (list) => list.map((l) => l.toFixed(2)).join(' ');

/**
 * BENCHMARKS.md for `results`; `throughputRows` as bench/run.mjs computes them, else rebuilt;
 * `kept`, the hand-written block ({@link keptBlock}), goes after the introduction.
 */
export function renderMarkdown(results, { throughputRows = throughputRowsOf(results), kept } = {}) {
  const { machine, settings } = results;
  const out = [];
  const line = (...parts) => out.push(parts.join(''));
  line('# Benchmarks');
  line();
  line(
    `*Generated by \`npm run bench\` (\`bench/report.mjs\`) from the last complete run, `,
    `of ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC.* `,
    'nest-cors against `app.enableCors()` (`cors` on Express, `@fastify/cors` on Fastify) and against no CORS, on both adapters. ',
    'The design decisions these figures led to, each with its measurement: [docs/performance.md](docs/performance.md).',
  );
  line();
  if (results.startedAt < ROUTING_CHANGE.at) {
    line(
      '> **These results predate the routing change of December 2026** ',
      `(${ROUTING_CHANGE.at.slice(0, 10)}, commit \`${ROUTING_CHANGE.commit}\`): they measured nest-cors resolving requests `,
      "with a route table of its own, since replaced by the adapters' own routers. ",
      'Run `npm run bench` on a quiet machine to replace them.',
    );
    line();
  }
  if (kept !== undefined) {
    line(kept);
    line();
  }
  line(
    "Server CPU time per request in µs (medians over rounds), and nest-cors against each other variant: its µs divided by nest-cors's, ",
    'which for a server bound by its CPU is the throughput nest-cors keeps (above 1: nest-cors is cheaper). ',
    "The *floor* is no CORS plus a bare hook writing nest-cors's exact headers, knowing the answer in advance: ",
    'what sending them costs any CORS layer.',
  );
  for (const adapter of settings.adapters) {
    line();
    line(`## ${{ express: 'Express', fastify: 'Fastify' }[adapter] ?? adapter}`);
    line();
    line(mdTable(ADAPTER_COLUMNS, adapterTableRows(results, adapter), ['l']));
    const noise = noiseLine(results, adapter);
    if (noise !== undefined) {
      line();
      line(noise);
    }
  }
  const bootRows = results.boot?.summary ? bootSummaryRows(results) : [];
  if (bootRows.length > 0) {
    line();
    line('## Bootstrap: 1,000 routes, 100 controllers, 1,000 distinct policies');
    line();
    line(
      '`NestFactory.create` + `app.init()` + `app.listen()` in ms, and the RSS and heap nest-cors adds, ',
      'medians over fresh processes.',
    );
    line();
    line(mdTable(BOOT_SUMMARY_COLUMNS, bootRows, ['l', 'l']));
  }
  line();
  line('## Scenarios');
  line();
  for (const [id, r] of Object.entries(results.requests)) {
    const headers = Object.entries(r.headers)
      .map(([k, v]) => `\`${k}: ${v}\``)
      .join(', ');
    line(
      `- **${id}** ${titleOf(r)}: \`${r.method ?? 'GET'} ${r.path}\``,
      headers ? ` with ${headers}` : '',
      `; expects ${r.status}.`,
    );
  }
  line();
  line('## Method and machine');
  line();
  line(
    '- Each variant is a Nest 12 application in a process of its own (`bench/child.mjs`',
    settings.pin ? ', pinned to the last CPU, autocannon on CPU 0' : '',
    `), driven over loopback by autocannon with ${settings.connections} connections. `,
    'The variants of a scenario are measured back to back in rotating order, ',
    `${settings.rounds} rounds of ${settings.duration} s`,
    settings.freshProcesses ? ', every application started afresh each round' : '',
    '; each answer is checked before it is measured.',
  );
  line(
    "- CPU µs per request: the server process's user + system time (`/proc`) over a measurement, ",
    "divided by the requests it answered; unlike requests per second, it does not count time the machine's other tenants took.",
  );
  if (settings.memoryReducer === false) {
    line(
      "- V8's memory reducer is off in the measured applications",
      settings.rewarm > 0 ? ` and each measurement follows ${settings.rewarm} s of discarded load` : '',
      ': an application that idled while the others were measured would otherwise pay for regrowing its heap.',
    );
  }
  const packages = Object.entries(machine.packages).filter(([, v]) => v !== undefined);
  line(
    `- ${machine.cpuModel}, \`nproc\` = ${machine.nproc}, ${machine.memoryGb} GB; ${machine.platform}; Node ${machine.node}.`,
  );
  line(`- ${packages.map(([n, v]) => `${n} ${v}`).join(', ')}.`);
  line(
    `- Load average before / after: ${loads(results.loadAverage.before)} / ${loads(results.loadAverage.after)}; `,
    `${Math.round(results.wallSeconds)} s wall time.`,
  );
  line(
    `- Reproduce: \`npm run bench\` (about ${Math.round(results.wallSeconds / 60)} minutes on a quiet machine; `,
    'writes this file and `bench/results/latest.json`), `BENCH_QUICK=1 npm run bench` (a smoke run), ',
    '`node bench/report.mjs` (re-renders this file). Settings and the one-question tools: [bench/README.md](bench/README.md).',
  );
  line();
  line('## All measurements');
  line();
  line(
    "Medians over rounds; *ratio* is requests per second against the scenario's first variant (`none`, else `enableCors`); ",
    '`none-twin` is the second no-CORS process. Every sample: `bench/results/latest.json`.',
  );
  line();
  line(mdTable(THROUGHPUT_COLUMNS, throughputTableRows(throughputRows), ['l', 'l', 'l']));
  line();
  return out.join('\n');
}

/** Writes BENCHMARKS.md for `results` (options as renderMarkdown's), keeping its hand-written block. */
export function writeBenchmarks(results, options = {}) {
  const file = join(ROOT, 'BENCHMARKS.md');
  const kept = existsSync(file) ? keptBlock(readFileSync(file, 'utf8')) : undefined;
  writeFileSync(file, renderMarkdown(results, { ...options, kept }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? join(BENCH_DIR, 'results', 'latest.json');
  const results = JSON.parse(readFileSync(file, 'utf8'));
  writeBenchmarks(results);
  console.log(`BENCHMARKS.md rendered from the run of ${results.startedAt}`);
}
