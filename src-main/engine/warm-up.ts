/**
 * Warming a fresh worker. V8 first runs onnxruntime's 14 MB of wasm through its baseline
 * compiler and optimises hot functions only after they have run a while: measured here, a
 * new worker's first attention jobs run 3–8× slower than its tenth. Running a few small
 * jobs at start-up (before the worker says it is ready) pays that cost once, off the
 * user's clock, and also grows the wasm heap to a typical tile's size.
 */
import type { AttentionProblem } from '../../src-shared/job/problem';
import { matrix } from '../../src-shared/linalg/matrix';
import { gaussianMatrix } from '../../src-shared/random';
import type { TileRunner } from './tile-runner';

function warmUpProblem(): AttentionProblem {
  const T = 512;
  const width = 4 * 64;
  const x = matrix(T, width, Float32Array.from(gaussianMatrix(1, 'warm-up', T, width, 1)));
  return {
    heads: 4,
    q: x,
    k: x,
    v: x,
    metric: { id: 'dot', c: 1 / 8 },
    masks: [{ id: 'causal', offset: 0 }],
    normalizer: 'softmax',
    outputs: ['weights', 'output', 'entropy'],
    topk: 0,
    tokens: { queries: null, keys: null },
  };
}

/** Run the warm-up job until it has run `runs` times or `budgetMs` has passed. */
export async function warmUp(runner: TileRunner, runs = 8, budgetMs = 3000): Promise<number> {
  const problem = warmUpProblem();
  const tile = { h0: 0, h1: problem.heads, r0: 0, r1: problem.q.rows };
  const t0 = performance.now();
  let done = 0;
  while (done < runs && performance.now() - t0 < budgetMs) {
    await runner.run(problem, tile);
    done++;
  }
  return performance.now() - t0;
}
