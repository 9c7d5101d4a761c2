/**
 * The WebGPU backend's main side and the router, against an in-process compute page
 * (tests/engine/in-process-compute.ts: the real ComputeHost, onnxruntime's wasm build in
 * place of its WebGPU build): tiling and assembly give the reference's numbers, regions,
 * progress, cancellation, a lost device or crashed page fails over to wasm and is
 * replaced, no adapter is an error that says so, and `auto` picks as documented.
 * WebGPU's own arithmetic is compared with wasm in Chromium: tests/e2e/webgpu.e2e.ts.
 */
import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebGpuBackend } from '../../src-main/engine/gpu-backend';
import { EngineRouter, autoBackend, AUTO_WEBGPU_MIN_CELLS } from '../../src-main/engine/router';
import { CpuPool } from '../../src-main/engine/pool';
import { BackendLostError, CancelledError, EngineError } from '../../src-main/engine/backend';
import { resolveJob } from '../../src-shared/job/resolve';
import { parseJobSpec, type JobSpec } from '../../src-shared/job/spec';
import { referenceAttention } from '../../src-shared/reference';
import { gaussianMatrix } from '../../src-shared/random';
import type { AttentionProblem } from '../../src-shared/job/problem';
import { fakePages } from './in-process-compute';

const vectors = (T: number, d: number, seed: number) => {
  const v = gaussianMatrix(seed, 'gpu-backend-test', T, d, 1);
  return Array.from({ length: T }, (_, i) => Array.from(v.subarray(i * d, (i + 1) * d)));
};
const problemOf = (spec: JobSpec) => resolveJob(parseJobSpec(spec));

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) {
      if (a[i] !== b[i]) return Infinity;
      continue;
    }
    m = Math.max(m, Math.abs(a[i] - b[i]));
  }
  return m;
}

const causalRbf = (T = 120): AttentionProblem =>
  problemOf({
    embeddings: { inline: { vectors: vectors(T, 8, 1) } },
    heads: 2,
    metric: { id: 'rbf', tau: 2 },
    mask: [{ id: 'causal' }],
    outputs: ['scores', 'weights', 'output', 'entropy', 'topk'],
    topk: 3,
  });

describe('the WebGPU backend (main side, in-process page)', () => {
  let pool: CpuPool;
  beforeAll(() => {
    pool = new CpuPool({ workers: 1, threadsPerWorker: 1, warmUp: false });
  });
  afterAll(() => pool.close());

  it('tiles, runs on the page and assembles the reference result, with progress', async () => {
    const pages = fakePages();
    const gpu = new WebGpuBackend(pages.connect, { budgetBytes: 64 * 1024 });
    try {
      const p = causalRbf();
      const progress: number[] = [];
      const r = await gpu.run(p, { onProgress: (e) => progress.push(e.fraction) });
      const ref = referenceAttention(p);
      expect(r.backend).toBe('webgpu (test in-process)');
      expect(r.timing.tiles).toBeGreaterThan(2);
      expect(maxDiff(r.weights!, ref.weights)).toBeLessThan(1e-5);
      expect(maxDiff(r.entropy, ref.entropy)).toBeLessThan(1e-4);
      expect(Array.from(r.argmax)).toEqual(Array.from(ref.argmax));
      expect(Array.from(r.topkIndices!)).toEqual(Array.from(ref.topkIndices!));
      expect(progress.at(-1)).toBe(1);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(gpu.status).toBe('ready');
    } finally {
      await gpu.close();
    }
  });

  it('computes a region (rows of one head, every key) equal to those rows of the whole job, on both backends', async () => {
    const pages = fakePages();
    const gpu = new WebGpuBackend(pages.connect, { budgetBytes: 32 * 1024 });
    try {
      const p = { ...causalRbf(), outputs: ['scores', 'weights'] as AttentionProblem['outputs'] };
      const ref = referenceAttention(p);
      const region = { head: 1, r0: 37, r1: 101 };
      const Tk = p.k.rows;
      const want = ref.weights.subarray((1 * p.q.rows + 37) * Tk, (1 * p.q.rows + 101) * Tk);
      const wantScores = ref.scores.subarray((1 * p.q.rows + 37) * Tk, (1 * p.q.rows + 101) * Tk);
      for (const backend of [gpu, pool]) {
        const r = await backend.run(p, { region });
        expect([r.heads, r.Tq, r.Tk]).toEqual([1, 64, Tk]);
        expect(maxDiff(r.weights!, want)).toBeLessThan(1e-5);
        expect(
          maxDiff(
            r.scores!.map((s, i) => (Number.isFinite(s) ? s / Math.max(1, Math.abs(wantScores[i])) : s)),
            wantScores.map((s) => (Number.isFinite(s) ? s / Math.max(1, Math.abs(s)) : s)),
          ),
        ).toBeLessThan(1e-4);
        expect(Array.from(r.argmax)).toEqual(Array.from(ref.argmax.subarray(p.q.rows + 37, p.q.rows + 101)));
      }
      await expect(gpu.run(p, { region: { head: 2, r0: 0, r1: 1 } })).rejects.toThrow(/head 2 is not one of the 2 heads/);
      await expect(pool.run(p, { region: { head: 0, r0: 5, r1: 5 } })).rejects.toThrow(/not a non-empty range/);
    } finally {
      await gpu.close();
    }
  });

  it('euclidean without float64 (the graph WebGPU gets) keeps SPEC §5 accuracy on self-attention', async () => {
    const gpu = new WebGpuBackend(fakePages().connect);
    try {
      // |x| ≤ 10, d = 256, k = q: exact zeros on the diagonal, where the float32 MatMul form fails
      const x = gaussianMatrix(7, 'euclidean-f32', 40, 256, 3).map((v) => Math.max(-10, Math.min(10, v)));
      const rows = Array.from({ length: 40 }, (_, i) => Array.from(x.subarray(i * 256, (i + 1) * 256)));
      const p = problemOf({ embeddings: { inline: { vectors: rows } }, metric: { id: 'euclidean', tau: 0.5 }, outputs: ['weights', 'output', 'entropy'] });
      const r = await gpu.run(p);
      const ref = referenceAttention(p);
      expect(maxDiff(r.weights!, ref.weights)).toBeLessThan(1e-5);
      expect(maxDiff(r.entropy, ref.entropy)).toBeLessThan(1e-4);
    } finally {
      await gpu.close();
    }
  });

  it('names the first negative score of a kernel job, as the reference does', async () => {
    const gpu = new WebGpuBackend(fakePages().connect, { budgetBytes: 16 * 1024 });
    try {
      const p = problemOf({ embeddings: { inline: { vectors: vectors(60, 4, 3) } }, metric: { id: 'polynomial', p: 3 }, normalizer: 'kernel', outputs: ['entropy'] });
      let message = '';
      try {
        referenceAttention(p);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/non-negative/);
      // the same entry as the reference names (the score itself is float32 here, float64 there)
      await expect(gpu.run(p)).rejects.toThrow(/^the kernel normaliser needs non-negative scores, but head \d+, row \d+, column \d+/);
      const where = (m: string) => /head \d+, row \d+, column \d+/.exec(m)![0];
      await gpu.run(p).catch((e: Error) => expect(where(e.message)).toBe(where(message)));
    } finally {
      await gpu.close();
    }
  });

  it('a cancelled job stops being sent to the page and rejects with AbortError; the next job runs', async () => {
    const sent: string[] = [];
    const pages = fakePages({ onPost: (m) => sent.push(m.type) });
    const gpu = new WebGpuBackend(pages.connect, { budgetBytes: 16 * 1024, maxInFlight: 1 });
    try {
      const ctl = new AbortController();
      const running = gpu.run(causalRbf(200), { signal: ctl.signal, onProgress: (e) => e.tilesDone === 2 && ctl.abort() });
      await expect(running).rejects.toBeInstanceOf(CancelledError);
      const tilesSent = sent.filter((t) => t === 'tile').length;
      expect(tilesSent).toBeLessThan(6);
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
      expect((await gpu.run(small)).weights!.length).toBe(4);
      expect(sent).toContain('drop');
    } finally {
      await gpu.close();
    }
  });

  it('jobs sharing one signal leave no abort listener on it once settled', async () => {
    const gpu = new WebGpuBackend(fakePages().connect, { budgetBytes: 16 * 1024 });
    try {
      const ctl = new AbortController();
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
      for (let i = 0; i < 12; i++) gpu.release(await gpu.run(small, { signal: ctl.signal }));
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
      await expect(gpu.run(negative, { signal: ctl.signal })).rejects.toBeInstanceOf(EngineError);
      expect(getEventListeners(ctl.signal, 'abort')).toHaveLength(0);
      const running = gpu.run(causalRbf(200), { signal: ctl.signal, onProgress: () => ctl.abort() });
      await expect(running).rejects.toBeInstanceOf(CancelledError);
      expect(getEventListeners(ctl.signal, 'abort')).toHaveLength(0);
    } finally {
      await gpu.close();
    }
  });

  it('a lost device fails the job with BackendLostError and the page is replaced', async () => {
    const pages = fakePages();
    const gpu = new WebGpuBackend(pages.connect, { budgetBytes: 16 * 1024, maxInFlight: 1 });
    try {
      const running = gpu.run(causalRbf(200), { onProgress: (e) => e.tilesDone === 1 && gpu.loseDevice() });
      await expect(running).rejects.toBeInstanceOf(BackendLostError);
      await expect(running).rejects.toThrow(/GPU device was lost \(destroyed/);
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
      const r = await gpu.run(small);
      expect(r.backend).toMatch(/^webgpu/);
      expect(pages.pages.length).toBe(2);
      expect(pages.pages[0].closed).toBe(true);
    } finally {
      await gpu.close();
    }
  });

  it('the router retries a job on the CPU pool when WebGPU is lost under it (device lost, page crash)', async () => {
    const pages = fakePages();
    const gpu = new WebGpuBackend(pages.connect, { budgetBytes: 16 * 1024, maxInFlight: 1 });
    const router = new EngineRouter(pool, gpu);
    try {
      const p = { ...causalRbf(200), backend: 'webgpu' as const };
      const ref = referenceAttention(p);
      let lose = true;
      const lost = await router.run(p, {
        onProgress: (e) => {
          if (lose && e.tilesDone === 1) gpu.loseDevice();
          lose = false;
        },
      });
      expect(lost.backend).toMatch(/^(native CPU|wasm) .*after WebGPU failed \(the GPU device was lost/);
      expect(maxDiff(lost.weights!, ref.weights)).toBeLessThan(1e-5);
      let crashed = false;
      const crash = await router.run(p, {
        onProgress: (e) => {
          if (!crashed && e.tilesDone === 1 && e.tiles > 2 && pages.pages.length === 2) {
            crashed = true;
            pages.pages[1].crash('render process gone');
          }
        },
      });
      expect(crash.backend).toMatch(/after WebGPU failed \(the compute page stopped \(render process gone\)\)/);
      expect(maxDiff(crash.entropy, ref.entropy)).toBeLessThan(1e-4);
      // and WebGPU is back for the next job, on a third page
      const again = await router.run(p);
      expect(again.backend).toMatch(/^webgpu/);
      expect(pages.pages.length).toBe(3);
    } finally {
      await gpu.close();
    }
  });

  it('no WebGPU is an error that says why; auto runs on the CPU pool instead', async () => {
    for (const [gpuKind, why] of [
      ['missing', /navigator\.gpu is missing/],
      ['no-adapter', /requestAdapter\(\) returned no adapter/],
    ] as const) {
      const gpu = new WebGpuBackend(fakePages({ gpu: gpuKind }).connect);
      const router = new EngineRouter(pool, gpu);
      try {
        const p = problemOf({
          embeddings: {
            inline: {
              vectors: [
                [1, 0],
                [0, 1],
              ],
            },
          },
          backend: 'webgpu',
        });
        await expect(router.run(p)).rejects.toThrow(why);
        expect(gpu.status).toBe('unavailable');
        const auto = await router.run({ ...p, backend: 'auto' });
        expect(auto.backend).toMatch(/^(native CPU|wasm) \(/);
        expect(router.describe()).toMatch(/WebGPU unavailable/);
      } finally {
        await gpu.close();
      }
    }
    const nodeOnly = new EngineRouter(pool);
    await expect(nodeOnly.run(problemOf({ embeddings: { inline: { vectors: [[1]] } }, backend: 'webgpu' }))).rejects.toThrow(/needs a browser context/);
    await expect(nodeOnly.run(problemOf({ embeddings: { inline: { vectors: [[1]] } }, backend: 'webgpu' }))).rejects.toBeInstanceOf(EngineError);
  });
});

describe('auto', () => {
  const gpuAdapter = { vendor: 'acme', architecture: 'x', description: '', fallback: false };
  const shaped = (H: number, T: number, metric: AttentionProblem['metric'] = { id: 'dot', c: 1 }): AttentionProblem =>
    ({ heads: H, q: { rows: T, cols: H, data: new Float32Array(0) }, k: { rows: T, cols: H, data: new Float32Array(0) }, metric }) as unknown as AttentionProblem;

  it('picks WebGPU only for a hardware adapter, a large job and a float32 graph', () => {
    const big = shaped(12, 1024);
    expect(12 * 1024 * 1024).toBeGreaterThanOrEqual(AUTO_WEBGPU_MIN_CELLS);
    expect(autoBackend(big, gpuAdapter).backend).toBe('webgpu');
    expect(autoBackend(big, null)).toMatchObject({ backend: 'cpu', why: /no WebGPU adapter/ });
    expect(autoBackend(big, { ...gpuAdapter, fallback: true })).toMatchObject({ backend: 'cpu', why: /software fallback/ });
    expect(autoBackend(shaped(1, 512), gpuAdapter)).toMatchObject({ backend: 'cpu', why: /small/ });
    expect(autoBackend(shaped(12, 1024, { id: 'euclidean', tau: 1 }), gpuAdapter)).toMatchObject({ backend: 'cpu', why: /float64/ });
    // a region is judged by its own size
    expect(autoBackend(shaped(1, 16384), gpuAdapter, { head: 0, r0: 0, r1: 128 }).backend).toBe('cpu');
    expect(autoBackend(shaped(1, 16384), gpuAdapter, { head: 0, r0: 0, r1: 512 }).backend).toBe('webgpu');
    // graph recurrences go where any large job goes; the delta rule's TypeScript rows stay on the CPU workers
    expect(autoBackend({ ...big, recurrence: { id: 'retention', gammas: [0.9] } }, gpuAdapter).backend).toBe('webgpu');
    expect(autoBackend({ ...big, recurrence: { id: 'delta', beta: new Float64Array(1024) } }, gpuAdapter)).toMatchObject({ backend: 'cpu', why: /delta/ });
  });

  it('the router never waits for the compute page under auto, and honours cpu / wasm / webgpu', async () => {
    const gpu = new WebGpuBackend(fakePages().connect);
    const router = new EngineRouter({ id: 'cpu', run: async () => ({}) as never, release: () => {}, close: async () => {} }, gpu);
    const big = shaped(12, 1024);
    expect(router.choose(big).backend).toBe('cpu');
    expect(router.choose({ ...big, backend: 'webgpu' }).backend).toBe('webgpu');
    await gpu.start();
    expect(router.choose(big).backend).toBe('webgpu');
    expect(router.choose({ ...big, backend: 'cpu' }).backend).toBe('cpu');
    expect(router.choose({ ...big, backend: 'wasm' }).backend).toBe('wasm');
    await gpu.close();
  });
});
