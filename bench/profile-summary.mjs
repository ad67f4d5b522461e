// Summarizes a V8 .cpuprofile (as written by `node --cpu-prof`): where the time went, by
// function (self and inclusive) and by package, with nest-cors's own code (dist/lib) apart.
//
//   node bench/profile-summary.mjs bench/results/fastify-nest-cors.cpuprofile [--top 25]
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where nest-cors's code lies: dist/lib, or the build BENCH_LIB names (bench/library.mjs). */
const LIB_MARKERS = ['/dist/lib/', ...(process.env.BENCH_LIB ? [`${resolve(process.env.BENCH_LIB)}/`] : [])];
/** The same in a frame's key (frameKey() shortens paths to their last two directories at most). */
const LIB_KEY_MARKERS = [
  'dist/lib/',
  ...(process.env.BENCH_LIB
    ? [`${basename(dirname(resolve(process.env.BENCH_LIB)))}/${basename(process.env.BENCH_LIB)}/`]
    : []),
];
const isLibKey = (key) => LIB_KEY_MARKERS.some((marker) => key.includes(marker));

/** Which package (or part of the runtime) a call frame belongs to. */
function categoryOf(frame) {
  const { url, functionName } = frame;
  if (url === '' || url === undefined) {
    if (functionName === '(garbage collector)') return '(gc)';
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(program)') return '(program)';
    return '(native)';
  }
  if (LIB_MARKERS.some((marker) => url.includes(marker))) return 'nest-cors (dist/lib)';
  if (url.startsWith('node:')) return 'node core';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.includes('/bench/')) return 'bench harness';
  return url;
}

function frameKey(frame) {
  const file = frame.url ? frame.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|dist|bench)\//, '$1/') : '';
  return `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
}

/**
 * @returns {{ totalMs, busyMs, self: [key, ms][], inclusive: [key, ms][], categories: [name, ms][], libInclusiveMs }}
 */
export function summarizeProfile(path, { top = 25, grep } = {}) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const selfMs = new Map();
  const inclusiveMs = new Map();
  const categoryMs = new Map();
  let totalMs = 0;
  let idleMs = 0;
  let libInclusiveMs = 0;
  const add = (map, key, ms) => map.set(key, (map.get(key) ?? 0) + ms);

  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i + 1] is how long sample i lasted (the next sample's delta).
    const ms = (timeDeltas[i + 1] ?? timeDeltas[i] ?? 0) / 1000;
    totalMs += ms;
    const leaf = nodes.get(samples[i]);
    if (leaf.callFrame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    add(selfMs, frameKey(leaf.callFrame), ms);
    add(categoryMs, categoryOf(leaf.callFrame), ms);
    const seen = new Set();
    let inLib = false;
    for (let id = samples[i]; id !== undefined; id = parent.get(id)) {
      const frame = nodes.get(id).callFrame;
      const key = frameKey(frame);
      if (!seen.has(key)) {
        seen.add(key);
        add(inclusiveMs, key, ms);
      }
      if (frame.url !== undefined && LIB_MARKERS.some((marker) => frame.url.includes(marker))) inLib = true;
    }
    if (inLib) libInclusiveMs += ms;
  }
  const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]);
  return {
    totalMs,
    busyMs: totalMs - idleMs,
    self: sorted(selfMs).slice(0, top),
    inclusive: sorted(inclusiveMs)
      .filter(([key]) => !key.startsWith('(root)'))
      .slice(0, top),
    libSelf: sorted(selfMs).filter(([key]) => isLibKey(key)),
    libInclusive: sorted(inclusiveMs)
      .filter(([key]) => isLibKey(key))
      .slice(0, top),
    categories: sorted(categoryMs),
    libInclusiveMs,
    grep: grep
      ? sorted(inclusiveMs)
          .filter(([key]) => grep.test(key))
          .slice(0, top)
      : [],
  };
}

export function formatSummary(path, summary) {
  const pct = (ms) => `${((100 * ms) / summary.busyMs).toFixed(1).padStart(5)}%`;
  const lines = [];
  lines.push(
    `== ${basename(path)}: ${(summary.busyMs / 1000).toFixed(2)} s busy of ${(summary.totalMs / 1000).toFixed(2)} s sampled`,
  );
  lines.push(`   under nest-cors code (inclusive): ${pct(summary.libInclusiveMs)} of busy time`);
  lines.push('   self time by package:');
  for (const [name, ms] of summary.categories.slice(0, 12)) lines.push(`     ${pct(ms)}  ${name}`);
  lines.push('   nest-cors functions, inclusive:');
  for (const [key, ms] of summary.libInclusive) lines.push(`     ${pct(ms)}  ${key}`);
  lines.push('   nest-cors functions, self:');
  for (const [key, ms] of summary.libSelf.slice(0, 15)) lines.push(`     ${pct(ms)}  ${key}`);
  if (summary.grep.length) {
    lines.push('   matching functions, inclusive:');
    for (const [key, ms] of summary.grep) lines.push(`     ${pct(ms)}  ${key}`);
  }
  lines.push('   top self time:');
  for (const [key, ms] of summary.self) lines.push(`     ${pct(ms)}  ${key}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt === -1 ? 25 : Number(args.splice(topAt, 2)[1]);
  const grepAt = args.indexOf('--grep');
  const grep = grepAt === -1 ? undefined : new RegExp(args.splice(grepAt, 2)[1]);
  if (args.length === 0) {
    console.error('usage: node bench/profile-summary.mjs <file.cpuprofile>... [--top N] [--grep REGEXP]');
    process.exit(2);
  }
  for (const path of args) console.log(formatSummary(path, summarizeProfile(path, { top, grep })));
}
