/**
 * Running tiles of an AttentionProblem through onnxruntime sessions, independent of which
 * onnxruntime build and execution provider runs them: the CPU pool's workers (Node,
 * `src-main/engine/tile-runner.ts`) and the WebGPU compute page (`src-compute/main.ts`)
 * both use this class, with the graph of `src-shared/graph` (one model per graph key,
 * feeds per tile). Pure TypeScript: no `node:`, no DOM, no onnxruntime import — the caller
 * hands in how to create a session and a tensor, so the same code runs unchanged in a
 * worker thread, a page, and a unit test.
 */
import type { AttentionProblem } from '../job/problem';
import { feedsFor, graphFor, graphKey, keyRange, outputSpecs, type FeedTensor, type Tile } from '../graph';
import type { TileResult } from '../graph/tile-result';
import { WASM_TARGET, type GraphTarget } from '../graph/target';
import { recurrenceTile } from '../recurrence/tile';
import { scanCheckpoints, scanRows, type ScanState } from '../recurrence/scan';
import { graphRecurrence } from '../graph/recurrence';

/** Steps between the saved scan states a recurrence tile resumes from. */
const SCAN_CHECKPOINT_EVERY = 512;

/** The part of an onnxruntime tensor the runner reads. */
export interface TensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
  dispose(): void;
}

/** The part of an onnxruntime InferenceSession the runner uses. */
export interface SessionLike {
  run(feeds: Record<string, TensorLike>): Promise<Record<string, TensorLike>>;
  release(): Promise<void>;
}

export interface SessionFactory {
  /** compile a model (onnxruntime's InferenceSession.create with the backend's options) */
  createSession(model: Uint8Array): Promise<SessionLike>;
  /** wrap a feed as the runtime's tensor type */
  tensor(feed: FeedTensor): TensorLike;
}

interface CachedSession {
  session: Promise<SessionLike>;
  busy: number;
}

export class SessionTileRunner {
  private readonly sessions = new Map<string, CachedSession>();

  constructor(
    private readonly factory: SessionFactory,
    /** sessions kept; each holds its model's initializers and kernels, not the T² buffers */
    readonly maxSessions = 8,
    /** what the runtime supports (graph/target.ts): the wasm build's, or WebGPU's (no float64) */
    readonly target: GraphTarget = WASM_TARGET,
  ) {}

  /** per problem and head, the scan's saved states (a recurrence's tiles resume their check from them) */
  private readonly checkpoints = new WeakMap<AttentionProblem, Map<number, ScanState[]>>();

  /**
   * One tile: feeds sliced from the problem, outputs copied out as plain typed arrays. A
   * linear, retention or selective recurrence runs its graph (graph/recurrence.ts), and each
   * row's output is then checked against the model's scan here; the delta rule has no graph:
   * its rows are computed in this thread (recurrence/tile.ts).
   */
  async run(problem: AttentionProblem, tile: Tile): Promise<TileResult> {
    if (problem.recurrence) {
      if (!graphRecurrence(problem)) return recurrenceTile(problem, tile);
      // the scan check needs A·V whether or not the job asked for it
      const withOutput = problem.outputs.includes('output') ? problem : { ...problem, outputs: [...problem.outputs, 'output' as const] };
      return this.checkScan(problem, tile, await this.runGraph(withOutput, tile));
    }
    return this.runGraph(problem, tile);
  }

  /** A recurrence tile's per-row scan error (scan from the nearest saved state vs the graph's A·V) and not-a-distribution flags. */
  private checkScan(problem: AttentionProblem, tile: Tile, t: TileResult): TileResult {
    // the graph's flag (int32, every row) becomes the TileResult's (uint8, 0 for an empty row)
    const flags = (t as unknown as { notDistribution: { data: Int32Array } }).notDistribution.data;
    const out = t;
    const n = tile.r1 - tile.r0;
    const dv = problem.v.cols / problem.heads;
    const scanError = new Float64Array((tile.h1 - tile.h0) * n);
    const notDistribution = new Uint8Array(scanError.length);
    let saved = this.checkpoints.get(problem);
    if (!saved) this.checkpoints.set(problem, (saved = new Map<number, ScanState[]>()));
    for (let h = tile.h0; h < tile.h1; h++) {
      let states = saved.get(h);
      if (!states) saved.set(h, (states = scanCheckpoints(problem, h, SCAN_CHECKPOINT_EVERY)));
      const from = states[Math.floor(tile.r0 / SCAN_CHECKPOINT_EVERY)];
      const scan = scanRows(problem, h, tile.r0, tile.r1, from).output;
      for (let i = 0; i < n; i++) {
        const at = (h - tile.h0) * n + i;
        let err = 0;
        for (let c = 0; c < dv; c++) {
          const e = Math.abs(out.output!.data[at * dv + c] - scan[i * dv + c]);
          if (!(e <= err)) err = e;
        }
        scanError[at] = err;
        notDistribution[at] = out.argmax.data[at] >= 0 && flags[at] ? 1 : 0;
      }
    }
    const dims = [tile.h1 - tile.h0, n];
    out.scanError = { data: scanError, dims };
    out.notDistribution = { data: notDistribution, dims };
    return out;
  }

  private async runGraph(problem: AttentionProblem, tile: Tile): Promise<TileResult> {
    const feeds = feedsFor(problem, tile);
    const entry = this.acquire(problem);
    entry.busy++;
    try {
      const session = await entry.session;
      const tensors: Record<string, TensorLike> = {};
      for (const [name, f] of Object.entries(feeds)) tensors[name] = this.factory.tensor(f);
      const out = await session.run(tensors);
      const result: Record<string, unknown> = { keys: keyRange(problem, tile) };
      for (const spec of outputSpecs(problem)) {
        const t = out[spec.name];
        if (!t) throw new Error(`the attention graph did not return its "${spec.name}" output`);
        // outputs on the CPU side are copies (wasm heap, or read back from the GPU), so
        // keeping .data after dispose() is safe
        result[spec.name] = { data: t.data, dims: [...t.dims] };
        t.dispose();
      }
      return result as unknown as TileResult;
    } finally {
      entry.busy--;
      this.evict();
    }
  }

  /** Sessions currently cached (tests). */
  get cached(): number {
    return this.sessions.size;
  }

  /** Releases every cached session. */
  async close(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map(async (e) => (await e.session.catch(() => null))?.release()));
  }

  private acquire(problem: AttentionProblem): CachedSession {
    const key = graphKey(problem, this.target);
    let entry = this.sessions.get(key);
    if (entry) {
      // most recently used last
      this.sessions.delete(key);
    } else {
      const created: CachedSession = { session: this.factory.createSession(graphFor(problem, this.target).model), busy: 0 };
      // a failed build must not stay cached
      created.session.catch(() => this.sessions.get(key) === created && this.sessions.delete(key));
      entry = created;
    }
    this.sessions.set(key, entry);
    return entry;
  }

  private evict(): void {
    for (const [key, e] of this.sessions) {
      if (this.sessions.size <= this.maxSessions) return;
      if (e.busy > 0) continue;
      this.sessions.delete(key);
      void e.session.then(
        (s) => s.release(),
        () => undefined,
      );
    }
  }
}
