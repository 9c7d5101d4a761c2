/**
 * The WebGPU backend, main's side: onnxruntime-web's WebGPU execution provider runs in a
 * browser context (Electron: the hidden compute window, src-main/electron/compute-window.ts;
 * tests and bench: a Chromium page driven by Playwright), reached through a
 * `ComputeConnection`. This is the page's executor behind the engine's one job queue
 * (job-queue.ts: jobs, progress, cancellation, memory, failure, and the assembly of each
 * returned tile with the same `writeTile` / `finishResult` as the CPU pool): it keeps the
 * page open, plans tiles for its graphs and keeps it fed. Electron-free.
 *
 * A lost GPU device or a crashed page fails the jobs it was serving with BackendLostError
 * (the router retries them on wasm) and the connection is replaced by a fresh page.
 */
import type { AttentionProblem, AttentionResult } from '../../src-shared/job/problem';
import { planGraphTiles, planRegionTiles, WEBGPU_TARGET, type Region, type Tile } from '../../src-shared/graph';
import type { AdapterInfo, FromCompute } from '../../src-shared/engine-browser/protocol';
import { BackendLostError, EngineError, type Backend, type EngineResult, type RunOptions } from './backend';
import { JobQueue, type QueuedJob, type TileExecutor, type TileTask } from './job-queue';
import { portableProblem } from './marshal';
import { describeAdapter, type ComputeConnection, type ConnectCompute } from './compute-connection';

export { describeAdapter, type ComputeConnection, type ConnectCompute };

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

interface Page {
  conn: ComputeConnection;
  alive: boolean;
  ready: Promise<AdapterInfo | null>;
  /** jobs whose problem it was sent */
  known: Set<number>;
  /** its tiles in flight, by job and tile */
  tasks: Map<string, TileTask>;
}

const taskKey = (jobId: number, tileIndex: number) => `${jobId}:${tileIndex}`;

export class WebGpuBackend implements Backend, TileExecutor {
  readonly id = 'webgpu';
  readonly memory = 'returned';
  private readonly options: Required<WebGpuBackendOptions>;
  private page: Page | null = null;
  private readonly queue = new JobQueue(this);
  private losses = 0;
  private closed = false;
  private statusValue: GpuStatus = 'idle';
  private adapterValue: AdapterInfo | null = null;
  private reasonValue: string | null = null;
  private opened = 0;

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
    const page: Page = { conn: null as unknown as ComputeConnection, alive: true, ready, known: new Set(), tasks: new Map() };
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
    this.queue.failAll(() => new EngineError(`the WebGPU backend is not available: ${reason}`));
  }

  run(problem: AttentionProblem, options: RunOptions = {}): Promise<EngineResult> {
    return this.queue.run(problem, options);
  }

  // ── the executor's side of the queue ──────────────────────────────────────────────

  prepare(problem: AttentionProblem): AttentionProblem {
    return portableProblem(problem);
  }

  refuse(): string | null {
    return null;
  }

  plan(problem: AttentionProblem, region?: Region): Tile[] {
    // tiles sized for the graphs the page builds (no float64: graph/target.ts)
    const budget = { budgetBytes: this.options.budgetBytes, target: WEBGPU_TARGET };
    return region ? planRegionTiles(problem, region, budget) : planGraphTiles(problem, budget);
  }

  admit(job: QueuedJob): void {
    void this.start().then((adapter) => {
      if (!adapter) this.queue.fail(job, new EngineError(`the WebGPU backend is not available: ${this.reasonValue ?? 'no adapter'}`));
      else this.pump();
    });
  }

  ranOn(): { backend: string; workers: number } {
    return { backend: this.label, workers: 1 };
  }

  /** Hand tiles to the page, oldest job first, up to maxInFlight. */
  pump(): void {
    const page = this.page;
    if (!page?.alive || this.statusValue !== 'ready') return;
    while (page.tasks.size < this.options.maxInFlight) {
      const task = this.queue.take();
      if (!task) return;
      const { job } = task;
      if (!page.known.has(job.id)) {
        page.conn.post({ type: 'job', jobId: job.id, problem: job.problem });
        page.known.add(job.id);
      }
      page.tasks.set(taskKey(job.id, task.index), task);
      page.conn.post({ type: 'tile', jobId: job.id, tileIndex: task.index, tile: task.tile });
      this.watchdog(page);
    }
  }

  /** The queue forgot a job: the page drops its problem. */
  forget(job: QueuedJob): void {
    const page = this.page;
    if (page?.alive && page.known.delete(job.id)) page.conn.post({ type: 'drop', jobId: job.id });
  }

  private watchTimer: ReturnType<typeof setTimeout> | null = null;

  /** A page whose tiles stop coming back is treated as crashed. */
  private watchdog(page: Page): void {
    if (this.watchTimer) clearTimeout(this.watchTimer);
    this.watchTimer = setTimeout(() => {
      this.watchTimer = null;
      if (page.tasks.size > 0 && this.page === page) this.onLost(page, `no tile came back within ${this.options.tileTimeoutMs} ms`);
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
    const key = taskKey(m.jobId, m.tileIndex);
    const task = page.tasks.get(key);
    page.tasks.delete(key);
    if (page.tasks.size > 0) this.watchdog(page);
    else if (this.watchTimer) clearTimeout(this.watchTimer);
    if (!task) return;
    if (m.type === 'tileFailed') {
      if (m.lost) this.onLost(page, m.message);
      else this.queue.tileFailed(task, new EngineError(m.message));
      return;
    }
    if (!task.job.settled) this.losses = 0;
    this.queue.tileDone(task, { result: m.result, ms: m.ms });
  }

  /** The page or its device is gone: fail what it held (retryable), close it, open a new one. */
  private onLost(page: Page, reason: string): void {
    if (!page.alive) return;
    page.alive = false;
    if (this.page !== page) return;
    this.page = null;
    page.tasks.clear();
    if (this.watchTimer) clearTimeout(this.watchTimer);
    this.reasonValue = reason;
    this.losses++;
    // the tiles in flight on it will never come back
    this.queue.failAll(() => new BackendLostError(reason), true);
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
    return this.queue.pending;
  }

  release(result: AttentionResult): void {
    this.queue.release(result);
  }

  /** Bytes of released and failed results held for reuse (tests). */
  get recycledBytes(): number {
    return this.queue.recycledBytes;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queue.close();
    if (this.watchTimer) clearTimeout(this.watchTimer);
    const page = this.page;
    this.page = null;
    if (page) {
      page.alive = false;
      await page.conn?.close?.().catch(() => undefined);
    }
  }
}
