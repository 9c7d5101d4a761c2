/**
 * The CPU pool on onnxruntime-node (the app's and the CLI's default where it is installed,
 * as it is with the app): every score function under every normaliser, with a mask of each
 * kind, within SPEC §5 tolerances of the float64 reference, and of the wasm build's numbers
 * on the same tiles; at 12 heads × 2,048 tokens; closing while tiles run (which would abort
 * the process if a native run were terminated); `backend: "wasm"` beside it; and the feeds
 * on shared memory the addon refuses, copied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineRouter } from '../../src-main/engine/router';
import { CpuPool, resolveRuntime, wasmPoolBeside } from '../../src-main/engine/pool';
import { loadNativeOrt, nativeInstalled, nativeTensor } from '../../src-main/engine/ort-native';
import { runProblemSingleThreaded } from '../../src-main/engine/tile-runner';
import type { AttentionProblem, NormalizerId } from '../../src-shared/job/problem';
import { matrix } from '../../src-shared/linalg/matrix';
import { gaussianMatrix } from '../../src-shared/random';
import { referenceAttention } from '../../src-shared/reference';
import { ALL_OUTPUTS, MASKS, METRICS, NORMALIZERS, expectMatchesReference, makeProblem, metricUnder, type Shape } from '../graph/helpers';

let pool: CpuPool;
beforeAll(() => {
  pool = new CpuPool({ workers: 2, threadsPerWorker: 1, budgetBytes: 64 * 1024 });
});
afterAll(async () => {
  await pool?.close();
});

const shape: Shape = { heads: 2, Tq: 19, Tk: 23, dq: 4, dk: 4, dv: 3 };

describe('the CPU pool on onnxruntime-node', () => {
  it('is what this checkout runs: onnxruntime-node is installed and its addon loads', () => {
    expect(nativeInstalled()).toBe(true);
    expect('ort' in loadNativeOrt()).toBe(true);
    expect(resolveRuntime()).toBe('native');
    expect(pool.runtime).toBe('native');
  });

  // every score function (under its kernel where the normaliser needs one) × every normaliser, masks in turn
  const cases = METRICS.flatMap((metric, i) => NORMALIZERS.map((normalizer, j) => [metric, normalizer, MASKS[(i + j) % MASKS.length]] as const));
  it.each(cases)('%s, %s, mask %s: the reference’s numbers, and wasm’s on the same tiles', { timeout: 60_000 }, async (metric, normalizer, mask) => {
    const problem: AttentionProblem = makeProblem({
      shape,
      metric: metricUnder(normalizer as NormalizerId, metric, shape, 7),
      masks: [mask],
      normalizer: normalizer as NormalizerId,
      outputs: ALL_OUTPUTS,
      topk: 3,
      overview: { rows: 4, cols: 5, pool: 'mean' },
      seed: 11,
    });
    let native;
    try {
      native = await pool.run(problem);
    } catch (err) {
      // a job the engine refuses (a kernel's negative score) is refused by both builds alike
      await expect(runProblemSingleThreaded(problem)).rejects.toThrow((err as Error).message);
      return;
    }
    expect(native.backend).toMatch(/^native CPU \(2 workers × 1 thread\)$/);
    const ref = referenceAttention(problem);
    expectMatchesReference(problem, native, ref);
    // the wasm build, one thread, its own tiles: the two builds agree as each agrees with the reference
    const wasm = await runProblemSingleThreaded(problem);
    expectMatchesReference(problem, wasm, ref);
  });

  it('12 heads × 2,048 tokens (causal dot): the reference’s weights and entropy', { timeout: 180_000 }, async () => {
    const H = 12;
    const T = 2048;
    const d = 64;
    const x = matrix(T, H * d, Float32Array.from(gaussianMatrix(3, 'native-2048', T, H * d, 1)));
    const problem: AttentionProblem = {
      heads: H,
      q: x,
      k: x,
      v: x,
      metric: { id: 'dot', c: 1 / 8 },
      masks: [{ id: 'causal', offset: 0 }],
      normalizer: 'softmax',
      outputs: ['weights', 'entropy', 'argmax'],
      topk: 0,
      tokens: { queries: null, keys: null },
    };
    const big = new CpuPool({ workers: 2, threadsPerWorker: 1 });
    try {
      const r = await big.run(problem);
      expect(r.backend).toMatch(/^native CPU/);
      const ref = referenceAttention(problem);
      let worstWeight = 0;
      for (let i = 0; i < ref.weights.length; i++) worstWeight = Math.max(worstWeight, Math.abs(r.weights![i] - ref.weights[i]));
      let worstEntropy = 0;
      for (let i = 0; i < ref.entropy.length; i++) worstEntropy = Math.max(worstEntropy, Math.abs(r.entropy[i] - ref.entropy[i]));
      expect(worstWeight).toBeLessThan(1e-5);
      expect(worstEntropy).toBeLessThan(1e-4);
      expect(Array.from(r.argmax.subarray(0, 64))).toEqual(Array.from(ref.argmax.subarray(0, 64)));
      big.release(r);
    } finally {
      await big.close();
    }
  });

  it('closing while tiles run lets them finish first: the job fails saying so, close resolves, this process lives on', { timeout: 120_000 }, async () => {
    const T = 4096;
    const x = matrix(T, 16, Float32Array.from(gaussianMatrix(4, 'native-close', T, 16, 1)));
    const problem: AttentionProblem = {
      heads: 1,
      q: x,
      k: x,
      v: x,
      metric: { id: 'dot', c: 0.25 },
      masks: [],
      normalizer: 'softmax',
      outputs: ['entropy'],
      topk: 0,
      tokens: { queries: null, keys: null },
    };
    const closing = new CpuPool({ workers: 2, threadsPerWorker: 1, budgetBytes: 2 ** 20 });
    let closed: Promise<void> | null = null;
    const running = closing.run(problem, { onProgress: (e) => e.tilesDone === 1 && (closed ??= closing.close()) });
    await expect(running).rejects.toThrow(/the engine was shut down/);
    await closed;
    // still here, and a new pool runs
    const again = new CpuPool({ workers: 1, threadsPerWorker: 1, warmUp: false });
    try {
      const small = makeProblem({ shape, metric: 'cosine', outputs: ['weights', 'entropy'] });
      expectMatchesReference(small, await again.run(small));
    } finally {
      await again.close();
    }
  });

  it('backend "wasm" runs on a wasm pool beside it, started by the first such job; "cpu" and auto on the native pool', { timeout: 60_000 }, async () => {
    const beside = wasmPoolBeside({ workers: 1, threadsPerWorker: 1 });
    expect(beside).not.toBeNull();
    expect(wasmPoolBeside({ runtime: 'wasm' })).toBeNull();
    const router = new EngineRouter(pool, null, null, beside);
    const problem = makeProblem({ shape, metric: 'rbf', masks: ['causal'], outputs: ['weights', 'entropy'] });
    const wasm = await router.run({ ...problem, backend: 'wasm' });
    const cpu = await router.run({ ...problem, backend: 'cpu' });
    const auto = await router.run(problem);
    expect(wasm.backend).toBe('wasm (1 worker × 1 thread)');
    expect(cpu.backend).toMatch(/^native CPU/);
    expect(auto.backend).toMatch(/^native CPU/);
    expect(router.describe()).toBe('native CPU');
    for (const r of [wasm, cpu, auto]) expectMatchesReference(problem, r);
    await beside!.close();
  });

  it('copies feeds on shared memory (the addon refuses them), and passes others as they are', () => {
    const loaded = loadNativeOrt();
    if (!('ort' in loaded)) throw new Error(loaded.error);
    const shared = new Float32Array(new SharedArrayBuffer(6 * 4));
    shared.set([1, 2, 3, 4, 5, 6]);
    const view = shared.subarray(2, 6);
    const t = nativeTensor(loaded.ort, { type: 'float32', data: view, dims: [2, 2] });
    const data = t.data as Float32Array;
    expect(data.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(data)).toEqual([3, 4, 5, 6]);
    const plain = new Float32Array([7, 8]);
    expect(nativeTensor(loaded.ort, { type: 'float32', data: plain, dims: [2] }).data).toBe(plain);
  });

  it('a wasm-only fault hook says so on a native pool instead of aborting the process', async () => {
    await expect(pool.killWorker(0)).rejects.toThrow(/needs a wasm pool/);
  });
});
