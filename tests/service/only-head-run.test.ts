/**
 * A run of one head (Runs.run's `onlyHead`, what `qklab export --head N` asks for): the
 * engine computes that head's rows alone, and its weights are the whole run's head N and
 * the float64 reference's; a problem whose normaliser couples a head's rows runs whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuPool } from '../../src-main/engine/pool';
import { CliService } from '../../src-main/cli/cli-service';
import { referenceAttention } from '../../src-shared/reference';
import type { AttentionProblem } from '../../src-shared/job/problem';
import { tempDir, vectors, writeJobFile } from './helpers';

let tmp: ReturnType<typeof tempDir>;
let pool: CpuPool;

beforeAll(() => {
  tmp = tempDir('qklab-only-head-');
  pool = new CpuPool({ workers: 2, threadsPerWorker: 1, warmUp: false });
});

afterAll(async () => {
  await pool?.close();
  tmp?.cleanup();
});

const jobFile = (name: string, job: object) => writeJobFile(tmp.dir, name, job);

describe('a run of one head', () => {
  it('4 heads × 2048 tokens, causal: head 2 alone equals the whole run’s head 2 and the float64 reference', async () => {
    const [T, H, d] = [2048, 4, 256];
    const job = { embeddings: { inline: { vectors: vectors(T, d, 7) } }, heads: H, mask: [{ id: 'causal' }], outputs: ['weights', 'scores'] };
    const path = jobFile('big.json', job);
    const cli = new CliService(pool);

    const one = await cli.run(job, path, { onlyHead: 2 });
    expect(one.head).toBe(2);
    const r = one.run.result;
    expect([r.heads, r.Tq, r.Tk]).toEqual([1, T, T]);
    const oneWeights = Float32Array.from(r.weights!);
    const oneScores = Float32Array.from(r.scores!);
    const problem = one.problem;

    const whole = await new CliService(pool).run(job, path);
    expect(whole.head).toBeUndefined();
    const w = whole.run.result;
    expect(w.heads).toBe(H);
    let worst = 0;
    let masked = 0;
    for (let k = 0; k < T * T; k++) {
      worst = Math.max(worst, Math.abs(oneWeights[k] - w.weights![2 * T * T + k]));
      if (oneScores[k] === -Infinity) masked++;
      if ((oneScores[k] === -Infinity) !== (w.scores![2 * T * T + k] === -Infinity)) throw new Error(`cell ${k}: masked in one run, not in the other`);
    }
    expect(worst).toBeLessThan(1e-6);
    expect(masked).toBe((T * (T - 1)) / 2);

    // the float64 reference on sampled query rows of head 2 (a custom mask keeps each one's causal keys)
    const rows = Array.from({ length: 40 }, (_, n) => Math.min(T - 1, n * 51 + (n % 7)));
    const cols = problem.q.cols;
    const sampledQ = new Float32Array(rows.length * cols);
    rows.forEach((i, n) => sampledQ.set(problem.q.data.subarray(i * cols, (i + 1) * cols), n * cols));
    const allowed = new Uint8Array(rows.length * T);
    rows.forEach((i, n) => allowed.fill(1, n * T, n * T + i + 1));
    const sampled: AttentionProblem = { ...problem, q: { rows: rows.length, cols, data: sampledQ }, masks: [{ id: 'custom', allowed }], outputs: ['weights'] };
    const reference = referenceAttention(sampled).weights;
    let worstRef = 0;
    rows.forEach((i, n) => {
      for (let j = 0; j < T; j++) worstRef = Math.max(worstRef, Math.abs(oneWeights[i * T + j] - reference[(2 * rows.length + n) * T + j]));
    });
    expect(worstRef).toBeLessThan(1e-5);
  }, 240_000);

  it('a normaliser that couples a head’s rows (sinkhorn), or a one-head job, runs whole', async () => {
    const cli = new CliService(pool);
    const sinkhorn = { embeddings: { inline: { vectors: vectors(32, 12, 3) } }, heads: 3, normalizer: { id: 'sinkhorn' }, outputs: ['weights'] };
    const a = await cli.run(sinkhorn, jobFile('sinkhorn.json', sinkhorn), { onlyHead: 1 });
    expect(a.head).toBeUndefined();
    expect(a.run.result.heads).toBe(3);
    const single = { embeddings: { inline: { vectors: vectors(32, 12, 3) } }, outputs: ['weights'] };
    const b = await cli.run(single, jobFile('single.json', single), { onlyHead: 0 });
    expect(b.head).toBeUndefined();
    expect(b.run.result.heads).toBe(1);
  });
});
