/**
 * Small jobs in process (src-main/engine/in-process.ts): an `auto` job of at most
 * IN_PROCESS_MAX_CELLS score cells runs on the float64 reference in this thread, the rest on
 * the pool; `wasm` always on the pool. The two paths give the same numbers: each against the
 * reference and against each other, at SPEC §5's tolerances (tests/graph/helpers.ts), over
 * score functions, masks and normalisers; and they fail the same way.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CpuPool } from '../../src-main/engine/pool';
import { EngineRouter } from '../../src-main/engine/router';
import { IN_PROCESS_MAX_CELLS, InProcessExecutor, fitsInProcess } from '../../src-main/engine/in-process';
import { OnDemandBackend } from '../../src-main/engine/on-demand';
import { CancelledError, type EngineResult } from '../../src-main/engine/backend';
import type { AttentionProblem, NormalizerId } from '../../src-shared/job/problem';
import type { ReferenceResult } from '../../src-shared/reference';
import { matrix } from '../../src-shared/linalg/matrix';
import { ALL_OUTPUTS, expectMatchesReference, makeMetric, makeProblem, metricUnder, type MaskName, type Shape } from '../graph/helpers';

const shape: Shape = { heads: 2, Tq: 5, Tk: 7, dq: 3, dk: 3, dv: 2 };
const IN_PROCESS = 'in-process (float64 reference)';

let poolStarts = 0;
const inProcess = new InProcessExecutor();
const engine = new EngineRouter(new OnDemandBackend('cpu', () => (poolStarts++, new CpuPool({ workers: 1, threadsPerWorker: 1, warmUp: false }))), null, inProcess);
afterAll(() => engine.close());

/** A pool result read as the reference's arrays, so the one SPEC-tolerance check compares the two paths. */
function asReference(r: EngineResult): ReferenceResult {
  const f64 = (a: Float32Array | undefined) => Float64Array.from(a ?? []);
  return {
    ...r,
    scores: f64(r.scores),
    weights: f64(r.weights),
    output: f64(r.output),
    entropy: f64(r.entropy),
    normEntropy: f64(r.normEntropy),
    effective: f64(r.effective),
    maxWeight: f64(r.maxWeight),
    topkWeights: r.topkWeights && f64(r.topkWeights),
    overview: r.overview && { ...r.overview, data: f64(r.overview.data) },
    scanError: r.scanError && Array.from(r.scanError),
  };
}

const cases: [string, MaskName[], NormalizerId][] = [
  ['dot', ['causal'], 'softmax'],
  ['cosine', [], 'softmax'],
  ['rbf', ['padding'], 'softmax'],
  ['laplacian', ['window'], 'sparsemax'],
  ['bilinear', ['segments', 'causal'], 'softmax'],
  ['euclidean', ['custom'], 'sparsemax'],
  ['dot', ['topk'], 'softmax'],
  ['polynomial', ['dilated'], 'kernel'],
];

describe('small jobs in process', () => {
  it('fitsInProcess: whole jobs up to IN_PROCESS_MAX_CELLS score cells (heads × query rows × key rows), never a region', () => {
    const p = (heads: number, Tq: number, Tk: number) => makeProblem({ shape: { heads, Tq, Tk, dq: 1, dk: 1, dv: 1 }, metric: 'dot' });
    expect(fitsInProcess(p(1, 1, IN_PROCESS_MAX_CELLS))).toBe(true);
    expect(fitsInProcess(p(4, 128, IN_PROCESS_MAX_CELLS / 512))).toBe(true);
    expect(fitsInProcess(p(1, 1, IN_PROCESS_MAX_CELLS + 1))).toBe(false);
    expect(fitsInProcess(p(2, 1, IN_PROCESS_MAX_CELLS / 2 + 1))).toBe(false);
    expect(fitsInProcess(p(1, 4, 4), { head: 0, r0: 0, r1: 2 })).toBe(false);
  });

  it.each(cases)('%s %j %s: in process and on the pool, each within SPEC tolerances of the reference and of each other', async (metric, masks, normalizer) => {
    const problem: AttentionProblem = makeProblem({
      shape,
      metric: metricUnder(normalizer, metric as never, shape, 3),
      masks,
      normalizer,
      outputs: ALL_OUTPUTS,
      topk: 3,
      overview: { rows: 2, cols: 3, pool: 'max' },
      seed: 5,
    });
    const small = await inProcess.run(problem);
    const pooled = await engine.run({ ...problem, backend: 'cpu' });
    expect(small.backend).toBe(IN_PROCESS);
    expect(pooled.backend).toMatch(/^native CPU/);
    expectMatchesReference(problem, small);
    expectMatchesReference(problem, pooled);
    expectMatchesReference(problem, small, asReference(pooled));
  });

  it('the toy job without a pool: a small auto job never starts one', async () => {
    const before = poolStarts;
    const fresh = new EngineRouter(new OnDemandBackend('cpu', () => (poolStarts++, new CpuPool({ workers: 1 }))), null, new InProcessExecutor());
    const r = await fresh.run(makeProblem({ shape, metric: 'cosine', outputs: ['weights', 'output', 'entropy'] }));
    await fresh.close();
    expect(r.backend).toBe(IN_PROCESS);
    expect(poolStarts).toBe(before);
  });

  it('small auto jobs run in process while the pool starts, and on the pool once a worker is ready (faster there)', async () => {
    const pool = new CpuPool({ workers: 1, threadsPerWorker: 1, warmUp: false });
    const router = new EngineRouter(pool, null, new InProcessExecutor());
    try {
      const problem = makeProblem({ shape, metric: 'cosine', outputs: ['weights', 'entropy'] });
      expect(pool.ready).toBe(false);
      expect((await router.run(problem)).backend).toBe(IN_PROCESS);
      await pool.run(problem);
      expect(pool.ready).toBe(true);
      expect((await router.run(problem)).backend).toMatch(/^native CPU/);
    } finally {
      await router.close();
    }
  });

  it('a job over the size runs on the pool under auto', async () => {
    const big = makeProblem({ shape: { heads: 1, Tq: 2, Tk: IN_PROCESS_MAX_CELLS / 2 + 1, dq: 1, dk: 1, dv: 1 }, metric: 'dot', outputs: ['entropy'] });
    expect((await engine.run(big)).backend).toMatch(/^native CPU/);
  });

  it("a kernel job with a negative score fails with the pool's message, naming the same first negative", async () => {
    const problem = makeProblem({ shape, metric: makeMetric('polynomial', shape, 4, { p: 3 }), normalizer: 'kernel', outputs: ['weights'] });
    const message = (backend: 'auto' | 'wasm') =>
      (backend === 'auto' ? inProcess : engine).run({ ...problem, backend }).then(
        () => 'no error',
        (e: Error) => e.message,
      );
    // the same head, row and column; the score as each computed it (float64 here, float32 there)
    const parts = (m: string) => /^(the kernel normaliser needs non-negative scores, but head \d+, row \d+, column \d+ has score) (\S+) (\(.*)$/.exec(m);
    const [pooled, small] = [parts(await message('wasm')), parts(await message('auto'))];
    expect(pooled).not.toBeNull();
    expect([small?.[1], small?.[3]]).toEqual([pooled![1], pooled![3]]);
    expect(Number(small![2])).toBeCloseTo(Number(pooled![2]), 5);
  });

  it('scores beyond float32 fail in process as they do on the pool, even when no score is asked for', async () => {
    const big = matrix(2, 2, Float32Array.from([1e20, 1e20, 1e20, -1e20]));
    const problem: AttentionProblem = {
      ...makeProblem({ shape: { heads: 1, Tq: 2, Tk: 2, dq: 2, dk: 2, dv: 2 }, metric: 'dot', outputs: ['weights', 'entropy'] }),
      q: big,
      k: big,
      v: big,
    };
    const message = (backend: 'auto' | 'wasm') =>
      (backend === 'auto' ? inProcess : engine).run({ ...problem, backend }).then(
        () => 'no error',
        (e: Error) => e.message,
      );
    const pooled = await message('wasm');
    expect(pooled).toMatch(/overflow float32/);
    expect(await message('auto')).toBe(pooled);
  });

  it('a job cancelled before its turn rejects, and the next one runs', async () => {
    const problem = makeProblem({ shape, metric: 'dot', outputs: ['weights'] });
    const abort = new AbortController();
    const cancelled = engine.run(problem, { signal: abort.signal });
    abort.abort();
    await expect(cancelled).rejects.toBeInstanceOf(CancelledError);
    expectMatchesReference(problem, await engine.run(problem));
  });
});
