/**
 * The largest experiment the lab accepts, read by the modules' option schemas (and so by the
 * IPC check, the CLI and the app's form) and by the run functions themselves, so every door
 * refuses the same sizes with the same words.
 */
export const EXPERIMENT_LIMITS = {
  /** largest random vector width */
  maxDim: 65536,
  /** most random tokens (queries = keys = n) */
  maxN: 4096,
  /** n × dim of one random matrix (2^24 floats = 64 MiB) */
  maxCells: 2 ** 24,
  maxTrials: 100,
  /** lists of widths or temperatures: their lengths */
  maxList: 64,
  /** score functions side by side */
  maxMetrics: 16,
  /** top-k of a row */
  maxK: 4096,
  /** steps of a step-by-step run */
  maxSteps: 4096,
  /** a τ larger than this is flat to float32 already */
  maxTau: 1e6,
} as const;
