// What a hit in an origin callback's verdict cache (`originsCache`,
// lib/policy/origin-verdict-cache.ts) costs, and what the design's two choices on that path
// weigh: recency kept the CLOCK way (a flag written on a hit) rather than by moving the entry to
// the end of its Map (a delete and a set), and expiry checked on read against
// `performance.now()`. In ns per lookup, in a hot loop (a lower bound), timed interleaved over
// rounds (bench/tools/hot-loop.mjs), for one origin asked over and over and for 1,000 origins
// asked in turn in a full cache of 10,000. Quoted in docs/performance.md.
//
// `OriginVerdictCache` is the library's own (from the build); the other two segments are copies
// of its `VerdictSegment.get` with one change each, written here: they are what was weighed, not
// code the library ships.
//
// Moving to the end is not merely slower in V8 (Node 20): a `Map` keeps a deleted entry in its
// bucket's chain until it next compacts, so one key deleted and set again over and over (one
// busy origin: the common case) lengthens its own chain at every hit, and a hit costs time in
// proportion to the hits since the last compaction, tens of µs in a Map of 10,000 entries.
//
//   npm run build && node bench/tools/verdict-cache-costs.mjs [rounds=21]
//   BENCH_LIB=<dir> node bench/tools/verdict-cache-costs.mjs   (another build: bench/library.mjs)
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { libraryUrl } from '../library.mjs';
import { interleavedNsPerCall, nsWithInterval, pairedDifference } from './hot-loop.mjs';

const libDir = dirname(fileURLToPath(libraryUrl()));
const { OriginVerdictCache } = await import(pathToFileURL(join(libDir, 'policy', 'origin-verdict-cache.js')).href);
const N = 1_000_000;
const ROUNDS = Number(process.argv[2] ?? 21);
const MAX = 10_000;
const TTL = 60_000;
const ALLOWED = Object.freeze({ allowed: true });

/** Origins as a request parser makes them: fresh, flat strings, not the literals of this file. */
const origins = Array.from({ length: MAX }, (_, i) => Buffer.from(`https://tenant-${i}.app.example.org`).toString());

/** `VerdictSegment.get` as the library has it: CLOCK (a flag), expiry on `performance.now()`. */
class ClockSegment {
  entries = new Map();
  get(origin, now) {
    const entry = this.entries.get(origin);
    if (entry === undefined) return undefined;
    if (entry.expires <= now) {
      this.entries.delete(origin);
      return undefined;
    }
    entry.used = true;
    return entry.verdict;
  }
}
/** The same with LRU order kept exactly: a hit moves its entry to the end of the Map. */
class MoveToFrontSegment extends ClockSegment {
  get(origin, now) {
    const entry = this.entries.get(origin);
    if (entry === undefined) return undefined;
    if (entry.expires <= now) {
      this.entries.delete(origin);
      return undefined;
    }
    this.entries.delete(origin);
    this.entries.set(origin, entry);
    return entry.verdict;
  }
}
function filled(Segment) {
  const segment = new Segment();
  const now = performance.now();
  for (const origin of origins) segment.entries.set(origin, { verdict: ALLOWED, expires: now + TTL, used: false });
  return segment;
}

const cache = new OriginVerdictCache({ ttl: TTL, negativeTtl: 5_000, max: MAX });
for (const origin of origins) cache.record(origin, ALLOWED);
const clock = filled(ClockSegment);
const moveToFront = filled(MoveToFrontSegment);
const plain = new Map(origins.map((origin) => [origin, ALLOWED]));

const noop = () => {};
let sink = 0;
const hot = origins[MAX >> 1];
let i = 0;
/** The next of 1,000 origins spread over the cache, in turn. */
const next = () => origins[(i = (i + 7) % 1000) * 10];
const runs = new Map([
  [
    'one origin: OriginVerdictCache.get (the library)',
    { run: () => (sink ^= cache.get(hot) === ALLOWED), reset: noop },
  ],
  [
    'one origin: CLOCK segment, performance.now()',
    { run: () => (sink ^= clock.get(hot, performance.now()) === ALLOWED), reset: noop },
  ],
  ['one origin: CLOCK segment, clock read once', { run: () => (sink ^= clock.get(hot, 0) === ALLOWED), reset: noop }],
  [
    'one origin: move-to-front segment, clock read once',
    // Slow (see the head of this file): fewer calls, over several of the Map's compactions still.
    { run: () => (sink ^= moveToFront.get(hot, 0) === ALLOWED), reset: noop, calls: 20_000 },
  ],
  ['one origin: Map.get alone', { run: () => (sink ^= plain.get(hot) === ALLOWED), reset: noop }],
  ['performance.now() alone', { run: () => (sink ^= performance.now() > 0), reset: noop }],
  [
    '1,000 origins: OriginVerdictCache.get (the library)',
    { run: () => (sink ^= cache.get(next()) === ALLOWED), reset: () => (sink ^= next() === '') },
  ],
  [
    '1,000 origins: CLOCK segment, clock read once',
    { run: () => (sink ^= clock.get(next(), 0) === ALLOWED), reset: () => (sink ^= next() === '') },
  ],
  [
    '1,000 origins: move-to-front segment, clock read once',
    {
      run: () => (sink ^= moveToFront.get(next(), 0) === ALLOWED),
      reset: () => (sink ^= next() === ''),
      calls: 200_000,
    },
  ],
  [
    '1,000 origins: Map.get alone',
    { run: () => (sink ^= plain.get(next()) === ALLOWED), reset: () => (sink ^= next() === '') },
  ],
]);
const ns = interleavedNsPerCall(runs, N, ROUNDS);
if (cache.get(hot) !== ALLOWED || sink === undefined) throw new Error('the cache lost its verdict');

console.log(
  `Node ${process.version}, a verdict-cache hit (10,000 verdicts kept), ${ROUNDS} interleaved rounds of ` +
    `${N.toLocaleString('en')} lookups per case: median over rounds\n`,
);
for (const [label, values] of ns) console.log(`${label.padEnd(56)} ${nsWithInterval(values)}`);
const of = (label) => ns.get(label);
console.log('\nround by round (paired):');
for (const [label, a, b] of [
  [
    'move-to-front − CLOCK, one origin',
    'one origin: move-to-front segment, clock read once',
    'one origin: CLOCK segment, clock read once',
  ],
  [
    'move-to-front − CLOCK, 1,000 origins',
    '1,000 origins: move-to-front segment, clock read once',
    '1,000 origins: CLOCK segment, clock read once',
  ],
  ['CLOCK − Map.get alone, one origin', 'one origin: CLOCK segment, clock read once', 'one origin: Map.get alone'],
])
  console.log(`${label.padEnd(56)} ${nsWithInterval(pairedDifference(of(a), of(b)))}`);
