/**
 * The BUILT engine worker (out/main/engine-worker.js, what the packaged app's CpuPool
 * starts) run under plain Node: it boots onnxruntime-web, finds its .wasm, and computes the
 * same numbers as the float64 reference, speaking the pool's protocol. Also checks the
 * build's shape: the worker beside the main chunk, the preload one CommonJS file that
 * requires nothing but 'electron'.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { allocateResult, finishResult } from '../../src-shared/graph';
import { planPoolTiles } from '../../src-main/engine/plan';
import { shareProblem } from '../../src-main/engine/marshal';
import type { ToMain, ToWorker } from '../../src-main/engine/protocol';
import { resolveJob } from '../../src-shared/job/resolve';
import { parseJobSpec } from '../../src-shared/job/spec';
import { referenceAttention } from '../../src-shared/reference';
import { tempDir, vectors } from '../service/helpers';
import { readPng } from '../service/png';
import type { CaptureThreadJob, CaptureThreadMessage } from '../../src-main/service/captures/capture-thread';
import { EXPECTED_IDS, readSafetensors } from '../capture/helpers';

const out = resolve('out');
const builtWorker = resolve(out, 'main/engine-worker.js');

beforeAll(() => {
  // the e2e run builds first; a unit-test run without a build makes one (one build, ~10 s)
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => Math.max(m, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0);
  const sourcesChanged = Math.max(newest(resolve('src-main')), newest(resolve('src-shared')), statSync(resolve('electron.vite.config.ts')).mtimeMs);
  const stale = !existsSync(builtWorker) || sourcesChanged > statSync(builtWorker).mtimeMs;
  if (stale)
    execFileSync(process.execPath, [resolve('node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
      stdio: 'pipe',
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
    });
}, 180_000);

describe('the built app', () => {
  it('puts the engine worker beside the main chunk, where CpuPool looks for it', () => {
    expect(existsSync(resolve(out, 'main/index.js'))).toBe(true);
    expect(existsSync(builtWorker)).toBe(true);
    // pool.ts is in index.js itself (not a chunk in a subfolder), so './engine-worker.js' resolves beside it
    const index = readFileSync(resolve(out, 'main/index.js'), 'utf8');
    expect(/new URL\("\.\/engine-worker\.js", \w+\)/.test(index), 'index.js resolves ./engine-worker.js beside itself').toBe(true);
    expect(/new URL\("\.\/export-worker\.js", \w+\)/.test(index), 'index.js resolves ./export-worker.js beside itself').toBe(true);
    expect(existsSync(resolve(out, 'main/export-worker.js'))).toBe(true);
    expect(/new URL\("\.\/capture-worker\.js", \w+\)/.test(index), 'index.js resolves ./capture-worker.js beside itself').toBe(true);
    expect(existsSync(resolve(out, 'main/capture-worker.js'))).toBe(true);
  });

  it("captures hf.onnx in the built capture worker under plain Node: torch's pattern", { timeout: 60_000 }, async () => {
    const fixtures = resolve('tests/fixtures/model-capture');
    const worker = new Worker(resolve(out, 'main/capture-worker.js'));
    try {
      const reply = new Promise<CaptureThreadMessage>((ok, fail) => {
        worker.on('message', (m: CaptureThreadMessage) => {
          if (!('fraction' in m)) ok(m);
        });
        worker.once('error', fail);
      });
      worker.postMessage({ modelPath: join(fixtures, 'hf.onnx'), request: { ids: EXPECTED_IDS } } satisfies CaptureThreadJob);
      const m = await reply;
      if (!('ok' in m) || !m.ok) throw new Error(`the capture failed: ${JSON.stringify(m)}`);
      expect(m).toMatchObject({ layers: 2, heads: 4, positions: EXPECTED_IDS.length });
      const got = readSafetensors(m.bytes).tensors.get('blocks.1.attn.hook_pattern')!.data;
      const torch = readSafetensors(new Uint8Array(readFileSync(join(fixtures, 'hf.expected.safetensors')))).tensors.get('blocks.1.attn.hook_pattern')!.data;
      expect(got.length).toBe(torch.length);
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - torch[i])).toBeLessThanOrEqual(1e-5);
    } finally {
      await worker.terminate();
    }
  });

  it('draws a PNG export in the built export worker under plain Node', { timeout: 60_000 }, async () => {
    const spec = parseJobSpec({
      embeddings: {
        inline: {
          tokens: ['a', 'b', 'c'],
          vectors: [
            [1, 0],
            [0, 1],
            [1, 1],
          ],
        },
      },
    });
    const problem = resolveJob(spec);
    const result = allocateResult(problem, { shared: true });
    result.weights!.fill(1 / 3);
    result.visible.fill(3);
    result.entropy.fill(Math.log(3));
    const tmp = tempDir();
    const worker = new Worker(resolve(out, 'main/export-worker.js'));
    try {
      const path = join(tmp.dir, 'w.png');
      // the worker reports progress ({id, fraction}) before its one reply ({id, ok})
      const progress: number[] = [];
      const reply = new Promise((ok, fail) => {
        worker.on('message', (m: { fraction?: number }) => (m.fraction === undefined ? ok(m) : progress.push(m.fraction)));
        worker.once('error', fail);
      });
      worker.postMessage({
        id: 1,
        run: { result: { ...finishResult(result), backend: 'test', timing: {} }, tokens: problem.tokens, spec },
        req: { runId: 'r', format: 'png', scale: 1 },
        path,
      });
      expect(await reply).toEqual({ id: 1, ok: true });
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.every((f) => f >= 0 && f <= 1)).toBe(true);
      expect(readPng(readFileSync(path)).width).toBe(800);
    } finally {
      await worker.terminate();
      tmp.cleanup();
    }
  });

  it('bundles the preload into one CommonJS file that requires only electron', () => {
    const preload = readFileSync(resolve(out, 'preload/index.cjs'), 'utf8');
    const requires = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect([...new Set(requires)]).toEqual(['electron']);
    expect(preload).not.toMatch(/^\s*import\s/m);
    expect(preload).toContain('exposeInMainWorld("qklab"');
  });

  // both builds the pool's workers run: onnxruntime-node's addon (what the app runs where it is installed) and the wasm build
  it.each(['native', 'wasm'] as const)('runs a job in the built worker under plain Node with the reference numbers (%s)', { timeout: 60_000 }, async (runtime) => {
    const spec = parseJobSpec({
      embeddings: { inline: { vectors: vectors(40, 8, 3) } },
      heads: 2,
      metric: { id: 'cosine', tau: 0.5 },
      mask: [{ id: 'causal' }],
      outputs: ['weights', 'output', 'entropy'],
    });
    const problem = shareProblem(resolveJob(spec));
    const result = allocateResult(problem, { shared: true });
    const tiles = planPoolTiles(problem, { workers: 2, budgetBytes: 4096 });
    expect(tiles.length).toBeGreaterThan(1);

    const worker = new Worker(builtWorker);
    try {
      const messages: ToMain[] = [];
      let wake: (() => void) | null = null;
      worker.on('message', (m: ToMain) => {
        messages.push(m);
        wake?.();
      });
      const errors: Error[] = [];
      worker.on('error', (e) => errors.push(e));
      const next = async (): Promise<ToMain> => {
        while (!messages.length) {
          if (errors.length) throw errors[0];
          await new Promise<void>((r) => (wake = r));
        }
        return messages.shift()!;
      };
      const post = (m: ToWorker) => worker.postMessage(m);
      post({ type: 'init', threads: 1, warmUp: true, idleWarmUp: 'off', runtime });
      expect(await next()).toEqual({ type: 'ready', runtime });
      expect(await next()).toEqual({ type: 'warm', rounds: 0, roundMs: [] });
      post({ type: 'job', jobId: 1, problem, result });
      for (let i = 0; i < tiles.length; i++) {
        post({ type: 'tile', jobId: 1, tileIndex: i, tile: tiles[i] });
        const m = await next();
        expect(m, JSON.stringify(m)).toEqual({ type: 'tileDone', jobId: 1, tileIndex: i });
      }
      post({ type: 'close' });
      expect(await next()).toEqual({ type: 'closed' });
    } finally {
      await worker.terminate();
    }
    const r = finishResult(result);
    const ref = referenceAttention(resolveJob(spec));
    let worst = 0;
    for (let i = 0; i < ref.weights.length; i++) worst = Math.max(worst, Math.abs(r.weights![i] - ref.weights[i]));
    expect(worst).toBeLessThan(1e-5);
    for (let i = 0; i < ref.entropy.length; i++) expect(Math.abs(r.entropy[i] - ref.entropy[i])).toBeLessThan(1e-4);
  });
});
