import { runProblemSingleThreaded, TileRunner } from '../../src-main/engine/tile-runner';
import { makeProblem, expectMatchesReference, METRICS, MASKS } from './helpers';
const runner = new TileRunner(1, 64);
const shape = { heads: 2, Tq: 7, Tk: 9, dq: 4, dk: 4, dv: 3 };
let fails = 0;
for (const metric of METRICS) for (const mask of [null, ...MASKS]) for (const normalizer of ['softmax', 'sparsemax'] as const) {
  const p = makeProblem({ shape: metric === 'bilinear' || metric === 'additive' || metric === 'gat' ? { ...shape, dk: 5 } : shape, metric, masks: mask ? [mask] : [], normalizer, overview: { rows: 3, cols: 4, pool: 'mean' } });
  try {
    const r = await runProblemSingleThreaded(p, { runner });
    expectMatchesReference(p, r);
  } catch (e) { fails++; console.log(metric, mask, normalizer, String(e).slice(0, 400)); }
}
console.log('fails', fails);
await runner.close();
