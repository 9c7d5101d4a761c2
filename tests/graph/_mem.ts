import { runProblemSingleThreaded, TileRunner } from '../../src-main/engine/tile-runner';
import { makeProblem } from './helpers';
const runner = new TileRunner(1);
const mem = () => { const m = process.memoryUsage(); return `rss ${(m.rss/2**20).toFixed(0)} ab ${(m.arrayBuffers/2**20).toFixed(0)} ext ${(m.external/2**20).toFixed(0)}`; };
console.log(mem());
const p = makeProblem({ shape: { heads: 1, Tq: 2048, Tk: 2048, dq: 16, dk: 16, dv: 16 }, metric: 'dot', masks: ['causal'], outputs: ['entropy'] });
for (const budget of [8, 32, 128, 512, 8, 32, 128, 512]) {
  const t = performance.now();
  await runProblemSingleThreaded(p, { runner, budgetBytes: budget * 2 ** 20 });
  console.log(budget, (performance.now() - t).toFixed(0), mem());
}
