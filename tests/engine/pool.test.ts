/**
 * The wasm worker pool with the real onnxruntime-web engine: results match the float64
 * reference, progress is reported, cancellation stops a job, a dead worker fails only its
 * own job, and tiled T = 16384 runs complete without the full T×T matrix.
 */
import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuPool } from '../../src-main/engine/pool';
import { CancelledError, EngineError } from '../../src-main/engine/backend';
import { resolveJob } from '../../src-shared/job/resolve';
import { parseJobSpec, type JobSpec } from '../../src-shared/job/spec';
import { referenceAttention } from '../../src-shared/reference';
import { gaussianMatrix } from '../../src-shared/random';

function gaussianEmbeddings(T: number, d: number, seed: number) {
  const v = gaussianMatrix(seed, 'pool-test', T, d, 1);
  return Array.from({ length: T }, (_, i) => Array.from(v.subarray(i * d, (i + 1) * d)));
}

const problemOf = (spec: JobSpec) => resolveJob(parseJobSpec(spec));

function bigProblem(T: number, d: number, outputs: JobSpec['outputs']) {
  const data = Float32Array.from(gaussianMatrix(5, 'pool-big', T, d, 1));
  const files = new Map([['x', { format: 'test', dtype: 'float32', shape: [T, d], embeddings: { tokens: null, data, T, d } }]]);
  return resolveJob({ embeddings: { path: 'x' }, mask: [{ id: 'causal' }], outputs, overview: { rows: 1024, cols: 1024, pool: 'mean' } }, files);
}

describe('the wasm worker pool', () => {
  let pool: CpuPool;
  beforeAll(() => {
    pool = new CpuPool({ workers: 2, threadsPerWorker: 1, budgetBytes: 4 * 2 ** 20, runtime: 'wasm' });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('gives the float64 reference result, tiled over two workers', async () => {
    const p = problemOf({
      embeddings: { inline: { vectors: gaussianEmbeddings(200, 8, 1) } },
      heads: 2,
      metric: { id: 'rbf', tau: 2 },
      mask: [{ id: 'causal' }],
      outputs: ['weights', 'output', 'entropy'],
    });
    const progress: number[] = [];
    const r = await pool.run(p, { onProgress: (e) => progress.push(e.fraction) });
    const ref = referenceAttention(p);
    expect(r.timing.tiles).toBeGreaterThan(1);
    let maxW = 0;
    for (let i = 0; i < ref.weights.length; i++) maxW = Math.max(maxW, Math.abs(r.weights![i] - ref.weights[i]));
    expect(maxW).toBeLessThan(1e-5);
    for (let i = 0; i < ref.entropy.length; i++) expect(Math.abs(r.entropy[i] - ref.entropy[i])).toBeLessThan(1e-4);
    expect(Array.from(r.argmax)).toEqual(Array.from(ref.argmax));
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('a cancelled job rejects with AbortError and the pool keeps working', async () => {
    const p = bigProblem(2048, 16, ['entropy']);
    const ctl = new AbortController();
    const running = pool.run(p, { signal: ctl.signal, onProgress: () => ctl.abort() });
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    const small = problemOf({
      embeddings: {
        inline: {
          vectors: [
            [1, 0],
            [0, 1],
          ],
        },
      },
    });
    const r = await pool.run(small);
    expect(r.weights!.length).toBe(4);
  });

  it('jobs sharing one signal (as an experiment runs them) leave no abort listener on it once settled', async () => {
    const ctl = new AbortController();
    const p = problemOf({ embeddings: { inline: { vectors: gaussianEmbeddings(16, 4, 3) } }, outputs: ['entropy'] });
    for (let i = 0; i < 12; i++) pool.release(await pool.run(p, { signal: ctl.signal }));
    // a job the engine refuses after the listener was added, and one that fails in a worker
    const negative = problemOf({
      embeddings: {
        inline: {
          vectors: [
            [1, 0],
            [-1, 0],
          ],
        },
      },
      normalizer: 'kernel',
      metric: { id: 'dot', scale: 'none' },
    });
    await expect(pool.run(negative, { signal: ctl.signal })).rejects.toBeInstanceOf(EngineError);
    expect(getEventListeners(ctl.signal, 'abort')).toHaveLength(0);
    // the signal still cancels a job running under it
    const running = pool.run(bigProblem(2048, 16, ['entropy']), { signal: ctl.signal, onProgress: () => ctl.abort() });
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    expect(getEventListeners(ctl.signal, 'abort')).toHaveLength(0);
  });

  it('a worker killed mid-job fails that job with a clear error; other jobs complete', async () => {
    const victim = bigProblem(4096, 16, ['entropy']);
    const running = pool.run(victim, { onProgress: (e) => e.tilesDone === 1 && void pool.killWorker(0) });
    await expect(running).rejects.toBeInstanceOf(EngineError);
    await expect(running).rejects.toThrow(/worker stopped/);
    // the pool replaced the worker: both workers serve the next job
    const p = problemOf({ embeddings: { inline: { vectors: gaussianEmbeddings(300, 4, 2) } }, outputs: ['entropy'] });
    const r = await pool.run(p);
    const ref = referenceAttention(p);
    for (let i = 0; i < 300; i++) expect(Math.abs(r.entropy[i] - ref.entropy[i])).toBeLessThan(1e-4);
  });

  it('runs T = 16384 stats-only without the full T×T matrix', async () => {
    const p = bigProblem(16384, 8, ['entropy', 'output', 'argmax', 'overview']);
    const r = await pool.run(p);
    expect(r.weights).toBeUndefined();
    expect(r.overview!.rows).toBe(1024);
    expect(r.overview!.cols).toBe(1024);
    expect(r.entropy.length).toBe(16384);
    // causal row 0 sees one key: entropy 0, argmax 0; every row's entropy within [0, ln(i+1)]
    expect(r.entropy[0]).toBe(0);
    for (let i = 0; i < 16384; i += 97) expect(r.entropy[i]).toBeLessThanOrEqual(Math.log(i + 1) + 1e-4);
    // each overview row block of a causal mean-pooled matrix sums to (block rows)·1 / (block cols)
    const ov = r.overview!.data;
    let rowSum = 0;
    for (let c = 0; c < 1024; c++) rowSum += ov[5 * 1024 + c];
    expect(rowSum * 16).toBeCloseTo(1, 4);
  }, 120_000);

  it('refuses full weights at T = 16384 with a message that suggests the overview', async () => {
    await expect(pool.run(bigProblem(16384, 4, ['weights']))).rejects.toThrow(/overview/);
  });
});
