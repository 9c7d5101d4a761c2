/** One bench case on the engine (the CPU worker pool: native onnxruntime, or its wasm build), in its own process so peak RSS is its own. */
import { resolveJob } from '../src-shared/job/resolve';
import type { JobSpec } from '../src-shared/job/spec';
import { APP_POOL, CpuPool } from '../src-main/engine/pool';
import type { CpuRuntimeKind } from '../src-main/engine/protocol';
import { loadFile } from '../src-main/service/sources/file-source';
import type { BenchCase } from './cases';
import { existsSync } from 'node:fs';

/**
 * The engine worker as the app and `npx qklab` run it: the CLI build's bundle (benchMain builds
 * it first). From sources each worker would boot through tsx and compile the engine again,
 * ~30 MB a worker and a slower start that no user sees. Null when there is no build.
 */
export function shippedWorker(): URL | null {
  const url = new URL('../out/cli/engine-worker.js', import.meta.url);
  return existsSync(url) ? url : null;
}

export function benchJob(c: BenchCase): JobSpec {
  return {
    embeddings: { path: 'bench-input' },
    heads: c.H,
    metric: { id: 'dot', scale: 'sqrt_d' },
    mask: [{ id: 'causal' }],
    outputs: c.kind === 'full' ? ['weights', 'output', 'entropy'] : ['output', 'entropy', 'argmax', 'overview'],
    overview: { rows: 1024, cols: 1024, pool: 'mean' },
  };
}

/** `input`: the case's .npy (bench/inputs.ts), read through the app's own loader. */
export async function runEngineCase(c: BenchCase, input: string, workers?: number, threads?: number, runtime?: CpuRuntimeKind) {
  const files = new Map([['bench-input', await loadFile(input)]]);
  const problem = resolveJob(benchJob(c), files);
  // configured as the app's pool (src-main/index.ts), whose idle warm-up has long ended by the
  // time a user runs a job; `warmMs` is how long it took here
  const pool = new CpuPool({ ...APP_POOL, workers, threadsPerWorker: threads, runtime, workerScript: shippedWorker() ?? undefined });
  try {
    const w0 = performance.now();
    const { roundMs: warmRoundMs } = await pool.whenWarm();
    const warmMs = performance.now() - w0;
    // steady state, as in the app (its pool lives as long as the window): the first runs of a
    // fresh process are slower while V8 optimises onnxruntime's wasm and the heap grows
    const warm = await pool.run(problem);
    let entropySum = 0;
    for (const e of warm.entropy) entropySum += e;
    pool.release(warm);
    for (let i = 0; i < 2; i++) pool.release(await pool.run(problem));
    // each run's result is released before the next, as the app's service does with the runs it
    // no longer keeps; `freshTimes` allocates every result afresh (nothing released)
    const times: number[] = [];
    for (let i = 0; i < c.reps; i++) {
      const t0 = performance.now();
      const r = await pool.run(problem);
      times.push(performance.now() - t0);
      pool.release(r);
    }
    // the peak of the steady state, before freshTimes holds results on purpose
    const steadyRssMb = process.resourceUsage().maxRSS / 1024;
    const freshTimes: number[] = [];
    if (c.kind === 'full') {
      for (let i = 0; i < Math.min(3, c.reps); i++) {
        const t0 = performance.now();
        await pool.run(problem);
        freshTimes.push(performance.now() - t0);
      }
    }
    // long sequences: a zoomed 512-row tile (LabService.fetchTile's engine call) of a stats run
    let tileTimes: number[] | undefined;
    if (c.kind === 'stats') {
      const tile = { ...problem, outputs: ['scores', 'weights'] as typeof problem.outputs, overview: undefined };
      const region = { head: 0, r0: Math.floor(c.T / 2), r1: Math.floor(c.T / 2) + 512 };
      await pool.run(tile, { region });
      tileTimes = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        pool.release(await pool.run(tile, { region }));
        tileTimes.push(performance.now() - t0);
      }
    }
    return {
      times,
      freshTimes,
      warmMs,
      warmRoundMs,
      tileTimes,
      firstRunMs: warm.timing.totalMs,
      tiles: warm.timing.tiles,
      backend: warm.backend,
      worker: shippedWorker() ? 'built (out/cli/engine-worker.js)' : 'sources (tsx)',
      entropySum,
      steadyRssMb,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await pool.close();
  }
}
