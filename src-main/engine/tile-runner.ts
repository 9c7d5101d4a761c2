/**
 * Runs tiles of an AttentionProblem with onnxruntime in this thread, on the CPU: the wasm
 * build (ort-node.ts) or the native addon (ort-native.ts), the runtime the pool asks for: the
 * session cache and tile loop of `src-shared/engine-browser/session-runner.ts` (shared with
 * the WebGPU compute page) over either's sessions. The pool calls `TileRunner.run` +
 * `assembleTile` from its workers; `runProblemSingleThreaded` is the whole job in one
 * thread (tests, CLI, bench).
 */
import type { AttentionProblem, AttentionResult } from '../../src-shared/job/problem';
import type { FeedTensor } from '../../src-shared/graph';
import { allocateResult, finishResult } from '../../src-shared/graph/result';
import { firstNegative, kernelNegativeMessage, writeTile } from '../../src-shared/graph/assemble';
import { planGraphTiles, type TilePlanOptions } from '../../src-shared/graph/plan';
import { SessionTileRunner, type TensorLike } from '../../src-shared/engine-browser/session-runner';
import { createSession, ort } from './ort-node';
import { createNativeSession, nativeTensor, type OrtApi } from './ort-native';

export { assembleTile, writeTile } from '../../src-shared/graph/assemble';
export { finishResult, allocateResult } from '../../src-shared/graph/result';
export type { TileResult, TileArray } from '../../src-shared/graph/tile-result';
export { planGraphTiles, bytesPerCell, BANDED_ROWS, type TilePlanOptions } from '../../src-shared/graph/plan';

function toOrt(f: FeedTensor): TensorLike {
  return new ort.Tensor(f.type, f.data, f.dims);
}

/** Which onnxruntime build runs a CPU tile: 'wasm' (onnxruntime-web), or onnxruntime-node's addon once loaded. */
export type CpuRuntime = { kind: 'wasm' } | { kind: 'native'; ort: OrtApi };

export class TileRunner extends SessionTileRunner {
  constructor(
    /** onnxruntime threads: wasm's are fixed by the first session of the thread (ort-node.ts); native's are per session */
    readonly numThreads = 1,
    /** sessions kept; each holds its model's initializers and kernels, not the T² buffers */
    maxSessions = 8,
    readonly runtime: CpuRuntime = { kind: 'wasm' },
  ) {
    super(
      runtime.kind === 'native'
        ? { createSession: async (model) => await createNativeSession(runtime.ort, model, numThreads), tensor: (f) => nativeTensor(runtime.ort, f) }
        : { createSession: async (model) => await createSession(model, numThreads), tensor: toOrt },
      maxSessions,
    );
  }
}

/**
 * The whole problem in this thread: plan tiles, run them in order, assemble, finish. For a
 * kernel problem the negative-score error names the first negative in (head, row) order, as
 * the reference does.
 */
export async function runProblemSingleThreaded(problem: AttentionProblem, options: TilePlanOptions & { numThreads?: number; runner?: TileRunner } = {}): Promise<AttentionResult> {
  const runner = options.runner ?? new TileRunner(options.numThreads ?? 1);
  try {
    const result = allocateResult(problem);
    let negative: ReturnType<typeof firstNegative> = null;
    for (const tile of planGraphTiles(problem, options)) {
      const t = await runner.run(problem, tile);
      writeTile(result, problem, tile, t);
      const neg = firstNegative(tile, t);
      if (neg && (!negative || neg.head < negative.head || (neg.head === negative.head && neg.row < negative.row))) negative = neg;
    }
    if (negative) throw new Error(kernelNegativeMessage(negative.head, negative.row, negative.column, negative.score));
    return finishResult(result);
  } finally {
    if (!options.runner) await runner.close();
  }
}
