/**
 * fetchTile: a zoomed tile of a finished run at full resolution, recomputed by the engine
 * for its rows only (every key) — equal to the same cells of the whole matrix, for a run
 * that never held that matrix (entropy + overview only); and refused, naming the field,
 * when it does not fit the run or the request's bounds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { CpuPool } from '../../src-main/engine/pool';
import { LabService } from '../../src-main/service/lab-service';
import { dispatch, serviceOperations } from '../../src-main/service/dispatch';
import { referenceAttention } from '../../src-shared/reference';
import { resolveJob } from '../../src-shared/job/resolve';
import { parseJobSpec, type JobSpec } from '../../src-shared/job/spec';
import { loadFile } from '../../src-main/service/sources/file-source';
import { ScriptedHost, tempDir, writeNpyEmbeddings } from './helpers';

const tmp = tempDir('qklab-tile-');
let pool: CpuPool;
let service: LabService;
let npy: string;
const T = 1500;

beforeAll(async () => {
  pool = new CpuPool({ workers: 1, threadsPerWorker: 1, warmUp: false });
  const host = new ScriptedHost(join(tmp.dir, 'user'));
  service = await LabService.create({ host, backend: pool });
  npy = join(tmp.dir, 'x.npy');
  writeNpyEmbeddings(npy, T, 16, 4);
  host.opens.push(npy); // the user picks the file in the Open dialog
  await service.openEmbeddings({});
});
afterAll(async () => {
  await service.close();
  await pool.close();
  tmp.cleanup();
});

describe('fetchTile', () => {
  it('returns the exact weights and scores of the tile, for a run that kept only an overview', async () => {
    const job: JobSpec = {
      embeddings: { path: npy },
      heads: 2,
      metric: { id: 'cosine', tau: 0.3 },
      mask: [{ id: 'causal' }],
      outputs: ['entropy', 'overview'],
      overview: { rows: 100, cols: 100 },
    };
    const run = await service.runJob({ runId: 'long', job });
    expect(run.result.weights).toBeUndefined();
    const tile = await service.fetchTile({ runId: 'long', head: 1, rows: [700, 1212], cols: [300, 812] });
    expect(tile).toMatchObject({ runId: 'long', head: 1, rows: [700, 1212], cols: [300, 812] });
    expect(tile.weights.length).toBe(512 * 512);
    expect(tile.backend).toMatch(/^native CPU \(/);

    // the float64 reference of the whole problem, those cells
    const problem = resolveJob(parseJobSpec({ ...job, outputs: ['scores', 'weights'] }), new Map([[npy, await loadFile(npy)]]));
    const ref = referenceAttention(problem);
    let worstW = 0;
    let worstS = 0;
    for (let i = 0; i < 512; i++) {
      for (let j = 0; j < 512; j++) {
        const at = (1 * T + 700 + i) * T + 300 + j;
        const w = tile.weights[i * 512 + j];
        const s = tile.scores[i * 512 + j];
        worstW = Math.max(worstW, Math.abs(w - ref.weights[at]));
        if (Number.isFinite(ref.scores[at])) worstS = Math.max(worstS, Math.abs(s - ref.scores[at]) / Math.max(1, Math.abs(ref.scores[at])));
        else expect(s).toBe(-Infinity);
      }
    }
    expect(worstW).toBeLessThan(1e-5);
    expect(worstS).toBeLessThan(1e-4);
    // row 700 + i sees keys ≤ 700 + i: blocked cells beyond the diagonal are 0 / −∞
    expect(tile.weights[0 * 512 + 401]).toBe(0);
    expect(tile.scores[0 * 512 + 401]).toBe(-Infinity);
  });

  it('refuses tiles that do not fit the run, naming the field; and runs it no longer keeps', async () => {
    await service.runJob({ runId: 'small', job: { embeddings: { path: npy }, outputs: ['entropy'] } });
    await expect(service.fetchTile({ runId: 'small', head: 1, rows: [0, 10], cols: [0, 10] })).rejects.toThrow(/fetchTile: head: the run has 1 head \(0–0\), got 1/);
    await expect(service.fetchTile({ runId: 'small', head: 0, rows: [1400, 1501], cols: [0, 10] })).rejects.toThrow(/rows: expected \[r0, r1\) with r0 < r1 ≤ 1500/);
    await expect(service.fetchTile({ runId: 'small', head: 0, rows: [0, 1], cols: [1499, 1501] })).rejects.toThrow(/cols: .*≤ 1500/);
    await expect(service.fetchTile({ runId: 'nope', head: 0, rows: [0, 1], cols: [0, 1] })).rejects.toThrow(/no longer available/);
    // through the request table: the schema bounds the size before the service sees it
    const ops = serviceOperations(service);
    const big = await dispatch(ops, 'fetchTile', { runId: 'small', head: 0, rows: [0, 600], cols: [0, 10] });
    expect(big.ok).toBe(false);
    expect(!big.ok && big.error.message).toMatch(/rows: expected at most 512 rows/);
    const ok = await dispatch(ops, 'fetchTile', { runId: 'small', head: 0, rows: [0, 2], cols: [0, 3] });
    expect(ok.ok && ok.value.weights.length).toBe(6);
  });
});
