/**
 * Zoom at the scale of real work: a 16,384-token causal run that keeps only its pooled
 * overview (its full weights would be 1 GiB a head), then fetchTile of a 512 × 512 region on
 * the diagonal, against the float64 reference of those query rows over every key (the whole
 * 16,384² reference would be 4 GiB).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { CpuPool } from '../../src-main/engine/pool';
import { LabService } from '../../src-main/service/lab-service';
import { parseJobSpec } from '../../src-shared/job/spec';
import { resolveJob } from '../../src-shared/job/resolve';
import { referenceAttention } from '../../src-shared/reference/attention';
import { ScriptedHost, tempDir, vectors } from './helpers';

const T = 16_384;
let pool: CpuPool;
let tmp: ReturnType<typeof tempDir>;
let service: LabService;
const job = { embeddings: { inline: { vectors: vectors(T, 8, 5) } }, heads: 2, mask: [{ id: 'causal' }], outputs: ['entropy', 'overview'] };

beforeAll(async () => {
  pool = new CpuPool({ workers: 2 });
  tmp = tempDir();
  service = await LabService.create({ host: new ScriptedHost(join(tmp.dir, 'user')), backend: pool });
  await service.runJob({ runId: 'huge', job });
}, 300_000);
afterAll(async () => {
  await service.close();
  await pool.close();
  tmp.cleanup();
});

describe(`zooming into a ${T.toLocaleString('en')}-token run`, () => {
  it('the run kept the overview, not the matrices', () => {
    const run = service.storedRun('huge')!;
    expect([run.result.Tq, run.result.weights, run.result.scores]).toEqual([T, undefined, undefined]);
    expect(run.result.overview).toBeDefined();
  });

  it('a 512 × 512 tile of head 1 on the diagonal is the float64 reference’s, masked pairs and all', async () => {
    const rows: [number, number] = [7936, 8448];
    const cols: [number, number] = [7936, 8448];
    const tile = await service.fetchTile({ runId: 'huge', head: 1, rows, cols });
    // the reference of those query rows against every key: the run's own problem with its queries cut
    const whole = resolveJob(parseJobSpec({ ...job, outputs: ['scores', 'weights'] }));
    const n = rows[1] - rows[0];
    const ref = referenceAttention({
      ...whole,
      q: { rows: n, cols: whole.q.cols, data: whole.q.data.slice(rows[0] * whole.q.cols, rows[1] * whole.q.cols) },
      // row i of the cut is query rows[0] + i: j ≤ i + offset stays j ≤ (rows[0] + i) + offset
      masks: whole.masks.map((m) => (m.id === 'causal' ? { ...m, offset: m.offset + rows[0] } : m)),
      tokens: { queries: null, keys: whole.tokens.keys },
    });
    let worst = 0;
    let masked = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 512; j++) {
        const at = (1 * n + i) * T + cols[0] + j;
        const k = i * 512 + j;
        if (ref.scores[at] === -Infinity) {
          expect(tile.scores[k]).toBe(-Infinity);
          expect(tile.weights[k]).toBe(0);
          masked++;
        } else worst = Math.max(worst, Math.abs(tile.weights[k] - ref.weights[at]));
      }
    }
    expect(masked).toBe((512 * 511) / 2);
    expect(worst).toBeLessThan(1e-6);
  }, 120_000);
});
