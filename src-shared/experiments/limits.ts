/**
 * The largest experiment the lab accepts, checked by the request schema (src-shared/api/
 * requests.ts), by the CLI and by the experiment functions themselves, so every door refuses
 * the same sizes with the same words.
 */
export const EXPERIMENT_LIMITS = {
  /** scaling: largest vector width */
  maxDim: 65536,
  /** scaling: most tokens (queries = keys = n) */
  maxN: 4096,
  /** scaling: n × dim of one random matrix (2^24 floats = 64 MiB) */
  maxCells: 2 ** 24,
  maxTrials: 100,
  /** dims, taus: list lengths */
  maxList: 64,
  /** compare: score functions at once */
  maxMetrics: 16,
  /** top-k of compare and k-NN */
  maxK: 4096,
  /** decoding: steps */
  maxSteps: 4096,
  /** a τ larger than this is flat to float32 already */
  maxTau: 1e6,
} as const;

/** The first problem with scaling options, as `field: problem`, or null when they fit the limits. */
export function scalingProblem(o: { dims: number[]; n: number; trials: number; seed: number }): string | null {
  const L = EXPERIMENT_LIMITS;
  const whole = (x: number, min: number, max: number) => Number.isInteger(x) && x >= min && x <= max;
  if (!Array.isArray(o.dims) || o.dims.length < 1 || o.dims.length > L.maxList) return `dims: expected 1 to ${L.maxList} widths`;
  const bad = o.dims.findIndex((d) => !whole(d, 1, L.maxDim));
  if (bad >= 0) return `dims.${bad}: expected an integer from 1 to ${L.maxDim}, got ${o.dims[bad]}`;
  if (!whole(o.n, 1, L.maxN)) return `n: expected an integer from 1 to ${L.maxN}, got ${o.n}`;
  if (!whole(o.trials, 1, L.maxTrials)) return `trials: expected an integer from 1 to ${L.maxTrials}, got ${o.trials}`;
  if (!whole(o.seed, 0, 2 ** 32 - 1)) return `seed: expected an integer from 0 to ${2 ** 32 - 1}, got ${o.seed}`;
  const widest = Math.max(...o.dims);
  if (o.n * widest > L.maxCells) return `n: ${o.n} tokens × dim ${widest} is more than the ${L.maxCells} numbers a random matrix may hold (use n ≤ ${Math.floor(L.maxCells / widest)})`;
  return null;
}
