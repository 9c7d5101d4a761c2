/**
 * Recurrences at the scale of real work, through the service and the wasm pool's workers:
 * 12 heads × 2,048 tokens (d = 64) against the float64 reference, and a 16,384-token run that
 * keeps only entropy and the pooled overview (its weights would be 1 GiB a head): every row
 * computed, never a T × T matrix, each head's O(T) scan agreeing with A·V.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { CpuPool } from '../../src-main/engine/pool';
import { LabService } from '../../src-main/service/lab-service';
import { parseJobSpec } from '../../src-shared/job/spec';
import { resolveJob } from '../../src-shared/job/resolve';
import { implicitMatrix } from '../../src-shared/reference/recurrence';
import { referenceAttention } from '../../src-shared/reference/attention';
import { poolOverview } from '../../src-shared/reference/overview';
import { ScriptedHost, tempDir, vectors } from './helpers';

let pool: CpuPool;
let tmp: ReturnType<typeof tempDir>;
let service: LabService;

beforeAll(async () => {
  pool = new CpuPool({ workers: 2 });
  tmp = tempDir();
  service = await LabService.create({ host: new ScriptedHost(join(tmp.dir, 'user')), backend: pool });
}, 60_000);
afterAll(async () => {
  await service.close();
  await pool.close();
  tmp.cleanup();
});

const T = 2048;
const wide = { embeddings: { inline: { vectors: vectors(T, 64, 11) } }, projection: { id: 'random', seed: 2, width: 768 }, heads: 12 };

describe('12 heads × 2,048 tokens', () => {
  it('retention (multiscale γ per head): weights and outputs of heads 0 and 11 are the reference’s; every scan agrees', async () => {
    const job = { ...wide, recurrence: { id: 'retention', gamma: 'multiscale' }, outputs: ['weights', 'output', 'entropy'] };
    await service.runJob({ runId: 'ret', job });
    const r = service.storedRun('ret')!.result;
    const p = resolveJob(parseJobSpec(job));
    for (const h of [0, 11]) {
      const { A } = implicitMatrix(p, h);
      let worst = 0;
      for (let x = 0; x < T * T; x++) worst = Math.max(worst, Math.abs(r.weights![h * T * T + x] - A[x]));
      expect(worst).toBeLessThan(1e-5);
    }
    expect(r.scanError).toHaveLength(12);
    // against the graph's float32 A·V: float32's relative precision of the largest output
    let top = 1;
    for (const x of r.output!) top = Math.max(top, Math.abs(x));
    for (const e of r.scanError!) expect(e).toBeLessThan(1e-6 * top);
    expect(r.distribution).toBe(false);
  }, 240_000);

  it('the delta rule over 4 heads: the first 256 rows are the reference’s on those 256 tokens (a causal row sees only its past); every scan agrees', async () => {
    const job = { ...wide, projection: { id: 'random', seed: 2, width: 256 }, heads: 4, recurrence: { id: 'delta', beta: 0.5 }, outputs: ['weights', 'output', 'entropy'] };
    await service.runJob({ runId: 'delta', job });
    const r = service.storedRun('delta')!.result;
    for (const e of r.scanError!) expect(e).toBeLessThan(1e-6);
    const n = 256;
    const prefix = resolveJob(parseJobSpec({ ...job, embeddings: { inline: { vectors: wide.embeddings.inline.vectors.slice(0, n) } } }));
    const ref = referenceAttention(prefix);
    let worst = 0;
    for (let h = 0; h < 4; h++) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) worst = Math.max(worst, Math.abs(r.weights![(h * T + i) * T + j] - ref.weights[(h * n + i) * n + j]));
        expect(Math.abs(r.entropy[h * T + i] - ref.entropy[h * n + i])).toBeLessThan(1e-5);
      }
    }
    expect(worst).toBeLessThan(1e-5);
  }, 240_000);

  it('a zoomed region of a linear-attention run is the reference’s rows', async () => {
    const job = { ...wide, heads: 12, recurrence: { id: 'linear', feature: 'elu1' }, outputs: ['entropy', 'overview'] };
    await service.runJob({ runId: 'lin', job });
    const rows: [number, number] = [1500, 1564];
    const cols: [number, number] = [1100, 1564];
    const tile = await service.fetchTile({ runId: 'lin', head: 7, rows, cols });
    const p = resolveJob(parseJobSpec(job));
    const { A } = implicitMatrix(p, 7);
    let worst = 0;
    for (let i = rows[0]; i < rows[1]; i++) {
      for (let j = cols[0]; j < cols[1]; j++) worst = Math.max(worst, Math.abs(tile.weights[(i - rows[0]) * (cols[1] - cols[0]) + j - cols[0]] - A[i * T + j]));
    }
    expect(worst).toBeLessThan(1e-6);
  }, 240_000);
});

describe('16,384 tokens, overview only', () => {
  const N = 16_384;
  const job = { embeddings: { inline: { vectors: vectors(N, 32, 5) } }, heads: 2, recurrence: { id: 'selective', seed: 0 }, outputs: ['entropy', 'overview'] };

  it('every row is computed without a T × T matrix; the scans agree; the overview’s first blocks pool the reference of the first 512 tokens', async () => {
    await service.runJob({ runId: 'long', job });
    const r = service.storedRun('long')!.result;
    expect([r.Tq, r.weights, r.scores]).toEqual([N, undefined, undefined]);
    for (const e of r.scanError!) expect(e).toBeLessThan(1e-4);
    expect(r.emptyRows.every((rows) => rows.length === 0)).toBe(true);
    const { rows: R, cols: C, data } = r.overview!;
    const br = N / R;
    const n = 512;
    // the gates are σ(x_t·w_h + 3) of each token's own row, so a prefix has the same gates
    const prefix = resolveJob(parseJobSpec({ ...job, embeddings: { inline: { vectors: job.embeddings.inline.vectors.slice(0, n) } } }));
    const ref = referenceAttention(prefix);
    const pooled = poolOverview(ref.weights, 2, n, n, { rows: n / br, cols: n / br, pool: 'mean' });
    let worst = 0;
    for (let h = 0; h < 2; h++) {
      for (let b = 0; b < n / br; b++)
        for (let c = 0; c < n / br; c++) worst = Math.max(worst, Math.abs(data[(h * R + b) * C + c] - pooled.data[(h * pooled.rows + b) * pooled.cols + c]));
      for (let i = 0; i < n; i++) expect(Math.abs(r.entropy[h * N + i] - ref.entropy[h * n + i])).toBeLessThan(1e-5);
    }
    expect(worst).toBeLessThan(1e-6);
  }, 300_000);
});
