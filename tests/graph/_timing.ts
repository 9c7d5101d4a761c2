import { TileRunner } from '../../src-main/engine/tile-runner';
import { graphFor } from '../../src-shared/graph';
import { createSession } from '../../src-main/engine/ort-node';
import { makeProblem } from './helpers';
import { referenceAttention } from '../../src-shared/reference';
const shape = { heads: 2, Tq: 30, Tk: 30, dq: 8, dk: 8, dv: 8 };
for (const metric of ['dot', 'additive', 'laplacian'] as const) for (const normalizer of ['softmax','sparsemax'] as const) {
  const p = makeProblem({ shape, metric, masks: ['causal', 'topk'], normalizer, overview: { rows: 3, cols: 4, pool: 'mean' } });
  let t = performance.now(); const g = graphFor(p); const tb = performance.now() - t;
  t = performance.now(); const s = await createSession(g.model); const ts = performance.now() - t;
  const runner = new TileRunner(1);
  await runner.run(p, { h0: 0, h1: 2, r0: 0, r1: 30 });
  t = performance.now(); for (let i = 0; i < 10; i++) await runner.run(p, { h0: 0, h1: 2, r0: 0, r1: 30 }); const tr = (performance.now() - t) / 10;
  t = performance.now(); referenceAttention(p); const tref = performance.now() - t;
  console.log(metric, normalizer, `build ${tb.toFixed(1)} session ${ts.toFixed(1)} run ${tr.toFixed(2)} ref ${tref.toFixed(1)} bytes ${g.model.length}`);
  await s.release(); await runner.close();
}
