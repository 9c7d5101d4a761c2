/**
 * A temperature sweep (the temperature experiment, SPEC §6) on the app's pool: the job of a
 * bench case run at `taus` distinct values of τ, beside the same experiment with every τ the
 * same. τ is a feed of the graph, so both should cost the same per run; when τ was part of
 * the graph key, every new τ built a session in each worker (about 10–40 ms each, measured).
 * Rounds alternate the two, and every round uses τ values no earlier round used, so no
 * session survives from one round to the next by luck of the cache.
 */
import { runExperiment } from '../src-shared/experiments';
import { APP_POOL, CpuPool } from '../src-main/engine/pool';
import { loadFile } from '../src-main/service/sources/file-source';
import { benchJob } from './engine-case';
import { median, type BenchCase } from './cases';

export const SWEEP_TAUS = 8;
const ROUNDS = 3;

export async function runSweepCase(c: BenchCase, input: string) {
  const files = new Map([['bench-input', await loadFile(input)]]);
  const spec = benchJob(c);
  const pool = new CpuPool(APP_POOL);
  try {
    await pool.whenWarm();
    const sweep = async (taus: number[]) => {
      const t0 = performance.now();
      await runExperiment({ run: (p) => pool.run(p) }, 'temperature', { spec, files }, { taus });
      return (performance.now() - t0) / taus.length;
    };
    await sweep([1, 1]);
    const distinct: number[] = [];
    const same: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      distinct.push(await sweep(Array.from({ length: SWEEP_TAUS }, (_, i) => 0.25 * 1.4 ** i * (1 + 0.01 * (r + 1)))));
      same.push(await sweep(Array.from({ length: SWEEP_TAUS }, () => 0.5 + 0.01 * r)));
    }
    return { times: distinct, sameTauTimes: same, ratio: median(distinct) / median(same), peakRssMb: process.resourceUsage().maxRSS / 1024 };
  } finally {
    await pool.close();
  }
}
