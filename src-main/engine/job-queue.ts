/**
 * The engine's one job queue: everything about a job except running its tiles. A job is cut
 * into tiles (its executor's plan), its result arrays are allocated (from released memory
 * first), tiles are handed out oldest job first, progress is reported as they land, a
 * cancelled or failed job stops being handed out at once, and once none of its tiles is
 * running it is forgotten: a result nobody saw (failed, cancelled) gives its memory to the
 * next job, and a delivered one does when its owner releases it.
 *
 * The executors — the CPU worker pool (pool.ts), the WebGPU compute page
 * (gpu-backend.ts) and small jobs in this thread (in-process.ts) — only run tiles: they take them from the queue when they have room and
 * report each one done or failed. Bookkeeping written once cannot drift between them.
 */
import type { AttentionProblem, AttentionResult } from '../../src-shared/job/problem';
import {
  RecycledBuffers,
  allocateRegionResult,
  allocateResult,
  finishResult,
  firstNegative,
  kernelNegativeMessage,
  placeInRegion,
  regionProblem,
  resultBuffers,
  writeTile,
  type Region,
  type Tile,
  type TileResult,
} from '../../src-shared/graph';
import { CancelledError, EngineError, settleAndForget, type EngineResult, type RunOptions } from './backend';
import { sizeProblem } from './plan';

/** What runs a queue's tiles. */
export interface TileExecutor {
  /**
   * How tiles reach the result: 'shared', the executor writes them in place into result
   * arrays on SharedArrayBuffers (pool workers); 'returned', it hands each tile's outputs to
   * `tileDone` and the queue writes them (a compute page in another process); 'local', it
   * writes them in place into plain arrays (in-process.ts, in this thread).
   */
  readonly memory: 'shared' | 'returned' | 'local';
  /** the problem as the executor's tiles need it (arrays onto shared memory, or copied off it) */
  prepare(problem: AttentionProblem): AttentionProblem;
  /** why this executor cannot run the problem at all (beyond the queue's own size check), or null */
  refuse(problem: AttentionProblem): string | null;
  /** the tiles of a job (of its region's rows, when it has one) */
  plan(problem: AttentionProblem, region?: Region): Tile[];
  /** a job was queued: take its tiles (or fail it, when the executor cannot run now) */
  admit(job: QueuedJob): void;
  /** there may be tiles to take: take as many as there is room for */
  pump(): void;
  /** the queue forgot a job: drop whatever the executor keeps for it */
  forget(job: QueuedJob): void;
  /** what a finished result says ran it (the job's problem, for an executor that runs some problems another way) */
  ranOn(problem: AttentionProblem): { backend: string; workers: number };
}

/** A job as its executor sees it: the problem (prepared) and the arrays its tiles land in. */
export interface QueuedJob {
  readonly id: number;
  readonly problem: AttentionProblem;
  readonly result: AttentionResult;
  /** settled (done, failed or cancelled): no more of its tiles are handed out */
  readonly settled: boolean;
}

/** One tile handed to an executor: `at` is where it lands in the job's result (a region's own rows). */
export interface TileTask {
  job: QueuedJob;
  index: number;
  tile: Tile;
  at: Tile;
}

interface Job extends QueuedJob {
  settled: boolean;
  tiles: Tile[];
  region?: Region;
  next: number;
  done: number;
  inFlight: number;
  /** time the executor reports it spent on the tiles (a compute page's), ms */
  executorMs?: number;
  negative: ReturnType<typeof firstNegative>;
  options: RunOptions;
  submitted: number;
  started?: number;
  /** the result went to the caller: its memory is theirs until they release it */
  delivered: boolean;
  resolve: (r: EngineResult) => void;
  reject: (e: Error) => void;
}

export interface JobQueueOptions {
  /** bytes of released results kept for reuse (default 256 MiB; 0 turns reuse off) */
  recycleBytes?: number;
}

export class JobQueue {
  private readonly jobs: Job[] = [];
  /** memory of released results and of jobs nobody saw, for the next result of the same size */
  private readonly memory: RecycledBuffers;
  private readonly released = new WeakSet<AttentionResult>();
  private nextJobId = 1;
  private closed = false;

  constructor(
    private readonly executor: TileExecutor,
    options: JobQueueOptions = {},
  ) {
    this.memory = new RecycledBuffers({ maxBytes: options.recycleBytes });
  }

  run(problem: AttentionProblem, options: RunOptions = {}): Promise<EngineResult> {
    if (this.closed) return Promise.reject(new EngineError('the engine has been shut down'));
    const { region } = options;
    // (a region run's tiles cover only its keys; its own check is regionProblem)
    const tooBig = region ? regionProblem(problem, region) : (sizeProblem(problem) ?? this.executor.refuse(problem));
    if (tooBig) return Promise.reject(new EngineError(tooBig));
    if (options.signal?.aborted) return Promise.reject(new CancelledError());
    return new Promise<EngineResult>((resolve, reject) => {
      const p = this.executor.prepare(problem);
      const allocate = { shared: this.executor.memory === 'shared', buffers: this.memory };
      const job: Job = {
        id: this.nextJobId++,
        problem: p,
        result: region ? allocateRegionResult(p, region, allocate) : allocateResult(p, allocate),
        tiles: this.executor.plan(p, region),
        region,
        next: 0,
        done: 0,
        inFlight: 0,
        negative: null,
        options,
        submitted: performance.now(),
        settled: false,
        delivered: false,
        ...settleAndForget<EngineResult>(options.signal, () => this.fail(job, new CancelledError()), resolve, reject),
      };
      this.jobs.push(job);
      this.executor.admit(job);
    });
  }

  /** Whether a tile is waiting to be taken. */
  get hasWork(): boolean {
    return this.jobs.some((j) => !j.settled && j.next < j.tiles.length);
  }

  /** The next tile to run, oldest job first, or null; the caller must report it done or failed. */
  take(): TileTask | null {
    const job = this.jobs.find((j) => !j.settled && j.next < j.tiles.length);
    if (!job) return null;
    const index = job.next++;
    job.inFlight++;
    job.started ??= performance.now();
    const tile = job.tiles[index];
    return { job, index, tile, at: job.region ? placeInRegion(tile, job.region) : tile };
  }

  /** A tile landed: in place ('shared'), or as `returned` outputs for the queue to write. */
  tileDone(task: TileTask, returned?: { result: TileResult; ms: number }): void {
    const job = task.job as Job;
    job.inFlight--;
    if (!job.settled) {
      try {
        if (returned) this.write(job, task, returned.result, returned.ms);
        job.done++;
        const n = job.tiles.length;
        job.options.onProgress?.({ fraction: job.done / n, tilesDone: job.done, tiles: n });
        if (job.done === n) this.complete(job);
      } catch (e) {
        this.fail(job, new EngineError((e as Error).message));
      }
    }
    this.forgetIfIdle(job);
    this.executor.pump();
  }

  /** A tile failed: its job fails with `error` (the executor words it). */
  tileFailed(task: TileTask, error: Error): void {
    const job = task.job as Job;
    job.inFlight--;
    this.fail(job, error);
    // (a job already settled, cancelled say, is forgotten once its last tile is back)
    this.forgetIfIdle(job);
    this.executor.pump();
  }

  /**
   * Fail every job. `abandon`: the tiles in flight will never be reported (their executor is
   * gone), so the jobs are forgotten now.
   */
  failAll(error: () => Error, abandon = false): void {
    for (const job of [...this.jobs]) {
      if (abandon) job.inFlight = 0;
      this.fail(job, error());
    }
  }

  private write(job: Job, task: TileTask, t: TileResult, ms: number): void {
    job.executorMs = (job.executorMs ?? 0) + ms;
    writeTile(job.result, job.problem, task.at, t);
    // a kernel job fails on its first negative score in (head, row) order, as the reference does
    const neg = firstNegative(task.tile, t);
    const n = job.negative;
    if (neg && (!n || neg.head < n.head || (neg.head === n.head && neg.row < n.row))) job.negative = neg;
  }

  private complete(job: Job): void {
    if (job.negative) {
      const g = job.negative;
      throw new Error(kernelNegativeMessage(g.head, g.row, g.column, g.score));
    }
    const result = finishResult(job.result);
    job.settled = true;
    job.delivered = true;
    const now = performance.now();
    const { backend, workers } = this.executor.ranOn(job.problem);
    job.resolve({
      ...result,
      backend,
      timing: {
        totalMs: now - job.submitted,
        queuedMs: (job.started ?? now) - job.submitted,
        tiles: job.tiles.length,
        workers,
        ...(job.executorMs !== undefined ? { pageMs: job.executorMs } : {}),
      },
    });
  }

  /** Settle a job with an error (once); its tiles stop being handed out. */
  fail(job: QueuedJob, error: Error): void {
    const j = job as Job;
    if (j.settled) return;
    j.settled = true;
    j.reject(error);
    this.forgetIfIdle(j);
    this.executor.pump();
  }

  /**
   * Once no tile of a settled job is running, drop it everywhere so its memory can go; a
   * job that failed or was cancelled gives its result memory to the next job (nobody saw it).
   */
  private forgetIfIdle(job: Job): void {
    if (!job.settled || job.inFlight > 0) return;
    const i = this.jobs.indexOf(job);
    if (i < 0) return;
    this.jobs.splice(i, 1);
    if (!job.delivered) this.recycle(job.result);
    this.executor.forget(job);
  }

  /** Backend.release: the caller will never read `result` again. */
  release(result: AttentionResult): void {
    if (this.released.has(result)) return;
    this.released.add(result);
    this.recycle(result);
  }

  /** Only memory of this queue's kind (the router releases every result to both backends). */
  private recycle(result: AttentionResult): void {
    const shared = this.executor.memory === 'shared';
    for (const buffer of resultBuffers(result)) if (buffer instanceof SharedArrayBuffer === shared) this.memory.give(buffer);
  }

  /** Bytes of released results held for reuse. */
  get recycledBytes(): number {
    return this.memory.heldBytes;
  }

  /** Jobs waiting or running. */
  get pending(): number {
    return this.jobs.filter((j) => !j.settled).length;
  }

  /** Refuse new jobs, fail the queued ones, drop the kept memory. */
  close(): void {
    this.closed = true;
    this.failAll(() => new EngineError('the engine was shut down'));
    this.memory.clear();
  }
}
