// Shared by bench/tools/hook-costs.mjs and bench/tools/hook-costs-express.mjs: how they time a call in a
// hot loop, and the headers S1's policy makes nest-cors write, for the bare comparison.
import { APP_ORIGIN } from '../config.mjs';
import { median, medianInterval } from '../stats.mjs';

/** The four headers of S1 (credentials, one exposed header), as nest-cors writes them. */
export const S1_HEADERS = [
  ['vary', 'Origin'],
  ['access-control-allow-origin', APP_ORIGIN],
  ['access-control-allow-credentials', 'true'],
  ['access-control-expose-headers', 'X-Total-Count'],
];

/** ns per call of `run` over one timed loop of `calls` calls. */
function nsPerCall(run, calls) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) run();
  return Number(process.hrtime.bigint() - start) / calls;
}

/** Median ns per call of `run`, over `rounds` timed loops of `calls` calls after one untimed loop. */
export function medianNsPerCall(run, calls, rounds = 5) {
  for (let i = 0; i < calls; i++) run();
  const samples = [];
  for (let round = 0; round < rounds; round++) samples.push(nsPerCall(run, calls));
  return median(samples);
}

/**
 * Times several calls interleaved: `runs` maps a label to `{ run, reset, calls? }` (`reset` does
 * the part of `run` that is not measured, such as emptying a header object, and is timed alone
 * to be subtracted; `calls`, for a slow run, replaces `calls` for it and its reset). Every round
 * times each run and each reset once, in an order that rotates from round to round, so that
 * whatever else the machine does weighs on them alike. Returns, by label, each round's ns per
 * call of `run` minus that round's ns per call of its `reset`.
 */
export function interleavedNsPerCall(runs, calls, rounds) {
  const loops = [];
  for (const [label, { run, reset, calls: own = calls }] of runs)
    loops.push([label, run, own], [`${label}\0reset`, reset, own]);
  for (const [, run, count] of loops) for (let i = 0; i < count; i++) run();
  const raw = new Map(loops.map(([label]) => [label, []]));
  for (let round = 0; round < rounds; round++)
    for (let k = 0; k < loops.length; k++) {
      const [label, run, count] = loops[(round + k) % loops.length];
      raw.get(label).push(nsPerCall(run, count));
    }
  return new Map(
    [...runs.keys()].map((label) => [label, raw.get(label).map((ns, i) => ns - raw.get(`${label}\0reset`)[i])]),
  );
}

/** `m ns (95 % interval of the median a to b)` of per-round figures. */
export function nsWithInterval(values) {
  const [low, high] = medianInterval(values);
  return `${median(values).toFixed(0).padStart(5)} ns  (median within ${low.toFixed(0)} to ${high.toFixed(0)}, 95 %)`;
}

/** Round by round, `a` minus `b`: a paired difference. */
export function pairedDifference(a, b) {
  return a.map((x, i) => x - b[i]);
}
