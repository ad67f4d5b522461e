// Shared by bench/tools/hook-costs.mjs and bench/tools/hook-costs-express.mjs: how they time a call in a
// hot loop, and the headers S1's policy makes nest-cors write, for the bare comparison.
import { APP_ORIGIN } from '../config.mjs';

/** The four headers of S1 (credentials, one exposed header), as nest-cors writes them. */
export const S1_HEADERS = [
  ['vary', 'Origin'],
  ['access-control-allow-origin', APP_ORIGIN],
  ['access-control-allow-credentials', 'true'],
  ['access-control-expose-headers', 'X-Total-Count'],
];

/** Median ns per call of `run`, over `rounds` timed loops of `calls` calls after one untimed loop. */
export function medianNsPerCall(run, calls, rounds = 5) {
  for (let i = 0; i < calls; i++) run();
  const samples = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) run();
    samples.push(Number(process.hrtime.bigint() - start) / calls);
  }
  return samples.sort((a, b) => a - b)[rounds >> 1];
}
