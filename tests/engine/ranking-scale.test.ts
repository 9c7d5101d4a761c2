/**
 * The ranking pieces at scale on the wasm engine: rank and ranknet at T = 2048 with 12 heads
 * (d = 64 per head), sinkhorn on one head at the largest T the planner allows (its tiles
 * hold whole heads). Rank and ranknet are row-wise, so the float64 reference checks their
 * first rows on a row slice. With QKLAB_SCALE unset the same checks run at T = 128 (the
 * test suite's size); QKLAB_SCALE=1 runs the sizes above and prints time and peak memory.
 */
import { describe, expect, it } from 'vitest';
import { runProblemSingleThreaded } from '../../src-main/engine/tile-runner';
import { resolveJob } from '../../src-shared/job/resolve';
import { parseJobSpec, type JobSpec } from '../../src-shared/job/spec';
import { referenceAttention } from '../../src-shared/reference';
import { gaussianMatrix } from '../../src-shared/random';
import { bytesPerCell, WHOLE_HEAD_MAX_BYTES } from '../../src-shared/graph/plan';
import type { AttentionProblem } from '../../src-shared/job/problem';

const AT_SCALE = process.env.QKLAB_SCALE === '1';
const T = AT_SCALE ? 2048 : 128;

function job(tokens: number, width: number, heads: number, over: Partial<JobSpec>): AttentionProblem {
  const m = gaussianMatrix(7, 'ranking-scale', tokens, width, 1);
  const vectors = Array.from({ length: tokens }, (_, i) => Array.from(m.subarray(i * width, (i + 1) * width)));
  return resolveJob(parseJobSpec({ embeddings: { inline: { vectors } }, heads, outputs: ['entropy', 'output'], ...over }));
}

async function measure(name: string, p: AttentionProblem, checkRows: number) {
  const t0 = performance.now();
  const r = await runProblemSingleThreaded(p);
  const seconds = (performance.now() - t0) / 1000;
  let worst = 0;
  if (checkRows > 0) {
    const q = { rows: checkRows, cols: p.q.cols, data: p.q.data.slice(0, checkRows * p.q.cols) };
    const ref = referenceAttention({ ...p, q, outputs: ['entropy'], topk: 0, overview: undefined });
    for (let h = 0; h < p.heads; h++) for (let i = 0; i < checkRows; i++) worst = Math.max(worst, Math.abs(r.entropy[h * p.q.rows + i] - ref.entropy[h * checkRows + i]));
  }
  if (AT_SCALE) {
    const rss = process.resourceUsage().maxRSS / 1024;
    const dev = r.columnDeviation !== undefined ? `, column deviation ${r.columnDeviation.toExponential(3)}` : '';
    console.log(`${name}: H=${p.heads} T=${p.q.rows}: ${seconds.toFixed(1)} s, peak RSS ${rss.toFixed(0)} MiB, |Δentropy| on ${checkRows} rows ${worst.toExponential(2)}${dev}`);
  }
  for (const x of r.entropy) expect(Number.isFinite(x)).toBe(true);
  return { r, worst };
}

describe(`ranking at T = ${T}`, () => {
  it('rank, 12 heads', async () => {
    const { worst } = await measure('rank τ=1', job(T, 768, 12, { normalizer: { id: 'rank', tau: 1 } }), 4);
    expect(worst).toBeLessThanOrEqual(1e-4);
  }, 600_000);

  it('ranknet (m = 16), 12 heads', async () => {
    const { worst } = await measure('ranknet m=16', job(T, 768, 12, { metric: { id: 'ranknet' } }), 2);
    expect(worst).toBeLessThanOrEqual(1e-4);
  }, 600_000);

  it('sinkhorn, one head at the largest size allowed (or T at the suite size)', async () => {
    const probe = job(8, 64, 1, { normalizer: 'sinkhorn' });
    const largest = Math.floor(Math.sqrt(WHOLE_HEAD_MAX_BYTES / bytesPerCell(probe)));
    const { r } = await measure('sinkhorn 20 rounds', job(AT_SCALE ? largest : T, 64, 1, { normalizer: 'sinkhorn' }), 0);
    expect(r.columnDeviation).toBeGreaterThanOrEqual(0);
    expect(r.columnDeviation).toBeLessThan(1);
  }, 600_000);
});
