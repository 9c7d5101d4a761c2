/** Shared pieces of the experiment tests: the float64 reference as a Runner, the real engine, small jobs. */
import { CpuPool } from '../../src-main/engine/pool';
import type { ExperimentContext, ExperimentInput, Runner } from '../../src-shared/experiments';
import type { AttentionResult } from '../../src-shared/job/problem';
import { parseJobSpec, type JobSpec } from '../../src-shared/job/spec';
import { gaussianMatrix } from '../../src-shared/random';
import { referenceAttention } from '../../src-shared/reference';

/**
 * The float64 reference as a Runner. Its arrays stay Float64Array (the experiments read them
 * through the same indexing), so derivation tests see the reference's full precision.
 */
export const referenceRunner: Runner = async (problem) => referenceAttention(problem) as unknown as AttentionResult;

export function referenceContext(extra: Partial<ExperimentContext> = {}): ExperimentContext & { problems: number } {
  const ctx = {
    problems: 0,
    ...extra,
    run: async (...args: Parameters<Runner>) => {
      ctx.problems++;
      return referenceRunner(...args);
    },
  };
  return ctx;
}

/** One small pool per test file (the tests run two files at a time on two cores). */
export function smallPool(): CpuPool {
  return new CpuPool({ workers: 1, threadsPerWorker: 1 });
}

export function engineContext(pool: CpuPool, extra: Partial<ExperimentContext> = {}): ExperimentContext {
  return { run: (problem, signal) => pool.run(problem, { signal }), ...extra };
}

export function inputOf(spec: JobSpec): ExperimentInput {
  return { spec: parseJobSpec(spec), files: new Map() };
}

export function gaussianVectors(T: number, d: number, seed: number, std = 1): number[][] {
  const m = gaussianMatrix(seed, 'experiment-test', T, d, std);
  return Array.from({ length: T }, (_, i) => Array.from(m.subarray(i * d, (i + 1) * d)));
}

/** examples/toy.json: one query near the "a" keys, three "a" keys and three "b" keys in 2-D. */
export const TOY: JobSpec = {
  queries: { inline: { tokens: ['q'], vectors: [[0.8, 0.15]] } },
  keys: {
    inline: {
      tokens: ['a1', 'a2', 'a3', 'b1', 'b2', 'b3'],
      vectors: [
        [0.9, 0.1],
        [1.0, 0.0],
        [0.8, 0.2],
        [0.1, 0.9],
        [0.0, 1.0],
        [0.2, 0.8],
      ],
    },
  },
  metric: { id: 'cosine', tau: 0.5 },
};

/** A small self-attention sequence: T tokens of width d (H heads splitting d). */
export function sequenceJob(T: number, d: number, seed: number, over: Partial<JobSpec> = {}): JobSpec {
  return {
    embeddings: { inline: { tokens: Array.from({ length: T }, (_, i) => `t${i}`), vectors: gaussianVectors(T, d, seed) } },
    ...over,
  };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
