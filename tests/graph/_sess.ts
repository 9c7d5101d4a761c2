import * as ort from 'onnxruntime-web';
import { graphFor } from '../../src-shared/graph';
import { makeProblem } from './helpers';
ort.env.wasm.numThreads = 1;
const shape = { heads: 2, Tq: 30, Tk: 30, dq: 8, dk: 8, dv: 8 };
const p = makeProblem({ shape, metric: 'dot', masks: ['causal', 'topk'], normalizer: 'softmax', overview: { rows: 3, cols: 4, pool: 'mean' } });
const g = graphFor(p);
await (await ort.InferenceSession.create(g.model)).release();
for (const level of ['disabled', 'basic', 'extended', 'all', 'all', 'disabled'] as const) {
  const ts: number[] = [];
  for (let i = 0; i < 5; i++) { const t = performance.now(); const s = await ort.InferenceSession.create(g.model, { graphOptimizationLevel: level, logSeverityLevel: 3 }); ts.push(performance.now() - t); await s.release(); }
  console.log(level, ts.map((x) => x.toFixed(0)).join(' '));
}
