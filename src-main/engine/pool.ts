/**
 * The CPU backend: a pool of worker_threads, each running onnxruntime's CPU kernels, native
 * (onnxruntime-node, where it is installed: ort-native.ts) or wasm (onnxruntime-web). Jobs are cut
 * into tiles (plan.ts), tiles are handed to idle workers in job order, workers write their
 * tile straight into the job's shared result arrays. A cancelled job stops being dispatched
 * at once; a worker that dies is replaced, the job it was serving fails with a clear error,
 * and every other job goes on.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import type { AttentionProblem, AttentionResult } from '../../src-shared/job/problem';
import { planRegionTiles, type Region } from '../../src-shared/graph';
import type { Backend, EngineResult, RunOptions } from './backend';
import { EngineError } from './backend';
import { isOutOfMemory, outOfMemoryError, workerStoppedError } from './worker-faults';
import { JobQueue, type QueuedJob, type TileExecutor, type TileTask } from './job-queue';
import { MAX_TILE_BYTES, planPoolTiles, tileProblem, type Tile } from './plan';
import { shareProblem } from './marshal';
import type { CpuRuntimeKind, ToMain, ToWorker } from './protocol';
import { nativeInstalled } from './ort-native';
import { OnDemandBackend } from './on-demand';
import { workerScript } from './worker-script';

export interface PoolOptions {
  /**
   * which onnxruntime build the workers run: 'native' (onnxruntime-node's CPU kernels; a
   * worker whose addon does not load runs wasm and says why), 'wasm' (onnxruntime-web), or
   * 'auto' (default): native when onnxruntime-node is installed, else wasm
   */
  runtime?: CpuRuntimeKind | 'auto';
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
  /**
   * Start the workers when this settles, or with the first job if that comes first (default:
   * at once). The app's window boots on the same cores as the workers' onnxruntime: its first
   * result runs in process (router.ts) and the workers start after it.
   */
  startWhen?: Promise<unknown>;
  /** refuse jobs whose smallest tile needs more than this (default MAX_TILE_BYTES, see plan.ts) */
  maxTileBytes?: number;
  /** bytes of released results kept for reuse (default 256 MiB; 0 turns reuse off) */
  recycleBytes?: number;
  /**
   * a built engine worker to run (default: the one beside this module; from sources, worker.ts
   * booted through tsx, which compiles the engine's sources again in every worker). The bench
   * names the CLI build's out/cli/engine-worker.js: the worker as the app and the CLI ship it.
   */
  workerScript?: URL;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  task: TileTask | null;
  known: Set<number>;
  alive: boolean;
  /** its idle warm-up has ended (or it has none): the time of each round, ms */
  warm: number[] | null;
  /** the build it runs, once ready (and why not native, when it fell back) */
  runtime: CpuRuntimeKind | null;
  fallback?: string;
  /** resolves when the worker has answered 'close' (or died) */
  closed: Promise<void>;
}

function workerUrl(script?: URL): { url: URL; workerData?: unknown } {
  const here = import.meta.url;
  return script ? { url: script } : workerScript(here, './worker.ts', new URL('./engine-worker.js', here));
}

/**
 * The app's pool (src-main/index.ts; the benchmark measures it as configured here): it
 * starts with the window, long before the first job, so it spends its start-up making every
 * later job fast.
 */
export const APP_POOL: PoolOptions = { idleWarmUp: true, optimizeUpFront: true };

/** 'auto' → the build this process can run: native when onnxruntime-node is installed. */
export function resolveRuntime(runtime: PoolOptions['runtime'] = 'auto'): CpuRuntimeKind {
  return runtime === 'auto' ? (nativeInstalled() ? 'native' : 'wasm') : runtime;
}

/**
 * The pool for `backend: "wasm"` jobs beside a CPU pool made with `options`: where that pool
 * runs native code, a wasm pool of the same shape, started by the first such job (the router
 * sends them there); null where it runs wasm already.
 */
export function wasmPoolBeside(options: PoolOptions): Backend | null {
  if (resolveRuntime(options.runtime) === 'wasm') return null;
  return new OnDemandBackend('wasm', () => new CpuPool({ workers: options.workers, threadsPerWorker: options.threadsPerWorker, runtime: 'wasm' }));
}

/** How long close() waits for a native worker to finish its tile before terminating it anyway, ms. */
const NATIVE_CLOSE_WAIT_MS = 60_000;

export class CpuPool implements Backend, TileExecutor {
  readonly id = 'cpu';
  readonly memory = 'shared';
  readonly workers: number;
  readonly threadsPerWorker: number;
  /** the build asked for; each worker reports the one it runs (ranOn) */
  readonly runtime: CpuRuntimeKind;
  private readonly budgetBytes?: number;
  private readonly warmUp: boolean;
  private readonly idleWarmUp: boolean;
  private warmWaiters: (() => void)[] = [];
  private readonly slots: Slot[] = [];
  private readonly queue: JobQueue;
  private readonly maxTileBytes: number;
  private readonly workerScript?: URL;
  private closed = false;
  private workersStarted = false;
  private restartCount = 0;

  constructor(options: PoolOptions = {}) {
    // Workers before threads. Measured on 2 cores (docs/performance.md): two single-threaded
    // workers beat one worker running onnxruntime on both cores in every bench case, by
    // 1.1–2.2× (tiles are independent, while onnxruntime's threads synchronise at every
    // op), for ~250 MB more RSS (a second wasm heap). At most 4 workers (4 heaps); cores
    // beyond that go to threads inside them.
    const cores = availableParallelism();
    this.runtime = resolveRuntime(options.runtime);
    const threads = options.threadsPerWorker;
    this.workers = Math.max(1, options.workers ?? (threads ? Math.floor(cores / threads) : Math.min(4, cores)));
    this.threadsPerWorker = Math.max(1, threads ?? Math.floor(cores / this.workers));
    this.budgetBytes = options.budgetBytes;
    this.warmUp = options.warmUp ?? true;
    // idle warm-up is for wasm (V8's tiering, the wasm heap's growth): native code is compiled
    // already, and a worker must never be terminated mid-run (ort-native.ts)
    this.idleWarmUp = (options.idleWarmUp ?? false) && this.warmUp && this.runtime === 'wasm';
    this.maxTileBytes = options.maxTileBytes ?? MAX_TILE_BYTES;
    this.workerScript = options.workerScript;
    this.queue = new JobQueue(this, { recycleBytes: options.recycleBytes });
    // before any worker compiles onnxruntime (each worker's isolate reads the flag then)
    if (options.optimizeUpFront && this.runtime === 'wasm') setFlagsFromString('--no-liftoff');
    const start = () => this.start();
    if (options.startWhen) void options.startWhen.then(start, start);
    else start();
  }

  /** Start the workers (once; not after close). */
  private start(): void {
    if (this.workersStarted || this.closed) return;
    this.workersStarted = true;
    for (let i = 0; i < this.workers; i++) this.slots.push(this.spawn(i));
  }

  private spawn(index: number): Slot {
    const { url, workerData } = workerUrl(this.workerScript);
    const worker = new Worker(url, { workerData });
    let markReady: () => void;
    let markClosed: () => void;
    const slot: Slot = {
      worker,
      ready: new Promise<void>((r) => (markReady = r)),
      task: null,
      known: new Set(),
      alive: true,
      warm: null,
      runtime: null,
      closed: new Promise<void>((r) => (markClosed = r)),
    };
    worker.on('exit', () => markClosed());
    worker.on('message', (m: ToMain) => {
      if (m.type === 'ready') {
        slot.runtime = m.runtime;
        slot.fallback = m.fallback;
        markReady();
        this.pump();
      } else if (m.type === 'closed') {
        markClosed();
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
    this.post(slot, { type: 'init', threads: this.threadsPerWorker, warmUp: this.warmUp, idleWarmUp: idle, runtime: this.runtime });
    return slot;
  }

  private post(slot: Slot, message: ToWorker): void {
    slot.worker.postMessage(message);
  }

  run(problem: AttentionProblem, options: RunOptions = {}): Promise<EngineResult> {
    this.start();
    return this.queue.run(problem, options);
  }

  // ── the executor's side of the queue ──────────────────────────────────────────────

  prepare(problem: AttentionProblem): AttentionProblem {
    return shareProblem(problem);
  }

  refuse(problem: AttentionProblem): string | null {
    return tileProblem(problem, this.maxTileBytes);
  }

  plan(problem: AttentionProblem, region?: Region): Tile[] {
    const { budgetBytes } = this;
    return region ? planRegionTiles(problem, region, { budgetBytes }) : planPoolTiles(problem, { workers: this.workers, budgetBytes });
  }

  admit(): void {
    this.pump();
  }

  /** its workers have been started (PoolOptions.startWhen settled, or a job came first) */
  get started(): boolean {
    return this.workersStarted;
  }

  /** a worker is ready for tiles (Backend.ready) */
  get ready(): boolean {
    return this.slots.some((s) => s.alive && s.runtime !== null);
  }

  ranOn(): { backend: string; workers: number } {
    const { workers: w, threadsPerWorker: t } = this;
    const { fallback } = this.runtimeNow();
    const shape = `${w} worker${w > 1 ? 's' : ''} × ${t} thread${t > 1 ? 's' : ''}${fallback ? `; ${fallback}` : ''}`;
    return { backend: `${this.describe()} (${shape})`, workers: w };
  }

  /** What the workers run: 'native CPU' or 'wasm' (appInfo, and the router's own description). */
  describe(): string {
    return this.runtimeNow().runtime === 'native' ? 'native CPU' : 'wasm';
  }

  /**
   * The build the workers run, and why not native where it was asked for and a worker could
   * not load it (a pool's workers all load the same package: one worker's answer stands for
   * all); the build asked for until a worker is ready.
   */
  private runtimeNow(): { runtime: CpuRuntimeKind; fallback?: string } {
    const ready = this.slots.find((s) => s.alive && s.runtime);
    return ready ? { runtime: ready.runtime!, fallback: ready.fallback } : { runtime: this.runtime };
  }

  /** Hand tiles to idle, ready workers, oldest job first. */
  pump(): void {
    for (const slot of this.slots) {
      if (!slot.alive || slot.task) continue;
      if (!this.queue.hasWork) return;
      void slot.ready.then(() => this.dispatch(slot));
    }
  }

  private dispatch(slot: Slot): void {
    if (!slot.alive || slot.task) return;
    const task = this.queue.take();
    if (!task) return;
    const { job } = task;
    if (!slot.known.has(job.id)) {
      this.post(slot, { type: 'job', jobId: job.id, problem: job.problem, result: job.result });
      slot.known.add(job.id);
    }
    slot.task = task;
    this.post(slot, { type: 'tile', jobId: job.id, tileIndex: task.index, tile: task.tile, ...(task.at !== task.tile ? { at: task.at } : {}) });
  }

  private onTileMessage(slot: Slot, m: ToMain): void {
    const task = slot.task;
    slot.task = null;
    if (!task) return;
    if (m.type === 'tileDone') this.queue.tileDone(task);
    else if (m.type === 'tileFailed' && !isOutOfMemory(m.message)) this.queue.tileFailed(task, new EngineError(m.message));
    else if (m.type === 'tileFailed') {
      // the wasm heap grew to its limit and never shrinks: start the worker afresh
      this.recycle(slot);
      this.queue.tileFailed(task, outOfMemoryError(task.tile, m.message));
    }
  }

  /** The queue forgot a job: the workers that hold it drop it, so its memory can go. */
  forget(job: QueuedJob): void {
    for (const slot of this.slots) {
      if (slot.known.delete(job.id) && slot.alive) this.post(slot, { type: 'drop', jobId: job.id });
    }
  }

  private onWorkerDeath(slot: Slot, how: string): void {
    if (!slot.alive) return;
    const task = slot.task;
    this.replace(slot);
    if (task) this.queue.tileFailed(task, workerStoppedError(task.tile, how));
    this.pump();
  }

  /** Replace a worker that is alive but must not be reused (its wasm heap is exhausted). */
  private recycle(slot: Slot): void {
    if (!slot.alive) return;
    void slot.worker.terminate();
    this.replace(slot);
  }

  /** The worker is dead to the pool from now on (no tile goes to it, its exit is no death to handle): start another in its place. */
  private replace(slot: Slot): void {
    slot.alive = false;
    slot.task = null;
    const index = this.slots.indexOf(slot);
    if (this.closed || index < 0) return;
    this.restartCount++;
    this.slots[index] = this.spawn(index);
  }

  release(result: AttentionResult): void {
    this.queue.release(result);
  }

  /** Bytes of released results held for reuse (tests). */
  get recycledBytes(): number {
    return this.queue.recycledBytes;
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
    // not started: nothing has warmed yet (unless closed, when nothing ever will)
    if (!this.workersStarted && !this.closed) return;
    if (!this.slots.every((s) => s.warm || !s.alive)) return;
    const waiters = this.warmWaiters;
    this.warmWaiters = [];
    for (const w of waiters) w();
  }

  /** Workers started to replace ones that died or ran out of memory. */
  get restarts(): number {
    return this.restartCount;
  }

  /**
   * Test and fault-injection hook: terminate one worker as if it had crashed. A wasm pool's
   * only: terminating a native worker while it runs aborts the process (ort-native.ts).
   */
  async killWorker(index = 0): Promise<void> {
    if (this.runtime === 'native') throw new Error('killWorker needs a wasm pool: a native worker cannot be terminated mid-run');
    await this.slots[index]?.worker.terminate();
  }

  /** Jobs waiting or running. */
  get pending(): number {
    return this.queue.pending;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queue.close();
    await Promise.all(
      this.slots.map(async (s) => {
        s.alive = false;
        if (this.runtime === 'native') {
          // let it finish what it runs first (terminating a native run aborts the process)
          this.post(s, { type: 'close' });
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([s.closed, new Promise((r) => (timer = setTimeout(r, NATIVE_CLOSE_WAIT_MS)))]);
          clearTimeout(timer);
        }
        return s.worker.terminate();
      }),
    );
    // nothing left to warm: whoever waits for it goes on
    this.checkWarm();
  }
}
