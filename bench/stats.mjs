// Order statistics shared by bench/pipeline-costs.mjs and bench/server-costs.mjs: medians and
// quartiles of per-batch figures, and how sure a median of paired differences is.

/** The nearest-rank `q`-quantile of `values`. */
export function quantile(values, q) {
  return [...values].sort((a, b) => a - b)[Math.max(0, Math.ceil(q * values.length) - 1)];
}

/** The nearest-rank median (the lower middle value of an even count). */
export function median(values) {
  return quantile(values, 0.5);
}

/** `median m, middle half a to b`, each to `digits` decimals. */
export function spread(values, digits) {
  return `median ${median(values).toFixed(digits)}, middle half ${quantile(values, 0.25).toFixed(digits)} to ${quantile(values, 0.75).toFixed(digits)}`;
}

/**
 * A 95 % percentile-bootstrap interval of the median of `values`: 2,000 resamples from a fixed
 * seed, so that the same figures always give the same interval.
 */
export function medianInterval(values, resamples = 2000) {
  let seed = 0x9e3779b9;
  // mulberry32: small, seeded, good enough to draw indices.
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const medians = [];
  const sample = new Array(values.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < values.length; i++) sample[i] = values[Math.floor(random() * values.length)];
    medians.push(median(sample));
  }
  return [quantile(medians, 0.025), quantile(medians, 0.975)];
}
