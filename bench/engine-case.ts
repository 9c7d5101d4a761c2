/** One bench case on the engine (the wasm worker pool), in its own process so peak RSS is its own. */
import { resolveJob } from '../src-shared/job/resolve';
import type { JobSpec } from '../src-shared/job/spec';
import { WasmPool } from '../src-main/engine/pool';
import { benchInput } from './inputs';
import type { BenchCase } from './cases';

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

export async function runEngineCase(c: BenchCase, workers?: number, threads?: number) {
  const x = benchInput(c);
  const files = new Map([['bench-input', { format: 'bench', dtype: 'float32', shape: [c.T, c.H * c.d], embeddings: { tokens: null, data: x, T: c.T, d: c.H * c.d } }]]);
  const problem = resolveJob(benchJob(c), files);
  const pool = new WasmPool({ workers, threadsPerWorker: threads });
  try {
    // steady state, as in the app (its pool lives as long as the window): the first runs of a
    // fresh process are slower while V8 optimises onnxruntime's wasm and the heap grows
    const warm = await pool.run(problem);
    for (let i = 0; i < 2; i++) await pool.run(problem);
    const times: number[] = [];
    for (let i = 0; i < c.reps; i++) {
      const t0 = performance.now();
      await pool.run(problem);
      times.push(performance.now() - t0);
    }
    let entropySum = 0;
    for (const e of warm.entropy) entropySum += e;
    // long sequences: a zoomed 512-row tile (LabService.fetchTile's engine call) of a stats run
    let tileTimes: number[] | undefined;
    if (c.kind === 'stats') {
      const tile = { ...problem, outputs: ['scores', 'weights'] as typeof problem.outputs, overview: undefined };
      const region = { head: 0, r0: Math.floor(c.T / 2), r1: Math.floor(c.T / 2) + 512 };
      await pool.run(tile, { region });
      tileTimes = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        await pool.run(tile, { region });
        tileTimes.push(performance.now() - t0);
      }
    }
    return {
      times,
      tileTimes,
      firstRunMs: warm.timing.totalMs,
      tiles: warm.timing.tiles,
      backend: warm.backend,
      entropySum,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await pool.close();
  }
}
