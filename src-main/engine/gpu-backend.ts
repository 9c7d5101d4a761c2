/**
 * The WebGPU backend, main's side: onnxruntime-web's WebGPU execution provider runs in a
 * browser context (Electron: the hidden compute window, src-main/electron/compute-window.ts;
 * tests and bench: a Chromium page driven by Playwright), reached through a
 * `ComputeConnection`. Main keeps everything but the arithmetic: the tiling (the graph's
 * own plan), the job queue, progress, cancellation, and the assembly of each returned tile
 * with the same `writeTile` / `finishResult` as the wasm pool. Electron-free.
 *
 * A lost GPU device or a crashed page fails the jobs it was serving with BackendLostError
 * (the router retries them on wasm) and the connection is replaced by a fresh page.
 */
import type { AttentionProblem, AttentionResult, ResolvedMask } from '../../src-shared/job/problem';
import type { Matrix } from '../../src-shared/linalg/matrix';
import {
  RecycledBuffers,
  allocateRegionResult,
  allocateResult,
  finishResult,
  firstNegative,
  kernelNegativeMessage,
  placeInRegion,
  planGraphTiles,
  planRegionTiles,
  regionProblem,
  resultBuffers,
  writeTile,
  WEBGPU_TARGET,
  type Tile,
} from '../../src-shared/graph';
import type { AdapterInfo, FromCompute, ToCompute } from '../../src-shared/engine-browser/protocol';
import type { TileResult } from '../../src-shared/graph/tile-result';
import { BackendLostError, CancelledError, EngineError, settleAndForget, type Backend, type EngineResult, type RunOptions } from './backend';
import { sizeProblem } from './plan';

/** One open compute page. */
export interface ComputeConnection {
  post(message: ToCompute): void;
  /** every message from the page */
  onMessage(listener: (message: FromCompute) => void): void;
  /** the page went away (crashed, closed, unresponsive); called at most once */
  onClose(listener: (reason: string) => void): void;
  /** close the page (idempotent) */
  close(): Promise<void>;
}

/** Opens a new compute page (Electron: a hidden window; tests: a Chromium page). */
export type ConnectCompute = () => Promise<ComputeConnection>;

export type GpuStatus = 'idle' | 'starting' | 'ready' | 'unavailable';

export interface WebGpuBackendOptions {
  /** per-tile memory budget for tiling, bytes (default: the graph's 64 MiB) */
  budgetBytes?: number;
  /** tiles handed to the page before the previous ones return (keeps its queue fed) */
  maxInFlight?: number;
  /** wasm threads the page gives nodes WebGPU does not take (default 1: the pool has the cores) */
  pageThreads?: number;
  /** how long the page may take to find its adapter and start its device */
  startTimeoutMs?: number;
  /** a tile that takes longer than this means the page hangs: it is replaced */
  tileTimeoutMs?: number;
  /** after this many losses in a row (no tile finished in between), stop trying */
  maxLosses?: number;
}

interface GpuJob {
  id: number;
  problem: AttentionProblem;
  result: AttentionResult;
  tiles: Tile[];
  place: (t: Tile) => Tile;
  next: number;
  done: number;
  /** page-side milliseconds of the tiles so far */
  pageMs: number;
  inFlight: number;
  /** the page the job's problem was sent to */
  sentTo: Page | null;
  negative: ReturnType<typeof firstNegative>;
  options: RunOptions;
  submitted: number;
  started?: number;
  settled: boolean;
  resolve: (r: EngineResult) => void;
  reject: (e: Error) => void;
}

interface Page {
  conn: ComputeConnection;
  alive: boolean;
  ready: Promise<AdapterInfo | null>;
}

// ── structured-clone-safe problems ────────────────────────────────────────────────────

type Typed = Float32Array | Float64Array | Uint8Array | Int32Array;
const own = <T extends Typed>(a: T): T => (a.buffer instanceof SharedArrayBuffer ? (a.slice() as T) : a);
const ownMatrix = (m: Matrix): Matrix => ({ rows: m.rows, cols: m.cols, data: own(m.data) });
function ownMask(m: ResolvedMask): ResolvedMask {
  switch (m.id) {
    case 'graph':
    case 'custom':
      return { ...m, allowed: own(m.allowed) };
    case 'segments':
      return { ...m, queryIds: own(m.queryIds), keyIds: own(m.keyIds) };
    case 'padding':
      return { ...m, keep: own(m.keep) };
    default:
      return m;
  }
}

/** A problem whose arrays can be posted to another process (no SharedArrayBuffers). */
export function portableProblem(p: AttentionProblem): AttentionProblem {
  return { ...p, q: ownMatrix(p.q), k: ownMatrix(p.k), v: ownMatrix(p.v), masks: p.masks.map(ownMask) };
}

export function describeAdapter(a: AdapterInfo): string {
  const what = [a.vendor, a.architecture, a.description].filter(Boolean).join(' ') || 'unknown adapter';
  return `webgpu (${what}${a.fallback ? ', software' : ''})`;
}

export class WebGpuBackend implements Backend {
  readonly id = 'webgpu';
  private readonly options: Required<WebGpuBackendOptions>;
  private page: Page | null = null;
  private readonly jobs: GpuJob[] = [];
  private nextJobId = 1;
  private inFlight = 0;
  private losses = 0;
  private closed = false;
  private statusValue: GpuStatus = 'idle';
  private adapterValue: AdapterInfo | null = null;
  private reasonValue: string | null = null;
  private opened = 0;
  /** memory of released results, for the next result of the same size (recycled-buffers.ts) */
  private readonly memory = new RecycledBuffers();
  private readonly released = new WeakSet<AttentionResult>();

  constructor(
    private readonly connect: ConnectCompute,
    options: WebGpuBackendOptions = {},
  ) {
    this.options = {
      budgetBytes: options.budgetBytes ?? 64 * 2 ** 20,
      maxInFlight: Math.max(1, options.maxInFlight ?? 2),
      pageThreads: options.pageThreads ?? 1,
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
      tileTimeoutMs: options.tileTimeoutMs ?? 300_000,
      maxLosses: options.maxLosses ?? 3,
    };
  }

  /** idle (not started), starting, ready (an adapter and a device), unavailable (see `reason`). */
  get status(): GpuStatus {
    return this.statusValue;
  }

  get adapter(): AdapterInfo | null {
    return this.adapterValue;
  }

  /** why WebGPU is unavailable (or was last lost), for messages */
  get reason(): string | null {
    return this.reasonValue;
  }

  /** The backend string results carry, e.g. "webgpu (google swiftshader, software)". */
  get label(): string {
    return this.adapterValue ? describeAdapter(this.adapterValue) : 'webgpu';
  }

  /** Open the compute page (once) and wait for its adapter; null when WebGPU is unavailable. */
  start(): Promise<AdapterInfo | null> {
    if (this.closed) return Promise.resolve(null);
    if (this.statusValue === 'unavailable') return Promise.resolve(null);
    if (this.page?.alive) return this.page.ready;
    this.statusValue = 'starting';
    let settle!: (a: AdapterInfo | null) => void;
    const ready = new Promise<AdapterInfo | null>((r) => (settle = r));
    const page: Page = { conn: null as unknown as ComputeConnection, alive: true, ready };
    this.page = page;
    this.opened++;
    const timer = setTimeout(() => {
      if (this.page !== page || this.statusValue !== 'starting') return;
      this.unavailable(`the compute page did not report a WebGPU adapter within ${this.options.startTimeoutMs} ms`);
      settle(null);
      void page.conn?.close?.();
    }, this.options.startTimeoutMs);
    this.connect().then(
      (conn) => {
        page.conn = conn;
        if (this.page !== page || this.closed) {
          void conn.close();
          settle(null);
          return;
        }
        conn.onMessage((m) => {
          // a page that was given up on (timed out, replaced) no longer speaks for the backend
          if (this.page !== page) return;
          if (m.type === 'ready') {
            clearTimeout(timer);
            this.adapterValue = m.adapter;
            this.statusValue = 'ready';
            settle(m.adapter);
            this.pump();
          } else if (m.type === 'unavailable') {
            clearTimeout(timer);
            this.unavailable(m.reason);
            settle(null);
            void conn.close();
          } else {
            this.onPageMessage(page, m);
          }
        });
        conn.onClose((reason) => {
          clearTimeout(timer);
          settle(null);
          this.onLost(page, `the compute page stopped (${reason})`);
        });
        conn.post({ type: 'init', threads: this.options.pageThreads });
      },
      (err: Error) => {
        clearTimeout(timer);
        this.unavailable(`the compute page could not be opened: ${err.message}`);
        settle(null);
      },
    );
    return ready;
  }

  private unavailable(reason: string): void {
    this.statusValue = 'unavailable';
    this.reasonValue = reason;
    this.page = null;
    this.failAll((j) => new EngineError(`the WebGPU backend is not available: ${reason}`));
  }

  run(problem: AttentionProblem, options: RunOptions = {}): Promise<EngineResult> {
    if (this.closed) return Promise.reject(new EngineError('the engine has been shut down'));
    const { region } = options;
    const tooBig = region ? regionProblem(problem, region) : sizeProblem(problem);
    if (tooBig) return Promise.reject(new EngineError(tooBig));
    if (options.signal?.aborted) return Promise.reject(new CancelledError());
    return new Promise<EngineResult>((resolve, reject) => {
      const p = portableProblem(problem);
      // tiles sized for the graphs the page builds (no float64: graph/target.ts)
      const budget = { budgetBytes: this.options.budgetBytes, target: WEBGPU_TARGET };
      const job: GpuJob = {
        id: this.nextJobId++,
        problem: p,
        result: region ? allocateRegionResult(p, region, { buffers: this.memory }) : allocateResult(p, { buffers: this.memory }),
        tiles: region ? planRegionTiles(p, region, budget) : planGraphTiles(p, budget),
        place: region ? (t) => placeInRegion(t, region) : (t) => t,
        next: 0,
        done: 0,
        pageMs: 0,
        inFlight: 0,
        sentTo: null,
        negative: null,
        options,
        submitted: performance.now(),
        settled: false,
        ...settleAndForget<EngineResult>(options.signal, () => this.fail(job, new CancelledError()), resolve, reject),
      };
      this.jobs.push(job);
      void this.start().then((adapter) => {
        if (!adapter) this.fail(job, new EngineError(`the WebGPU backend is not available: ${this.reasonValue ?? 'no adapter'}`));
        else this.pump();
      });
    });
  }

  /** Hand tiles to the page, oldest job first, up to maxInFlight. */
  private pump(): void {
    const page = this.page;
    if (!page?.alive || this.statusValue !== 'ready') return;
    while (this.inFlight < this.options.maxInFlight) {
      const job = this.jobs.find((j) => !j.settled && j.next < j.tiles.length);
      if (!job) return;
      if (job.sentTo !== page) {
        page.conn.post({ type: 'job', jobId: job.id, problem: job.problem });
        job.sentTo = page;
      }
      const tileIndex = job.next++;
      job.inFlight++;
      this.inFlight++;
      job.started ??= performance.now();
      page.conn.post({ type: 'tile', jobId: job.id, tileIndex, tile: job.tiles[tileIndex] });
      this.watchdog(page);
    }
  }

  private watchTimer: ReturnType<typeof setTimeout> | null = null;

  /** A page whose tiles stop coming back is treated as crashed. */
  private watchdog(page: Page): void {
    if (this.watchTimer) clearTimeout(this.watchTimer);
    this.watchTimer = setTimeout(() => {
      this.watchTimer = null;
      if (this.inFlight > 0 && this.page === page) this.onLost(page, `no tile came back within ${this.options.tileTimeoutMs} ms`);
    }, this.options.tileTimeoutMs);
    (this.watchTimer as { unref?: () => void }).unref?.();
  }

  private onPageMessage(page: Page, m: FromCompute): void {
    if (page !== this.page) return;
    if (m.type === 'lost') {
      this.onLost(page, m.reason);
      return;
    }
    if (m.type !== 'tileDone' && m.type !== 'tileFailed') return;
    const job = this.jobs.find((j) => j.id === m.jobId);
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight > 0) this.watchdog(page);
    else if (this.watchTimer) clearTimeout(this.watchTimer);
    if (!job) return;
    job.inFlight--;
    if (m.type === 'tileFailed') {
      if (m.lost) this.onLost(page, m.message);
      else this.fail(job, new EngineError(m.message));
    } else if (!job.settled) {
      this.losses = 0;
      try {
        job.pageMs += m.ms;
        this.accept(job, m.tileIndex, m.result);
      } catch (e) {
        this.fail(job, new EngineError((e as Error).message));
      }
    }
    this.forgetIfIdle(job);
    this.pump();
  }

  private accept(job: GpuJob, tileIndex: number, t: TileResult): void {
    const tile = job.tiles[tileIndex];
    writeTile(job.result, job.problem, job.place(tile), t);
    const neg = firstNegative(tile, t);
    const n = job.negative;
    if (neg && (!n || neg.head < n.head || (neg.head === n.head && neg.row < n.row))) job.negative = neg;
    job.done++;
    const total = job.tiles.length;
    job.options.onProgress?.({ fraction: job.done / total, tilesDone: job.done, tiles: total });
    if (job.done < total) return;
    if (job.negative) {
      const g = job.negative;
      throw new Error(kernelNegativeMessage(g.head, g.row, g.column, g.score));
    }
    const result = finishResult(job.result);
    job.settled = true;
    const now = performance.now();
    job.resolve({
      ...result,
      backend: this.label,
      timing: { totalMs: now - job.submitted, queuedMs: (job.started ?? now) - job.submitted, tiles: total, workers: 1, pageMs: job.pageMs },
    });
  }

  private fail(job: GpuJob, error: Error): void {
    if (job.settled) return;
    job.settled = true;
    job.reject(error);
    this.forgetIfIdle(job);
    this.pump();
  }

  private failAll(error: (job: GpuJob) => Error): void {
    for (const job of [...this.jobs]) this.fail(job, error(job));
  }

  private forgetIfIdle(job: GpuJob): void {
    if (!job.settled || job.inFlight > 0) return;
    const i = this.jobs.indexOf(job);
    if (i >= 0) this.jobs.splice(i, 1);
    const page = job.sentTo;
    if (page?.alive && page.conn) page.conn.post({ type: 'drop', jobId: job.id });
  }

  /** The page or its device is gone: fail what it held (retryable), close it, open a new one. */
  private onLost(page: Page, reason: string): void {
    if (!page.alive) return;
    page.alive = false;
    if (this.page !== page) return;
    this.page = null;
    this.inFlight = 0;
    if (this.watchTimer) clearTimeout(this.watchTimer);
    this.reasonValue = reason;
    this.losses++;
    for (const job of [...this.jobs]) {
      job.inFlight = 0;
      this.fail(job, new BackendLostError(reason));
    }
    void page.conn.close().catch(() => undefined);
    if (this.closed) return;
    if (this.losses >= this.options.maxLosses) {
      this.statusValue = 'unavailable';
      this.reasonValue = `WebGPU was lost ${this.losses} times in a row (last: ${reason})`;
      return;
    }
    // replace the page now, so the next job finds a device ready
    this.statusValue = 'idle';
    void this.start();
  }

  /** Compute pages opened so far (a lost one is replaced by a new one). */
  get pagesOpened(): number {
    return this.opened;
  }

  /** Fault injection (tests): make the page's GPU device lost. */
  loseDevice(): void {
    this.page?.conn.post({ type: 'loseDevice' });
  }

  /** Jobs waiting or running. */
  get pending(): number {
    return this.jobs.filter((j) => !j.settled).length;
  }

  release(result: AttentionResult): void {
    if (this.released.has(result)) return;
    this.released.add(result);
    for (const buffer of resultBuffers(result)) if (!(buffer instanceof SharedArrayBuffer)) this.memory.give(buffer);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.memory.clear();
    this.failAll(() => new EngineError('the engine was shut down'));
    if (this.watchTimer) clearTimeout(this.watchTimer);
    const page = this.page;
    this.page = null;
    if (page) {
      page.alive = false;
      await page.conn?.close?.().catch(() => undefined);
    }
  }
}
