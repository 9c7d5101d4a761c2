/**
 * The wasm backend: a pool of worker_threads, each running onnxruntime-web. Jobs are cut
 * into tiles (plan.ts), tiles are handed to idle workers in job order, workers write their
 * tile straight into the job's shared result arrays. A cancelled job stops being dispatched
 * at once; a worker that dies is replaced, the job it was serving fails with a clear error,
 * and every other job goes on.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import type { AttentionProblem, AttentionResult } from '../../src-shared/job/problem';
import { CancelledError, EngineError, settleAndForget, type Backend, type EngineResult, type RunOptions } from './backend';
import { MAX_TILE_BYTES, planPoolTiles, sizeProblem, tileProblem, type Tile } from './plan';
import {
  RecycledBuffers,
  allocateRegionResult,
  allocateResult,
  finishResult,
  placeInRegion,
  planRegionTiles,
  regionProblem,
  resultBuffers,
} from '../../src-shared/graph';
import { shareProblem } from './share';
import type { ToMain, ToWorker } from './protocol';

export interface PoolOptions {
  /** worker threads (default: one per core, at most 4; with threadsPerWorker given, cores / threadsPerWorker) */
  workers?: number;
  /** onnxruntime-web threads inside each worker (default: the cores the workers leave, at least 1) */
  threadsPerWorker?: number;
  /** per-run memory budget for tiling, bytes */
  budgetBytes?: number;
  /** warm each new worker up before it takes work (default true; see warm-up.ts) */
  warmUp?: boolean;
  /**
   * then go on warming in idle time, always yielding to real work: the first worker until
   * its timings settle, the others for one round that grows their wasm heap (default
   * false: the app turns it on, its pool starts long before the first job; a CLI run or a
   * test would only pay for it)
   */
  idleWarmUp?: boolean;
  /**
   * Compile onnxruntime's wasm with V8's optimising compiler before the first job, instead of
   * its baseline compiler first and the optimising one later, function by function, as they
   * run (V8's --no-liftoff, set for the whole process: V8 flags are process-wide). Measured
   * on 2 cores: the engine is ready ~3.3 s later, and then runs every job at full speed,
   * where by default its first few seconds of jobs run 2–3× slower and when they stop doing
   * so varies from run to run. Default false; the app's pool sets it (APP_POOL).
   */
  optimizeUpFront?: boolean;
  /** refuse jobs whose smallest tile needs more than this (default MAX_TILE_BYTES, see plan.ts) */
  maxTileBytes?: number;
  /** bytes of released results kept for reuse (default 256 MiB; 0 turns reuse off) */
  recycleBytes?: number;
}

interface Job {
  id: number;
  problem: AttentionProblem;
  result: AttentionResult;
  tiles: Tile[];
  /** a region run: where each tile lands in the region's result */
  place?: (tile: Tile) => Tile;
  next: number;
  done: number;
  inFlight: number;
  options: RunOptions;
  submitted: number;
  started?: number;
  settled: boolean;
  /** the result went to the caller: its memory is theirs until they release it */
  delivered: boolean;
  resolve: (r: EngineResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  task: { job: Job; tile: number } | null;
  known: Set<number>;
  alive: boolean;
  /** its idle warm-up has ended (or it has none): the time of each round, ms */
  warm: number[] | null;
}

function workerUrl(): { url: URL; workerData?: unknown } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // running from sources: boot through tsx
    return { url: new URL('./worker-boot.mjs', here), workerData: { entry: new URL('./worker.ts', here).href } };
  }
  // bundled (electron-vite / CLI build): the worker is emitted beside this chunk
  return { url: new URL('./engine-worker.js', here) };
}

/** How onnxruntime-web reports an allocation its wasm heap cannot give (bad_alloc, a size overflowing 32 bits, an abort). */
const OUT_OF_MEMORY = /bad_alloc|out of memory|SafeIntOnOverflow|Integer overflow|memory access out of bounds|Aborted\(|failed to allocate/i;

/** onnxruntime's reason in a few words (its messages carry build paths and C++ signatures). */
function ortReason(message: string): string {
  const text = message.replace(/^[\s\S]*ERROR_MESSAGE:\s*/, '').trim();
  if (/overflow/i.test(text)) return 'a tensor size overflowed 32 bits';
  if (/bad_alloc/.test(text)) return 'std::bad_alloc';
  return (text.split('\n').pop() ?? text).slice(-120);
}

/**
 * The app's pool (src-main/index.ts; the benchmark measures it as configured here): it
 * starts with the window, long before the first job, so it spends its start-up making every
 * later job fast.
 */
export const APP_POOL: PoolOptions = { idleWarmUp: true, optimizeUpFront: true };

export class WasmPool implements Backend {
  readonly id = 'wasm';
  readonly workers: number;
  readonly threadsPerWorker: number;
  private readonly budgetBytes?: number;
  private readonly warmUp: boolean;
  private readonly idleWarmUp: boolean;
  private warmWaiters: (() => void)[] = [];
  private readonly slots: Slot[] = [];
  private readonly jobs: Job[] = [];
  private readonly maxTileBytes: number;
  /** memory of released results and of failed jobs, for the next result of the same size */
  private readonly memory: RecycledBuffers;
  private readonly released = new WeakSet<AttentionResult>();
  private nextJobId = 1;
  private closed = false;
  private restartCount = 0;

  constructor(options: PoolOptions = {}) {
    // Workers before threads. Measured on 2 cores (docs/performance.md): two single-threaded
    // workers beat one worker running onnxruntime on both cores in every bench case, by
    // 1.1–2.2× (tiles are independent, while onnxruntime's threads synchronise at every
    // op), for ~250 MB more RSS (a second wasm heap). At most 4 workers (4 heaps); cores
    // beyond that go to threads inside them.
    const cores = availableParallelism();
    const threads = options.threadsPerWorker;
    this.workers = Math.max(1, options.workers ?? (threads ? Math.floor(cores / threads) : Math.min(4, cores)));
    this.threadsPerWorker = Math.max(1, threads ?? Math.floor(cores / this.workers));
    this.budgetBytes = options.budgetBytes;
    this.warmUp = options.warmUp ?? true;
    this.idleWarmUp = (options.idleWarmUp ?? false) && this.warmUp;
    this.maxTileBytes = options.maxTileBytes ?? MAX_TILE_BYTES;
    this.memory = new RecycledBuffers({ maxBytes: options.recycleBytes });
    // before any worker compiles onnxruntime (each worker's isolate reads the flag then)
    if (options.optimizeUpFront) setFlagsFromString('--no-liftoff');
    for (let i = 0; i < this.workers; i++) this.slots.push(this.spawn(i));
  }

  private spawn(index: number): Slot {
    const { url, workerData } = workerUrl();
    const worker = new Worker(url, { workerData });
    let markReady: () => void;
    const slot: Slot = {
      worker,
      ready: new Promise<void>((r) => (markReady = r)),
      task: null,
      known: new Set(),
      alive: true,
      warm: null,
    };
    worker.on('message', (m: ToMain) => {
      if (m.type === 'ready') {
        markReady();
        this.pump();
      } else if (m.type === 'warm') {
        slot.warm = m.roundMs;
        this.checkWarm();
      } else this.onTileMessage(slot, m);
    });
    worker.on('error', (err) => this.onWorkerDeath(slot, `it threw ${err.message}`));
    worker.on('exit', (code) => this.onWorkerDeath(slot, `it exited with code ${code}`));
    // V8 shares a wasm module's compiled and optimised code between the workers of a process,
    // so one worker warming until its timings settle warms them all; the others only grow
    // their own wasm heap, and leave the cores to it and to V8's background compiler
    const idle = !this.idleWarmUp ? 'off' : index === 0 ? 'settle' : 'heap';
    this.post(slot, { type: 'init', threads: this.threadsPerWorker, warmUp: this.warmUp, idleWarmUp: idle });
    return slot;
  }

  private post(slot: Slot, message: ToWorker): void {
    slot.worker.postMessage(message);
  }

  run(problem: AttentionProblem, options: RunOptions = {}): Promise<EngineResult> {
    if (this.closed) return Promise.reject(new EngineError('the engine has been shut down'));
    const { region } = options;
    // (a region run's tiles cover only its keys; its own check is regionProblem)
    const tooBig = region ? regionProblem(problem, region) : (sizeProblem(problem) ?? tileProblem(problem, this.maxTileBytes));
    if (tooBig) return Promise.reject(new EngineError(tooBig));
    if (options.signal?.aborted) return Promise.reject(new CancelledError());
    return new Promise<EngineResult>((resolve, reject) => {
      const shared = shareProblem(problem);
      const job: Job = {
        id: this.nextJobId++,
        problem: shared,
        result: region
          ? allocateRegionResult(shared, region, { shared: true, buffers: this.memory })
          : allocateResult(shared, { shared: true, buffers: this.memory }),
        tiles: region
          ? planRegionTiles(shared, region, { budgetBytes: this.budgetBytes })
          : planPoolTiles(shared, { workers: this.workers, budgetBytes: this.budgetBytes }),
        place: region ? (t) => placeInRegion(t, region) : undefined,
        next: 0,
        done: 0,
        inFlight: 0,
        options,
        submitted: performance.now(),
        settled: false,
        delivered: false,
        ...settleAndForget<EngineResult>(options.signal, () => this.fail(job, new CancelledError()), resolve, reject),
      };
      this.jobs.push(job);
      this.pump();
    });
  }

  /** Hand tiles to idle, ready workers, oldest job first. */
  private pump(): void {
    for (const slot of this.slots) {
      if (!slot.alive || slot.task) continue;
      const job = this.jobs.find((j) => !j.settled && j.next < j.tiles.length);
      if (!job) return;
      void slot.ready.then(() => this.dispatch(slot));
    }
  }

  private dispatch(slot: Slot): void {
    if (!slot.alive || slot.task) return;
    const job = this.jobs.find((j) => !j.settled && j.next < j.tiles.length);
    if (!job) return;
    if (!slot.known.has(job.id)) {
      this.post(slot, { type: 'job', jobId: job.id, problem: job.problem, result: job.result });
      slot.known.add(job.id);
    }
    const tile = job.next++;
    job.inFlight++;
    job.started ??= performance.now();
    slot.task = { job, tile };
    const t = job.tiles[tile];
    this.post(slot, { type: 'tile', jobId: job.id, tileIndex: tile, tile: t, ...(job.place ? { at: job.place(t) } : {}) });
  }

  private onTileMessage(slot: Slot, m: ToMain): void {
    const task = slot.task;
    slot.task = null;
    if (!task) return;
    const { job } = task;
    job.inFlight--;
    if (m.type === 'tileFailed') {
      if (OUT_OF_MEMORY.test(m.message)) {
        // the wasm heap grew to its limit and never shrinks: start the worker afresh
        this.recycle(slot);
        const t = job.tiles[task.tile];
        const said = ortReason(m.message);
        this.fail(
          job,
          new EngineError(
            `the compute worker ran out of memory on this job (heads ${t.h0}–${t.h1 - 1}, rows ${t.r0}–${t.r1 - 1}; onnxruntime said "${said}"); the worker was restarted to free its memory: ask for fewer outputs, use fewer keys, or choose a lighter score function`,
          ),
        );
      } else this.fail(job, new EngineError(m.message));
    } else if (m.type === 'tileDone' && !job.settled) {
      job.done++;
      const n = job.tiles.length;
      job.options.onProgress?.({ fraction: job.done / n, tilesDone: job.done, tiles: n });
      if (job.done === n) this.complete(job);
    }
    this.forgetIfIdle(job);
    this.pump();
  }

  private complete(job: Job): void {
    let result: AttentionResult;
    try {
      result = finishResult(job.result);
    } catch (e) {
      this.fail(job, new EngineError((e as Error).message));
      return;
    }
    job.settled = true;
    job.delivered = true;
    const now = performance.now();
    job.resolve({
      ...result,
      backend: `wasm (${this.workers} worker${this.workers > 1 ? 's' : ''} × ${this.threadsPerWorker} thread${this.threadsPerWorker > 1 ? 's' : ''})`,
      timing: { totalMs: now - job.submitted, queuedMs: (job.started ?? now) - job.submitted, tiles: job.tiles.length, workers: this.workers },
    });
    this.forgetIfIdle(job);
  }

  private fail(job: Job, error: Error): void {
    if (job.settled) return;
    job.settled = true;
    job.reject(error);
    this.forgetIfIdle(job);
    this.pump();
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
    if (!job.delivered) this.recycleMemory(job.result);
    for (const slot of this.slots) {
      if (slot.known.delete(job.id) && slot.alive) this.post(slot, { type: 'drop', jobId: job.id });
    }
  }

  private onWorkerDeath(slot: Slot, how: string): void {
    if (!slot.alive) return;
    slot.alive = false;
    const index = this.slots.indexOf(slot);
    const task = slot.task;
    slot.task = null;
    if (task) {
      task.job.inFlight--;
      const t = task.job.tiles[task.tile];
      this.fail(
        task.job,
        new EngineError(`a compute worker stopped while running this job (${how}, on heads ${t.h0}–${t.h1 - 1}, rows ${t.r0}–${t.r1 - 1}); the job was not completed and can be run again`),
      );
    }
    if (this.closed || index < 0) return;
    this.restartCount++;
    this.slots[index] = this.spawn(index);
    this.pump();
  }

  /** Replace a worker that is alive but must not be reused (its wasm heap is exhausted). */
  private recycle(slot: Slot): void {
    if (!slot.alive) return;
    // dead to the pool from now on: no tile goes to it, its exit is not a death to handle
    slot.alive = false;
    slot.task = null;
    void slot.worker.terminate();
    const index = this.slots.indexOf(slot);
    if (this.closed || index < 0) return;
    this.restartCount++;
    this.slots[index] = this.spawn(index);
  }

  release(result: AttentionResult): void {
    if (this.released.has(result)) return;
    this.released.add(result);
    this.recycleMemory(result);
  }

  private recycleMemory(result: AttentionResult): void {
    for (const buffer of resultBuffers(result)) if (buffer instanceof SharedArrayBuffer) this.memory.give(buffer);
  }

  /** Bytes of released results held for reuse (tests). */
  get recycledBytes(): number {
    return this.memory.heldBytes;
  }

  /**
   * Resolves once every worker has finished warming up (with `idleWarmUp`, once its timings
   * have settled), with each worker's warm-up round times: the steady state a long-lived
   * pool reaches before its first job. The benchmark waits for it; the app never needs to
   * (jobs always go first).
   */
  whenWarm(): Promise<{ roundMs: number[][] }> {
    return new Promise((resolve) => {
      this.warmWaiters.push(() => resolve({ roundMs: this.slots.map((s) => s.warm ?? []) }));
      this.checkWarm();
    });
  }

  private checkWarm(): void {
    if (!this.slots.every((s) => s.warm || !s.alive)) return;
    const waiters = this.warmWaiters;
    this.warmWaiters = [];
    for (const w of waiters) w();
  }

  /** Workers started to replace ones that died or ran out of memory. */
  get restarts(): number {
    return this.restartCount;
  }

  /** Test and fault-injection hook: terminate one worker as if it had crashed. */
  async killWorker(index = 0): Promise<void> {
    await this.slots[index]?.worker.terminate();
  }

  /** Jobs waiting or running. */
  get pending(): number {
    return this.jobs.filter((j) => !j.settled).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of [...this.jobs]) this.fail(job, new EngineError('the engine was shut down'));
    this.memory.clear();
    await Promise.all(
      this.slots.map((s) => {
        s.alive = false;
        return s.worker.terminate();
      }),
    );
    // nothing left to warm: whoever waits for it goes on
    this.checkWarm();
  }
}
