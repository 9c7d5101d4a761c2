/**
 * k-NN view (SPEC §6): one query's k best keys under its score function, with their scores
 * and soft weights, beside hard k-NN attention (a top-k mask). Checked by hand on the 2-D toy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CpuPool } from '../../src-main/engine/pool';
import { experimentOptions } from '../../src-main/cli/experiment-command';
import { defaultForm, experimentOptions as formOptions } from '../../src-renderer/src/logic/experiments';
import { moduleOf, optionDefaults, runKnn, type ExperimentModule } from '../../src-shared/experiments';
import { engineContext, inputOf, referenceContext, sequenceJob, smallPool, TOY } from './helpers';

const q = [0.8, 0.15].map(Math.fround);
const keys = [
  [0.9, 0.1],
  [1.0, 0.0],
  [0.8, 0.2],
  [0.1, 0.9],
  [0.0, 1.0],
  [0.2, 0.8],
].map((k) => k.map(Math.fround));
/** cosine / τ with τ = 0.5, by hand */
const byHand = keys.map((k) => (q[0] * k[0] + q[1] * k[1]) / (Math.hypot(q[0], q[1]) * Math.hypot(k[0], k[1])) / 0.5);
const z = byHand.reduce((s, x) => s + Math.exp(x), 0);
const soft = byHand.map((x) => Math.exp(x) / z);

describe('k-NN view', () => {
  let pool: CpuPool;
  beforeAll(() => {
    pool = smallPool();
  });
  afterAll(async () => {
    await pool.close();
  });

  it('toy, k = 2: a3 and a1 are the nearest by angle; hard weights are their soft weights renormalised', async () => {
    const v = await runKnn(referenceContext(), inputOf(TOY), { query: 0, k: 2 });
    // angles from the query (10.6°): a3 at 14.0°, a1 at 6.3°, a2 at 0°
    expect(v.keys.map((e) => e.key)).toEqual([2, 0]);
    const top = soft[2] + soft[0];
    for (const e of v.keys) {
      expect(Math.abs(e.score - byHand[e.key])).toBeLessThan(1e-6);
      expect(Math.abs(e.weight - soft[e.key])).toBeLessThan(1e-6);
      expect(Math.abs(e.hardWeight - soft[e.key] / top)).toBeLessThan(1e-6);
    }
    expect(Math.abs(v.massOutside - (1 - top))).toBeLessThan(1e-6);
    expect(v.visible).toBe(6);
    expect(v.metric).toBe('cosine');
    expect(v.hardEntropy).toBeLessThan(v.softEntropy);
    expect(v.tokens.keys?.[2]).toBe('a3');
  });

  it('the engine gives the same keys and weights as the hand computation', async () => {
    const v = await runKnn(engineContext(pool), inputOf(TOY), { query: 0, k: 3 });
    expect(v.keys.map((e) => e.key)).toEqual([2, 0, 1]);
    const top = soft[2] + soft[0] + soft[1];
    for (const e of v.keys) {
      expect(Math.abs(e.weight - soft[e.key])).toBeLessThan(1e-6);
      expect(Math.abs(e.hardWeight - soft[e.key] / top)).toBeLessThan(1e-6);
    }
    expect(Math.abs(v.massOutside - (1 - top))).toBeLessThan(1e-6);
  });

  it('ranks only the keys the masks leave visible, and lists fewer than k when fewer are visible', async () => {
    const job = sequenceJob(8, 4, 41, { mask: [{ id: 'causal' }] });
    const v = await runKnn(referenceContext(), inputOf(job), { query: 2, k: 5 });
    expect(v.visible).toBe(3);
    expect(v.keys.map((e) => e.key).sort()).toEqual([0, 1, 2]);
    expect(v.massOutside).toBeLessThan(1e-12);
    for (const e of v.keys) expect(Math.abs(e.hardWeight - e.weight)).toBeLessThan(1e-12);
    for (let r = 1; r < v.keys.length; r++) expect(v.keys[r].score).toBeLessThanOrEqual(v.keys[r - 1].score);
  });

  it('with no query given, looks at the last row (Tq − 1), which sees every key under causal; an explicit query still wins', async () => {
    const job = sequenceJob(8, 4, 41, { mask: [{ id: 'causal' }] });
    const knn = moduleOf('knn');
    // the CLI's options (no --query) and the app's untouched form both leave the query out
    const cli = experimentOptions(knn as ExperimentModule, { k: 3 }, inputOf(job));
    const form = formOptions('knn', defaultForm('knn', job));
    expect(cli.query).toBeUndefined();
    expect(form).toEqual({ ok: true, options: { head: 0, k: 3 } });
    expect(optionDefaults(knn).query).toBeUndefined();
    const v = await knn.run(referenceContext(), inputOf(job), cli as never);
    expect(v.query).toBe(7);
    expect(v.visible).toBe(8);
    expect(v.keys).toHaveLength(3);
    const given = await runKnn(referenceContext(), inputOf(job), { query: 2, k: 3 });
    expect([given.query, given.visible]).toEqual([2, 3]);
  });

  it('refuses k < 1 and a query that does not exist', async () => {
    await expect(runKnn(referenceContext(), inputOf(TOY), { query: 0, k: 0 })).rejects.toThrow(/options\.k/);
    await expect(runKnn(referenceContext(), inputOf(TOY), { query: 3, k: 1 })).rejects.toThrow(/options\.query/);
  });
});
