/**
 * The WebGPU backend for real: the BUILT compute page (src-compute) in Debian's Chromium,
 * headless, WebGPU on SwiftShader (flags: compute-bridge.ts WEBGPU_FLAGS), driven by the
 * real main-side backend (src-main/engine/gpu-backend.ts) through a MessagePort bridge.
 * For EVERY score function its results match the wasm backend (and the float64 reference)
 * to SPEC §5's tolerances; masks, normalisers, tiling, regions, lost devices, closed pages
 * and a browser with no adapter are covered too.
 *
 * No adapter is a FAILURE that says so, never a skip: these tests exist to prove WebGPU
 * computes what wasm computes. Small problems only — SwiftShader is WebGPU on the CPU.
 * The wasm-vs-WebGPU differences are written to tests/e2e/artifacts/webgpu-agreement.json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolveJob } from '../../src-shared/job/resolve';
import { parseJobSpec } from '../../src-shared/job/spec';
import { join } from 'node:path';
import { chromiumCompute, WEBGPU_FLAGS, type ChromiumCompute } from './compute-bridge';
import { ARTIFACTS_DIR, CHROMIUM } from './harness';
import { WebGpuBackend } from '../../src-main/engine/gpu-backend';
import { EngineRouter } from '../../src-main/engine/router';
import { CpuPool } from '../../src-main/engine/pool';
import { TileRunner, runProblemSingleThreaded } from '../../src-main/engine/tile-runner';
import { ALL_OUTPUTS, METRICS, expectMatchesReference, makeMetric, makeProblem, type MaskName, type Shape } from '../graph/helpers';
import type { AttentionProblem, AttentionResult, MetricId, NormalizerId } from '../../src-shared/job/problem';

let compute: ChromiumCompute;
let gpu: WebGpuBackend;
let startError: string | null = null;
const runner = new TileRunner(1, 32);
const agreement: Record<string, Record<string, number>> = {};

beforeAll(async () => {
  compute = await chromiumCompute();
  // wasm threads in the page too (cross-origin isolated: SharedArrayBuffer), as the app may run it
  gpu = new WebGpuBackend(compute.connect, { pageThreads: 2, startTimeoutMs: 90_000 });
  const adapter = await gpu.start();
  if (!adapter) startError = gpu.reason ?? 'unknown';
});

afterAll(async () => {
  await gpu?.close();
  await compute?.close();
  await runner.close();
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  writeFileSync(join(ARTIFACTS_DIR, 'webgpu-agreement.json'), JSON.stringify({ flags: WEBGPU_FLAGS, adapter: gpu?.adapter, maxAbsDiff: agreement }, null, 2));
});

function requireAdapter(): void {
  if (startError) {
    throw new Error(`no WebGPU adapter: Chromium (${CHROMIUM}) with ${WEBGPU_FLAGS.join(' ')} gave the compute page none (${startError}). These tests need one; they do not skip.`);
  }
}

/** max |a − b| over entries finite in both; Infinity when one side is finite and the other not. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, scale: (i: number) => number = () => 1): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) {
      if (a[i] !== b[i]) return Infinity;
      continue;
    }
    m = Math.max(m, Math.abs(a[i] - b[i]) / scale(i));
  }
  return m;
}

/** WebGPU against wasm at SPEC §5's tolerances; the differences are recorded. */
function expectAgrees(name: string, p: AttentionProblem, g: AttentionResult, w: AttentionResult): void {
  let vmax = 1;
  for (const x of p.v.data) vmax = Math.max(vmax, Math.abs(x));
  const d: Record<string, number> = {
    weights: maxDiff(g.weights!, w.weights!),
    output: maxDiff(g.output!, w.output!),
    entropy: maxDiff(g.entropy, w.entropy),
    scoresRelative: maxDiff(g.scores!, w.scores!, (i) => Math.max(1, Math.abs(w.scores![i]))),
    maxWeight: maxDiff(g.maxWeight, w.maxWeight),
  };
  if (g.overview && w.overview) d.overview = maxDiff(g.overview.data, w.overview.data);
  agreement[name] = d;
  const where = `${name}: WebGPU vs wasm`;
  expect(d.weights, `${where} weights`).toBeLessThanOrEqual(1e-5);
  expect(d.output, `${where} output`).toBeLessThanOrEqual(1e-4 * vmax);
  expect(d.entropy, `${where} entropy`).toBeLessThanOrEqual(2e-4);
  expect(d.scoresRelative, `${where} scores`).toBeLessThanOrEqual(1e-4);
  expect(d.maxWeight, `${where} maxWeight`).toBeLessThanOrEqual(1e-5);
  if (d.overview !== undefined) expect(d.overview, `${where} overview`).toBeLessThanOrEqual(1e-5);
  expect(Array.from(g.visible)).toEqual(Array.from(w.visible));
  expect(g.emptyRows).toEqual(w.emptyRows);
}

const MIXED = new Set<MetricId>(['bilinear', 'additive', 'gat']);
/** a mask stack per score function, so every mask runs on WebGPU at least once */
const MASKS_FOR: Record<MetricId, MaskName[]> = {
  dot: ['causal'],
  cosine: ['window'],
  rbf: ['padding'],
  laplacian: ['dilated'],
  euclidean: ['segments'],
  mahalanobis: ['graph'],
  polynomial: ['custom'],
  bilinear: ['topk'],
  additive: ['causal', 'window'],
  ranknet: ['causal'],
  gat: ['padding', 'topk'],
  hamming: ['buckets'],
};

describe('WebGPU in headless Chromium (SwiftShader)', () => {
  it('finds a WebGPU adapter with the documented flags, in a cross-origin isolated page with wasm threads', async () => {
    requireAdapter();
    expect(gpu.status).toBe('ready');
    expect(gpu.adapter).toMatchObject({ vendor: expect.any(String), architecture: expect.any(String) });
    expect(gpu.label).toMatch(/^webgpu \(/);
    const page = compute.pages.at(-1)!;
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    // onnxruntime started its pthread worker(s) from the bundled page script
    expect(page.workers().length).toBeGreaterThanOrEqual(1);
    expect(compute.pageErrors).toEqual([]);
  });

  for (const metric of METRICS) {
    it(`${metric}: matches wasm (and the float64 reference) to SPEC §5, every output`, async () => {
      requireAdapter();
      const shape: Shape = { heads: 2, Tq: 24, Tk: 21, dq: 8, dk: MIXED.has(metric) ? 6 : 8, dv: 4 };
      const p = makeProblem({ shape, metric, masks: MASKS_FOR[metric], seed: 11, topk: 3, outputs: ALL_OUTPUTS, overview: { rows: 6, cols: 7, pool: 'mean' } });
      const g = await gpu.run(p);
      expect(g.backend).toMatch(/^webgpu/);
      const w = await runProblemSingleThreaded(p, { runner });
      expectMatchesReference(p, g);
      expectAgrees(`${metric} [${MASKS_FOR[metric].join('+')}]`, p, g, w);
    });
  }

  it('sparsemax and kernel normalisers, the other mask stacks, three heads, transposed inputs, many tiles', async () => {
    requireAdapter();
    const cases: { metric: MetricId; masks: MaskName[]; normalizer: NormalizerId; transposed?: boolean; heads?: number }[] = [
      { metric: 'dot', masks: ['segments', 'dilated', 'topk'], normalizer: 'softmax', heads: 3 },
      { metric: 'cosine', masks: ['causal'], normalizer: 'sparsemax' },
      { metric: 'rbf', masks: [], normalizer: 'sparsemax', transposed: true },
      { metric: 'polynomial', masks: ['padding'], normalizer: 'kernel' },
    ];
    // small tiles: many runs per job, so row offsets, key bands and assembly are exercised
    const tiled = new WebGpuBackend(compute.connect, { budgetBytes: 24 * 1024 });
    try {
      for (const c of cases) {
        const shape: Shape = { heads: c.heads ?? 2, Tq: 30, Tk: 26, dq: 6, dk: 6, dv: 3 };
        const metric = c.normalizer === 'kernel' ? makeMetric('polynomial', shape, 5, { p: 2 }) : c.metric;
        const p = makeProblem({ shape, metric, masks: c.masks, normalizer: c.normalizer, seed: 5, transposed: c.transposed, outputs: ALL_OUTPUTS, topk: 3 });
        const g = await tiled.run(p);
        expect(g.timing.tiles, `${c.metric} ${c.normalizer}`).toBeGreaterThan(1);
        expectMatchesReference(p, g);
        expectAgrees(
          `${c.metric} [${c.masks.join('+') || 'none'}] ${c.normalizer}${c.transposed ? ' transposed' : ''} ×${c.heads ?? 2} heads, tiled`,
          p,
          g,
          await runProblemSingleThreaded(p, { runner }),
        );
      }
    } finally {
      await tiled.close();
    }
  });

  it('ALiBi (a score bias built in the graph): matches wasm and the reference, whole and tiled, Tq ≠ Tk', async () => {
    requireAdapter();
    const tiled = new WebGpuBackend(compute.connect, { budgetBytes: 24 * 1024 });
    try {
      for (const masks of [[], ['causal'], ['topk']] as MaskName[][]) {
        const shape: Shape = { heads: 3, Tq: 20, Tk: 27, dq: 8, dk: 8, dv: 4 };
        const p: AttentionProblem = {
          ...makeProblem({ shape, metric: 'dot', masks, seed: 7, outputs: ALL_OUTPUTS, topk: 3 }),
          bias: { id: 'alibi', slopes: [0.5, 0.125, 0.03125], offset: 7 },
        };
        for (const backend of [gpu, tiled]) {
          const g = await backend.run(p);
          expect(g.backend).toMatch(/^webgpu/);
          expectMatchesReference(p, g);
          expectAgrees(`dot + alibi [${masks.join('+') || 'none'}]`, p, g, await runProblemSingleThreaded(p, { runner }));
        }
      }
    } finally {
      await tiled.close();
    }
  });

  it('graph recurrences (linear, retention, selective) on WebGPU equal numpy’s A, outputs and entropy; each tile checked against the scan', async () => {
    requireAdapter();
    const fixture = JSON.parse(readFileSync(new URL('../reference/fixtures/recurrence.json', import.meta.url), 'utf8')) as {
      cases: { name: string; job: Record<string, unknown>; weights: number[][][]; output: number[][][]; entropy: number[][] }[];
    };
    const tiled = new WebGpuBackend(compute.connect, { budgetBytes: 4 * 1024 });
    try {
      for (const c of fixture.cases.filter((x) => (x.job.recurrence as { id: string }).id !== 'delta')) {
        const p = { ...resolveJob(parseJobSpec(c.job)), backend: 'webgpu' as const };
        for (const backend of [gpu, tiled]) {
          const g = await backend.run(p);
          expect(g.backend, c.name).toMatch(/^webgpu/);
          expect(maxDiff(g.weights!, c.weights.flat(2)), c.name).toBeLessThan(1e-5);
          expect(maxDiff(g.output!, c.output.flat(2)), c.name).toBeLessThan(1e-4);
          expect(maxDiff(g.entropy, c.entropy.flat()), c.name).toBeLessThan(1e-5);
          expect(g.scanError!.length, c.name).toBe(p.heads);
          for (const e of g.scanError!) expect(e, c.name).toBeLessThan(1e-4);
        }
      }
    } finally {
      await tiled.close();
    }
  });

  it('computes a region (rows of one head, every key) equal to those rows of the whole job', async () => {
    requireAdapter();
    const p = makeProblem({ shape: { heads: 2, Tq: 40, Tk: 40, dq: 8, dk: 8, dv: 4 }, metric: 'dot', masks: ['causal'], seed: 3, outputs: ['weights', 'scores'] });
    const whole = await runProblemSingleThreaded(p, { runner });
    const r = await gpu.run(p, { region: { head: 1, r0: 9, r1: 31 } });
    expect([r.heads, r.Tq, r.Tk]).toEqual([1, 22, 40]);
    expect(maxDiff(r.weights!, whole.weights!.subarray((40 + 9) * 40, (40 + 31) * 40))).toBeLessThanOrEqual(1e-5);
  });

  it('a lost GPU device: the job is retried on wasm, the page is replaced, WebGPU serves the next job', async () => {
    requireAdapter();
    const pool = new CpuPool({ workers: 1, threadsPerWorker: 1, warmUp: false });
    const pages = new WebGpuBackend(compute.connect, { budgetBytes: 16 * 1024, maxInFlight: 1 });
    const router = new EngineRouter(pool, pages);
    try {
      const p = { ...makeProblem({ shape: { heads: 2, Tq: 40, Tk: 40, dq: 8, dk: 8, dv: 4 }, metric: 'dot', masks: ['causal'], seed: 9 }), backend: 'webgpu' as const };
      const opened = compute.pages.length;
      let lose = true;
      const r = await router.run(p, {
        onProgress: (e) => {
          if (lose && e.tilesDone === 1) pages.loseDevice();
          lose = false;
        },
      });
      expect(r.backend).toMatch(/^native CPU .*after WebGPU failed \(the GPU device was lost \(destroyed/);
      expectMatchesReference(p, r);
      const again = await router.run(p);
      expect(again.backend).toMatch(/^webgpu/);
      expect(compute.pages.length).toBe(opened + 2);

      // a page that goes away under a job (a crashed compute window): the same
      let close = true;
      const crashed = await router.run(p, {
        onProgress: (e) => {
          if (close && e.tilesDone === 1) void compute.pages.at(-1)!.close();
          close = false;
        },
      });
      expect(crashed.backend).toMatch(/after WebGPU failed \(the compute page stopped/);
      expectMatchesReference(p, crashed);
      expect((await router.run(p)).backend).toMatch(/^webgpu/);
    } finally {
      await router.close();
    }
  });
});

describe('a Chromium without WebGPU', () => {
  it('is reported, with the reason: webgpu jobs fail saying so, auto runs on wasm', async () => {
    const bare = await chromiumCompute({ flags: [] });
    const none = new WebGpuBackend(bare.connect);
    const pool = new CpuPool({ workers: 1, threadsPerWorker: 1, warmUp: false });
    const router = new EngineRouter(pool, none);
    try {
      const p = makeProblem({ shape: { heads: 1, Tq: 4, Tk: 4, dq: 2, dk: 2, dv: 2 }, metric: 'dot', outputs: ['weights', 'entropy'] });
      await expect(router.run({ ...p, backend: 'webgpu' })).rejects.toThrow(/WebGPU backend is not available: navigator\.gpu\.requestAdapter\(\) returned no adapter/);
      expect((await router.run(p)).backend).toMatch(/^native CPU \(/);
    } finally {
      await router.close();
      await bare.close();
    }
  });
});
