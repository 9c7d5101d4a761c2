/**
 * Zoom latency: a T = 16,384 overview job (H = 1, d = 64, the bench's own input) run through
 * the service as the app runs it (the request table's validation, the kept run), then
 * fetchTile of 512 × 512 regions the same way. Each tile's wall time (request to reply) is
 * set against the engine's time for the same rows, which the reply carries as computeMs; the
 * difference is what the zoom costs after the engine (validation, the kept run's lookup, the
 * copy of the region's columns). `cloneMs`: a structured clone of the reply (v8's serializer,
 * which Electron's IPC uses), the part of the trip to the window this process can measure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { TileReply } from '../src-shared/api/lab-api';
import type { LabOperations } from '../src-shared/api/requests';
import { APP_POOL, CpuPool } from '../src-main/engine/pool';
import { dispatch, serviceOperations } from '../src-main/service/dispatch';
import { LabService } from '../src-main/service/lab-service';
import { benchJob } from './engine-case';
import { median, type BenchCase } from './cases';
import { writeBenchInput } from './inputs';

export const ZOOM_CASE: BenchCase = { name: 'H1_T16384_d64_stats', H: 1, T: 16384, d: 64, kind: 'stats', quick: false, reps: 5 };

/** The regions timed (query rows × keys, 512 a side, on and below the causal diagonal), after one warm-up region. */
export const ZOOM_REGIONS: [number, number][] = [
  [1024, 768],
  [4096, 3584],
  [8192, 8192],
  [12288, 11776],
  [15872, 15872],
];
const SIDE = 512;

async function call<T>(ops: LabOperations, name: 'runJob' | 'fetchTile' | 'openEmbeddings', payload: unknown): Promise<T> {
  const r = await dispatch(ops, name, payload);
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
  return r.value as T;
}

export async function runZoomCase() {
  const c = ZOOM_CASE;
  const dir = await mkdtemp(join(tmpdir(), 'qklab-bench-zoom-'));
  const input = await writeBenchInput(c, dir);
  const pool = new CpuPool(APP_POOL);
  // a host whose Open dialog answers with the bench input (so the service grants it as the app does)
  const service = await LabService.create({
    host: { userDataDir: dir, chooseOpenPath: async () => input, chooseSavePath: async () => null },
    backend: pool,
    version: 'bench',
  });
  const ops = serviceOperations(service);
  try {
    await pool.whenWarm();
    await call(ops, 'openEmbeddings', {});
    const t0 = performance.now();
    const run = await call<{ result: { Tq: number; overview?: unknown; weights?: unknown } }>(ops, 'runJob', {
      runId: 'zoom',
      job: { ...benchJob(c), embeddings: { path: input } },
    });
    const runMs = performance.now() - t0;
    if (run.result.Tq !== c.T || !run.result.overview || run.result.weights) throw new Error('the run is not an overview-only T = 16384 run');
    const tile = async ([r0, c0]: [number, number]) => {
      const t = performance.now();
      const reply = await call<TileReply>(ops, 'fetchTile', { runId: 'zoom', head: 0, rows: [r0, r0 + SIDE], cols: [c0, c0 + SIDE] });
      const wallMs = performance.now() - t;
      const tc = performance.now();
      deserialize(serialize(reply));
      return {
        rows: reply.rows,
        cols: reply.cols,
        wallMs,
        computeMs: reply.computeMs,
        afterEngineMs: wallMs - reply.computeMs,
        cloneMs: performance.now() - tc,
        backend: reply.backend,
      };
    };
    await tile([6000, 5000]); // warm-up: the region graph's session
    const regions: Awaited<ReturnType<typeof tile>>[] = [];
    for (const r of ZOOM_REGIONS) regions.push(await tile(r));
    const m = (k: 'wallMs' | 'computeMs' | 'afterEngineMs' | 'cloneMs') => median(regions.map((x) => x[k]));
    return {
      case: `${c.name}: fetchTile of ${SIDE} × ${SIDE} regions of an overview-only run, through the request table (median of ${regions.length} regions after one warm-up)`,
      runMs,
      times: regions.map((x) => x.wallMs),
      medianMs: m('wallMs'),
      engineMs: m('computeMs'),
      afterEngineMs: m('afterEngineMs'),
      cloneMs: m('cloneMs'),
      backend: regions[0].backend,
      regions,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await service.close();
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The table's line for a zoom report. */
export function zoomLine(z: { medianMs: number | null; note?: string; [k: string]: unknown }): string {
  const { engineMs, afterEngineMs, cloneMs } = z as { engineMs?: number; afterEngineMs?: number; cloneMs?: number };
  if (z.medianMs == null || engineMs == null || afterEngineMs == null) return `zoom: ${z.note ?? 'failed'}`;
  return `zoom (T=16384, 512×512 fetchTile): ${z.medianMs.toFixed(1)} ms wall, engine ${engineMs.toFixed(1)} ms, after the engine ${afterEngineMs.toFixed(1)} ms (+ reply clone ${cloneMs?.toFixed(1)} ms)`;
}
