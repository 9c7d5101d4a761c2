/**
 * The compute page's side of the WebGPU backend, independent of how messages arrive (an
 * Electron MessagePort in the hidden compute window, a Playwright bridge in tests, a plain
 * function call in unit tests): it probes the adapter, starts onnxruntime's WebGPU device,
 * runs the tiles main sends with the shared session cache (`session-runner.ts`: the same
 * graphs as the CPU pool) and answers each with its TileResult. Tiles run one at a time,
 * in arrival order; main decides what runs (scheduling, cancellation, retries).
 *
 * No `node:`, no DOM types beyond what is declared here: it runs unchanged in a page.
 */
import type { AttentionProblem } from '../job/problem';
import type { Tile } from '../graph/feeds';
import type { TileResult } from '../graph/tile-result';
import { SessionTileRunner, type SessionFactory } from './session-runner';
import { WEBGPU_TARGET } from '../graph/target';
import type { AdapterInfo, FromCompute, ToCompute } from './protocol';

/** The part of WebGPU's GPUAdapterInfo the host reads. */
export interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  description?: string;
  device?: string;
  isFallbackAdapter?: boolean;
}

export interface GpuAdapterLike {
  readonly info?: GpuAdapterInfoLike;
  /** older Chromium */
  readonly isFallbackAdapter?: boolean;
}

export interface GpuDeviceLike {
  readonly lost: Promise<{ reason?: string; message?: string }>;
  destroy(): void;
}

/** What the page provides: WebGPU (navigator.gpu) and onnxruntime's WebGPU build. */
export interface ComputeRuntime extends SessionFactory {
  /** `navigator.gpu`, or undefined where WebGPU is missing */
  readonly gpu: { requestAdapter(options?: object): Promise<GpuAdapterLike | null> } | undefined;
  /** hand the adapter to onnxruntime before its first session (and wasm `threads` for CPU-side nodes) */
  configure(adapter: GpuAdapterLike, threads: number): void;
  /** the device onnxruntime created with its first WebGPU session (null if it exposes none) */
  device(): Promise<GpuDeviceLike | null>;
}

/**
 * The first session: onnxruntime creates its WebGPU device with it, and running one tiny
 * tile proves the whole path (shader compilation, upload, read-back) before the page says
 * it is ready.
 */
function probeProblem(): AttentionProblem {
  const x = { rows: 2, cols: 2, data: Float32Array.of(1, 0, 0, 1) };
  return {
    heads: 1,
    q: x,
    k: x,
    v: x,
    metric: { id: 'dot', c: 1 },
    masks: [],
    normalizer: 'softmax',
    outputs: ['entropy'],
    topk: 0,
    tokens: { queries: null, keys: null },
  };
}

export type Post = (message: FromCompute, transfer: ArrayBuffer[]) => void;

/** Typed arrays that can cross a process boundary: never on a SharedArrayBuffer. */
function portable(result: TileResult): { result: TileResult; transfer: ArrayBuffer[] } {
  const transfer = new Set<ArrayBuffer>();
  const out: Record<string, unknown> = { keys: result.keys };
  for (const [name, value] of Object.entries(result)) {
    if (name === 'keys' || !value) continue;
    const { data, dims } = value as { data: Float32Array | Int32Array | Float64Array | Uint8Array; dims: number[] };
    const own = data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
    transfer.add(own.buffer as ArrayBuffer);
    out[name] = { data: own, dims };
  }
  return { result: out as unknown as TileResult, transfer: [...transfer] };
}

export function adapterInfo(adapter: GpuAdapterLike): AdapterInfo {
  const info = adapter.info ?? {};
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    description: info.description || info.device || '',
    fallback: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false),
  };
}

export class ComputeHost {
  private runner: SessionTileRunner | null = null;
  private device: GpuDeviceLike | null = null;
  private readonly jobs = new Map<number, AttentionProblem>();
  private queue: Promise<void> = Promise.resolve();
  private lost: string | null = null;
  private started: Promise<void> | null = null;

  constructor(
    private readonly runtime: ComputeRuntime,
    private readonly post: Post,
  ) {}

  /** Handle one message from main. Never throws: failures are answered. */
  handle(m: ToCompute): void {
    switch (m.type) {
      case 'init':
        this.started ??= this.init(m.threads);
        return;
      case 'job':
        this.jobs.set(m.jobId, m.problem);
        return;
      case 'drop':
        this.jobs.delete(m.jobId);
        return;
      case 'loseDevice':
        this.device?.destroy();
        return;
      case 'tile':
        // one tile at a time, in arrival order (one GPU queue; sessions are not re-entrant)
        this.queue = this.queue.then(() => this.runTile(m.jobId, m.tileIndex, m.tile));
        return;
    }
  }

  private async init(threads: number): Promise<void> {
    const gpu = this.runtime.gpu;
    if (!gpu) {
      this.post({ type: 'unavailable', reason: 'navigator.gpu is missing: this browser context has no WebGPU' }, []);
      return;
    }
    let adapter: GpuAdapterLike | null;
    try {
      adapter = await gpu.requestAdapter();
    } catch (e) {
      this.post({ type: 'unavailable', reason: `navigator.gpu.requestAdapter() failed: ${(e as Error).message}` }, []);
      return;
    }
    if (!adapter) {
      this.post({ type: 'unavailable', reason: 'navigator.gpu.requestAdapter() returned no adapter (no usable GPU, or WebGPU is disabled in this browser)' }, []);
      return;
    }
    // onnxruntime's WebGPU build has no float64 kernels: graphs built for that (graph/target.ts)
    const runner = new SessionTileRunner(this.runtime, 8, WEBGPU_TARGET);
    try {
      this.runtime.configure(adapter, threads);
      const probe = probeProblem();
      const t = await runner.run(probe, { h0: 0, h1: 1, r0: 0, r1: 2 });
      if (!(t.entropy.data[0] > 0)) throw new Error(`the probe tile came back wrong (entropy ${t.entropy.data[0]})`);
      const device = await this.runtime.device();
      this.device = device;
      void device?.lost.then((info) => {
        this.lost = `the GPU device was lost (${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''})`;
        this.post({ type: 'lost', reason: this.lost }, []);
      });
    } catch (e) {
      await runner.close().catch(() => undefined);
      this.post({ type: 'unavailable', reason: `onnxruntime could not run a WebGPU session: ${(e as Error).message}` }, []);
      return;
    }
    this.runner = runner;
    this.post({ type: 'ready', adapter: adapterInfo(adapter) }, []);
  }

  private async runTile(jobId: number, tileIndex: number, tile: Tile): Promise<void> {
    await this.started;
    const problem = this.jobs.get(jobId);
    const t0 = performance.now();
    try {
      if (this.lost) throw new Error(this.lost);
      if (!this.runner) throw new Error('the compute page has no WebGPU device');
      if (!problem) throw new Error('the compute page was given a tile of a job it does not know');
      const { result, transfer } = portable(await this.runner.run(problem, tile));
      this.post({ type: 'tileDone', jobId, tileIndex, result, ms: performance.now() - t0 }, transfer);
    } catch (e) {
      this.post({ type: 'tileFailed', jobId, tileIndex, message: (e as Error).message, lost: this.lost !== null }, []);
    }
  }

  async close(): Promise<void> {
    await this.runner?.close();
  }
}
