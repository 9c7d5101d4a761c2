/**
 * Runs tiles of an AttentionProblem with onnxruntime-web: one cached session per graph key
 * (a bounded LRU; evicted sessions are released), feeds converted to ort.Tensor, outputs
 * copied out as plain typed arrays. The pool calls `TileRunner.run` + `assembleTile` from
 * its workers; `runProblemSingleThreaded` is the whole job in one thread (tests, CLI, bench).
 */
import type { AttentionProblem, AttentionResult } from '../../src-shared/job/problem';
import { feedsFor, graphFor, graphKey, keyRange, outputSpecs, type FeedTensor, type Tile } from '../../src-shared/graph';
import { allocateResult, finishResult } from '../../src-shared/graph/result';
import { firstNegative, kernelNegativeMessage, writeTile } from '../../src-shared/graph/assemble';
import type { TileResult } from '../../src-shared/graph/tile-result';
import { planGraphTiles, type TilePlanOptions } from '../../src-shared/graph/plan';
import { createSession, ort } from './ort-node';

export { assembleTile, writeTile } from '../../src-shared/graph/assemble';
export { finishResult, allocateResult } from '../../src-shared/graph/result';
export type { TileResult, TileArray } from '../../src-shared/graph/tile-result';
export { planGraphTiles, bytesPerCell, BANDED_ROWS, type TilePlanOptions } from '../../src-shared/graph/plan';

interface CachedSession {
  session: Promise<ort.InferenceSession>;
  busy: number;
}

function toOrt(f: FeedTensor): ort.Tensor {
  return new ort.Tensor(f.type, f.data, f.dims);
}

export class TileRunner {
  private readonly sessions = new Map<string, CachedSession>();

  constructor(
    /** onnxruntime-web threads; fixed by the first session of the thread (ort-node.ts) */
    readonly numThreads = 1,
    /** sessions kept; each holds its model's initializers and kernels, not the T² buffers */
    readonly maxSessions = 8,
  ) {}

  async run(problem: AttentionProblem, tile: Tile): Promise<TileResult> {
    const feeds = feedsFor(problem, tile);
    const entry = this.acquire(problem);
    entry.busy++;
    try {
      const session = await entry.session;
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, f] of Object.entries(feeds)) ortFeeds[name] = toOrt(f);
      const out = await session.run(ortFeeds);
      const result: Record<string, unknown> = { keys: keyRange(problem, tile) };
      for (const spec of outputSpecs(problem)) {
        const t = out[spec.name];
        // the wasm backend hands out copies, so keeping .data after dispose() is safe
        result[spec.name] = { data: t.data, dims: [...t.dims] };
        t.dispose();
      }
      return result as unknown as TileResult;
    } finally {
      entry.busy--;
      this.evict();
    }
  }

  /** Releases every cached session. */
  async close(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map(async (e) => (await e.session.catch(() => null))?.release()));
  }

  private acquire(problem: AttentionProblem): CachedSession {
    const key = graphKey(problem);
    let entry = this.sessions.get(key);
    if (entry) {
      // most recently used last
      this.sessions.delete(key);
    } else {
      entry = { session: createSession(graphFor(problem).model, this.numThreads), busy: 0 };
      // a failed build must not stay cached
      entry.session.catch(() => this.sessions.get(key) === entry && this.sessions.delete(key));
    }
    this.sessions.set(key, entry);
    return entry;
  }

  private evict(): void {
    for (const [key, e] of this.sessions) {
      if (this.sessions.size <= this.maxSessions) return;
      if (e.busy > 0) continue;
      this.sessions.delete(key);
      void e.session.then((s) => s.release(), () => undefined);
    }
  }
}

/**
 * The whole problem in this thread: plan tiles, run them in order, assemble, finish. For a
 * kernel problem the negative-score error names the first negative in (head, row) order, as
 * the reference does.
 */
export async function runProblemSingleThreaded(
  problem: AttentionProblem,
  options: TilePlanOptions & { numThreads?: number; runner?: TileRunner } = {},
): Promise<AttentionResult> {
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
