import { runProblemSingleThreaded, TileRunner } from '../../src-main/engine/tile-runner';
import { makeProblem, selfAttention, METRICS } from './helpers';
import { referenceAttention } from '../../src-shared/reference';
const runner = new TileRunner(1, 64);
for (const metric of METRICS) for (const self of [false, true]) for (const normalizer of ['softmax','sparsemax'] as const) {
  let worstW = 0, worstE = 0, worstO = 0;
  for (let seed = 1; seed <= 10; seed++) {
    let p = makeProblem({ shape: { heads: 1, Tq: 40, Tk: 40, dq: 16, dk: 16, dv: 16 }, metric, normalizer, seed, outputs: ['weights','output','entropy'] });
    if (self) p = selfAttention(p);
    const r = await runProblemSingleThreaded(p, { runner });
    const ref = referenceAttention(p);
    for (let i = 0; i < ref.weights.length; i++) worstW = Math.max(worstW, Math.abs(r.weights![i] - ref.weights[i]));
    for (let i = 0; i < ref.entropy.length; i++) worstE = Math.max(worstE, Math.abs(r.entropy[i] - ref.entropy[i]));
    for (let i = 0; i < ref.output.length; i++) worstO = Math.max(worstO, Math.abs(r.output![i] - ref.output[i]));
  }
  console.log(metric.padEnd(12), self ? 'self ' : 'cross', normalizer.padEnd(9), 'W', worstW.toExponential(2), 'H', worstE.toExponential(2), 'O', worstO.toExponential(2), worstW > 1e-5 || worstE > 1e-4 || worstO > 3e-4 ? '  <<<<' : '');
}
await runner.close();
