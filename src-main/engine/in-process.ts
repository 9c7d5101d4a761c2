/**
 * The third executor behind the one job queue: small jobs run here, in this thread, on the
 * float64 reference (src-shared/reference), with no worker pool and no onnxruntime.
 *
 * Why the reference and not onnxruntime in this thread: what a small job waits for is the
 * engine's start, not its arithmetic. onnxruntime-web's 14 MB of wasm costs ~1 s of CPU to
 * compile wherever it runs (a pool worker or this thread) and ~300 MB of RSS, while the
 * reference answers a 6-key job in well under a millisecond. Below IN_PROCESS_MAX_CELLS the
 * reference is also faster than a warm pool's round trip, so nothing is lost by never
 * starting one. Its numbers are the SPEC's own (the oracle the engine is tested against),
 * rounded once to float32; tests/engine/in-process.test.ts holds both paths to the SPEC's
 * tolerances against each other.
 *
 * The queue does the bookkeeping as for any executor (one tile, progress, cancel, the
 * kernel and overflow failures); this file only computes the tile and writes it in place.
 */
import type { AttentionProblem, AttentionResult } from '../../src-shared/job/problem';
import type { Region, Tile } from '../../src-shared/graph';
import { referenceAttention, type ReferenceResult } from '../../src-shared/reference';
import { writeTile } from '../../src-shared/graph/assemble';
import { recurrenceTile } from '../../src-shared/recurrence/tile';
import { EngineError, type Backend, type EngineResult, type RunOptions } from './backend';
import { JobQueue, type QueuedJob, type TileExecutor, type TileTask } from './job-queue';

/**
 * Jobs of at most this many score cells (heads × query rows × key rows) run in process when
 * their backend is `auto`. The reference costs ~0.1 µs per cell and width (one thread, no
 * SIMD): 2^16 cells at d = 64 is ~50 ms, about what a pool worker's cold start costs before
 * its first tile. Larger jobs go to the pool, which is faster per cell and runs in parallel.
 */
export const IN_PROCESS_MAX_CELLS = 2 ** 16;

/** Whether `auto` runs this job in process: small, and the whole job (a region run is the app's zoom, for the pool). */
export function fitsInProcess(problem: AttentionProblem, region?: Region): boolean {
  return !region && problem.heads * problem.q.rows * problem.k.rows <= IN_PROCESS_MAX_CELLS;
}

/**
 * float64 → the result's float32 (into `into`, or only checked without it), or the engine's
 * own overflow error when a value leaves float32's range, as it would in the graph.
 */
function toFloat32(into: Float32Array | null, from: Float64Array, rowLength: number, Tq: number): void {
  for (let i = 0; i < from.length; i++) {
    const x = Math.fround(from[i]);
    if (!Number.isFinite(x) && Number.isFinite(from[i])) {
      // worded as finishResult words it when the graph's float32 overflows
      const row = Math.floor(i / rowLength);
      throw new EngineError(`a score is not finite at head ${Math.floor(row / Tq)}, row ${row % Tq}: the inputs or parameters overflow float32`);
    }
    if (into) into[i] = x;
  }
}

/** The reference's arrays, written into the queue's result for the outputs the job asked for. */
export function writeReference(result: AttentionResult, ref: ReferenceResult): void {
  const { Tq, Tk } = ref;
  toFloat32(result.entropy, ref.entropy, 1, Tq);
  result.visible.set(ref.visible);
  result.argmax.set(ref.argmax);
  toFloat32(result.maxWeight, ref.maxWeight, 1, Tq);
  // the scores are checked whether or not they were asked for: the graph computes them in float32
  toFloat32(result.scores ?? null, ref.scores, Tk, Tq);
  if (result.weights) toFloat32(result.weights, ref.weights, Tk, Tq);
  if (result.output) toFloat32(result.output, ref.output, ref.dv, Tq);
  if (result.topkIndices && ref.topkIndices) result.topkIndices.set(ref.topkIndices);
  if (result.topkWeights && ref.topkWeights) toFloat32(result.topkWeights, ref.topkWeights, ref.topk ?? 1, Tq);
  // (an overview's rows are pooled blocks, not query rows: the head it names is rough, which an overflow message can bear)
  if (result.overview && ref.overview) toFloat32(result.overview.data, ref.overview.data, ref.overview.cols, ref.overview.rows);
}

export class InProcessExecutor implements Backend, TileExecutor {
  readonly id = 'in-process';
  readonly memory = 'local';
  private readonly queue = new JobQueue(this, { recycleBytes: 0 });
  private busy = false;

  run(problem: AttentionProblem, options: RunOptions = {}): Promise<EngineResult> {
    return this.queue.run(problem, options);
  }

  prepare(problem: AttentionProblem): AttentionProblem {
    return problem;
  }

  refuse(): string | null {
    return null;
  }

  /** One tile, the whole job: the reference computes every head at once. */
  plan(problem: AttentionProblem): Tile[] {
    return [{ h0: 0, h1: problem.heads, r0: 0, r1: problem.q.rows }];
  }

  admit(): void {
    this.pump();
  }

  /** One tile at a time, each in a later turn of the event loop, so a caller can cancel it before it starts. */
  pump(): void {
    if (this.busy || !this.queue.hasWork) return;
    const task = this.queue.take();
    if (!task) return;
    this.busy = true;
    setImmediate(() => this.execute(task));
  }

  private execute(task: TileTask): void {
    this.busy = false;
    if (task.job.settled) {
      this.queue.tileDone(task);
      return;
    }
    try {
      const { problem, result } = task.job;
      // a recurrence runs the engine's own row form (recurrence/tile.ts), not the reference's T×T matrices
      if (problem.recurrence) writeTile(result, problem, task.tile, recurrenceTile(problem, task.tile));
      else writeReference(result, referenceAttention(problem));
    } catch (e) {
      this.queue.tileFailed(task, e instanceof EngineError ? e : new EngineError((e as Error).message));
      return;
    }
    this.queue.tileDone(task);
  }

  forget(_job: QueuedJob): void {}

  ranOn(problem: AttentionProblem): { backend: string; workers: number } {
    return { backend: problem.recurrence ? 'in-process (float64 recurrence rows)' : 'in-process (float64 reference)', workers: 1 };
  }

  /**
   * Nothing to take back: its results are small and plain, and the router hands every
   * result to every backend, so keeping them here could give one buffer to two owners.
   */
  release(): void {}

  async close(): Promise<void> {
    this.queue.close();
  }
}
