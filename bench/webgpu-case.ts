/**
 * One bench case on the WebGPU backend: the built compute page in Debian's Chromium
 * (headless; WebGPU on whatever adapter Chromium finds — SwiftShader on a machine without a
 * GPU, which is WebGPU emulated on the CPU: recorded, not tuned for), driven by the real
 * main-side backend over the test bridge (tests/e2e/compute-bridge.ts). Two times per run:
 * `times` (wall, including the Playwright bridge's base64 transport, which Electron's
 * MessagePort does not have) and `pageTimes` (the page's own tile time: upload, GPU,
 * read-back). Needs `npx electron-vite build` first (the compute page).
 */
import { resolveJob } from '../src-shared/job/resolve';
import { WebGpuBackend } from '../src-main/engine/gpu-backend';
import { chromiumCompute, WEBGPU_FLAGS } from '../tests/e2e/compute-bridge';
import { benchInput } from './inputs';
import { benchJob } from './engine-case';
import type { BenchCase } from './cases';

/** One timed run longer than this: no further repetitions (SwiftShader at T = 16384). */
const SLOW_MS = 60_000;

export async function runWebGpuCase(c: BenchCase) {
  const x = benchInput(c);
  const files = new Map([['bench-input', { format: 'bench', dtype: 'float32', shape: [c.T, c.H * c.d], embeddings: { tokens: null, data: x, T: c.T, d: c.H * c.d } }]]);
  const problem = { ...resolveJob(benchJob(c), files), backend: 'webgpu' as const };
  const compute = await chromiumCompute();
  const gpu = new WebGpuBackend(compute.connect, { pageThreads: 1, startTimeoutMs: 120_000, tileTimeoutMs: 900_000 });
  try {
    const t0 = performance.now();
    const adapter = await gpu.start();
    const startMs = performance.now() - t0;
    if (!adapter) return { times: [], note: `no WebGPU adapter (${gpu.reason}); flags ${WEBGPU_FLAGS.join(' ')}` };
    // first run: shader compilation and buffer pools, like the pool's warm-up
    const warm = await gpu.run(problem);
    const reps = warm.timing.totalMs > SLOW_MS ? 1 : Math.min(3, c.reps);
    const times: number[] = [];
    const pageTimes: number[] = [];
    for (let i = 0; i < reps; i++) {
      const r = await gpu.run(problem);
      times.push(r.timing.totalMs);
      pageTimes.push(r.timing.pageMs ?? NaN);
    }
    let entropySum = 0;
    for (const e of warm.entropy) entropySum += e;
    return {
      times,
      pageTimes,
      firstRunMs: warm.timing.totalMs,
      startMs,
      tiles: warm.timing.tiles,
      backend: warm.backend,
      adapter,
      flags: WEBGPU_FLAGS,
      entropySum,
      // this process only: the page's memory is Chromium's
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await gpu.close();
    await compute.close();
  }
}
