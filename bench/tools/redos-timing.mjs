// Times every RegExp origin the validator accepts against hostile origins of up to
// MAX_ORIGIN_LENGTH (300) characters, the longest any RegExp is ever run on, and shows what the
// refused ones cost on far shorter input. The unit tests assert the checker's verdicts only
// (test/unit/validate.spec.ts); timings belong here, where a slow machine fails no build.
//
//   npm run build && node bench/tools/redos-timing.mjs [--runs=N]
//
// Exit code 1 when an accepted RegExp takes 1 ms or more on one origin.
import { performance } from 'node:perf_hooks';
import { MAX_ORIGIN_LENGTH } from '../../dist/lib/policy/serialized-origin.js';
import { PolicyValidator } from '../../dist/lib/policy/validate.js';

const RUNS = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 20);
const LIMIT_MS = 1;

/** Accepted by the validator: the documented kinds and every RegExp of the tests, sample and benchmarks. */
const ACCEPTED = [
  /^https:\/\/[a-z]+\.example\.com$/,
  /^https:\/\/[a-z0-9-]+\.example\.com$/,
  /^https:\/\/app\.example\.com$/i,
  /^https:\/\/(?:[a-z0-9-]+\.)*partner\.example\.com(?::\d+)?$/,
  /^https:\/\/(?:[a-z0-9-]+\.)+partner\.example\.com$/,
  /^https:\/\/(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+partner\.example\.com$/,
  /^https:\/\/([a-z0-9-]+)\.tenants\.example\.net$/,
  /^https?:\/\/localhost:\d+$/,
  /^https:\/\/.+\.example\.org$/,
  /^https:\/\/.+$/,
  /^https:\/\/preview-[0-9]+\.example\.org$/,
  /^https:\/\/STAGING\.example\.org$/i,
  /^https:\/\/[a-z.]+\.example\.com$/i,
  /^[a-z0-9_ ]+:\/\/.+$/i,
  /^https:\/\/(?<tenant>[a-z]+)\.grouped\.example\.com$/,
  /^https:\/\/([a-z]+)-\1\.example\.com$/,
  /^https:\/\/(?<t>[a-z]+)\.\k<t>\.example\.net$/,
  /^https:\/\/(?:[a-z0-9-]+\.)*example\.(?:com|org|net)$/,
  /^(?:wss|https):\/\/[^.]+\.example\.com:8443$/,
  /^[a-z+.-]+:\/\/[^.]+\..+$/,
  /^[a-z+.-]+:\/\/.+$/u,
];

/** Refused by the validator; timed on origins of at most 38 characters only. */
const REFUSED = [
  /^https:\/\/(a+)+\.example\.com$/,
  /^https:\/\/(a|aa)+\.example\.com$/,
  /^https:\/\/([a-z0-9-]+)*\.example\.com$/,
  /^https:\/\/(\w+\.?)+example\.com$/,
  /^https:\/\/.*example.*$/,
  /^[a-z+.-]+:\/\/.+\..+$/,
];

const PREFIXES = ['https://', 'http://', 'https://a.', 'wss://', ''];
const UNITS = [
  'a',
  '0',
  '-',
  '.',
  'a.',
  'a-',
  '0.',
  'ab',
  'example',
  'example.',
  'a.example.',
  'partner.',
  '://',
  ':',
  'https://',
  'aa.',
];
const SUFFIXES = ['', '!', '.', '-', ':', 'A', '.example.co', '.example.com.evil', ':99999', '\n'];

/** Origins of exactly `length` characters (or less, with a suffix that does not fit): prefix, a pumped unit, a suffix. */
function hostileOrigins(length) {
  const origins = new Set();
  for (const prefix of PREFIXES) {
    for (const unit of UNITS) {
      for (const suffix of SUFFIXES) {
        const room = length - prefix.length - suffix.length;
        if (room < unit.length) continue;
        const pump = unit.repeat(Math.ceil(room / unit.length)).slice(0, room);
        origins.add(prefix + pump + suffix);
      }
    }
  }
  return [...origins];
}

/** The slowest single `test()` of `regexp` over `origins`, in ms (best of RUNS per origin, so noise does not count). */
function worst(regexp, origins, runs) {
  const copy = new RegExp(regexp.source, regexp.flags);
  copy.test('https://warm.up'); // compiles it: the first test() of a RegExp pays for that
  let slowest = 0;
  let slowestOrigin = '';
  for (const origin of origins) {
    let best = Infinity;
    for (let r = 0; r < runs; r++) {
      const start = performance.now();
      copy.test(origin);
      best = Math.min(best, performance.now() - start);
    }
    if (best > slowest) [slowest, slowestOrigin] = [best, origin];
  }
  return { slowest, slowestOrigin };
}

function verdict(regexp) {
  const start = performance.now();
  const { problems } = new PolicyValidator().validate({ origins: [regexp] }, 'redos-timing', { requireOrigins: true });
  return { accepted: problems.length === 0, checkMs: performance.now() - start, problems };
}

let failed = false;
const long = hostileOrigins(MAX_ORIGIN_LENGTH);
console.log(
  `accepted RegExps, ${long.length} hostile origins of ${MAX_ORIGIN_LENGTH} characters, best of ${RUNS} runs each:`,
);
for (const regexp of ACCEPTED) {
  const { accepted, checkMs, problems } = verdict(regexp);
  if (!accepted) {
    failed = true;
    console.log(`  REFUSED (expected accepted) ${regexp}: ${problems.map((p) => p.message).join('; ')}`);
    continue;
  }
  const { slowest, slowestOrigin } = worst(regexp, long, RUNS);
  const over = slowest >= LIMIT_MS;
  failed ||= over;
  console.log(
    `  ${over ? 'SLOW' : 'ok  '} ${slowest.toFixed(4).padStart(9)} ms  check ${checkMs.toFixed(1).padStart(6)} ms  ${regexp}${over ? `  on ${JSON.stringify(slowestOrigin)}` : ''}`,
  );
}

const short = [30, 34, 38].flatMap(hostileOrigins);
console.log(`\nrefused RegExps, ${short.length} hostile origins of 30 to 38 characters, 1 run each:`);
for (const regexp of REFUSED) {
  const { accepted, checkMs } = verdict(regexp);
  if (accepted) failed = true;
  const { slowest, slowestOrigin } = worst(regexp, short, 1);
  console.log(
    `  ${accepted ? 'ACCEPTED (expected refused)' : 'refused'} ${slowest.toFixed(3).padStart(9)} ms  check ${checkMs.toFixed(1).padStart(6)} ms  ${regexp} on ${JSON.stringify(slowestOrigin)}`,
  );
}
process.exitCode = failed ? 1 : 0;
