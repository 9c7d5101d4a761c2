/**
 * Which backend runs a job. The JobSpec's `backend` (auto | cpu | wasm | webgpu) reaches the
 * problem; the router reads it:
 * - `cpu`: the worker pool, on onnxruntime's native CPU kernels where onnxruntime-node is
 *   installed, else its wasm build (pool.ts).
 * - `wasm`: onnxruntime-web's wasm build, whatever is installed: the pool when it runs wasm,
 *   else a wasm pool of its own started by the first such job (to compare the two builds).
 * - `webgpu`: the WebGPU backend; an error saying why when there is none here (the CLI
 *   under Node, no adapter, WebGPU disabled).
 * - `auto` (default): WebGPU when a hardware adapter is ready and the job is large enough
 *   to pay for the page round trips (`autoBackend`), else the CPU pool — or the in-process
 *   executor, when the host gives the router one, for a job small enough (in-process.ts:
 *   fitsInProcess) while the pool is not ready: the CLI's pool starts only with a job that
 *   needs it, and the app's first result does not wait for its pool's start. A ready pool
 *   runs even small jobs faster (native: 2.7 ms against 43 ms for 256² cells at d = 64).
 * A job WebGPU drops because the GPU or its page went away (BackendLostError) runs again on
 * the CPU pool, and says so in its `backend`.
 */
import type { AttentionProblem, AttentionResult } from '../../src-shared/job/problem';
import type { AdapterInfo } from '../../src-shared/engine-browser/protocol';
import { DISTANCE_FLOAT64 } from '../../src-shared/graph/scores/precision';
import { BackendLostError, EngineError, type Backend, type BackendChoice, type EngineResult, type RunOptions } from './backend';
import type { WebGpuBackend } from './gpu-backend';
import { fitsInProcess } from './in-process';

/**
 * `auto` sends a job to WebGPU from this many score cells (H·Tq·Tk, the region's for a
 * region) on: below it the page round trip and shader compilation cost more than the wasm
 * pool's whole run (a 12-head 512-token job takes ~0.1 s on wasm, bench/report.json).
 */
export const AUTO_WEBGPU_MIN_CELLS = 2 ** 22;

/** Score functions whose graph runs part of its work in float64 (graph/scores/precision.ts), which WebGPU lacks (CPU fallback). */
const CPU_BOUND_METRICS = new Set(Object.entries(DISTANCE_FLOAT64).flatMap(([id, float64]) => (float64 ? [id] : [])));

export interface AutoDecision {
  backend: 'cpu' | 'wasm' | 'webgpu';
  why: string;
}

/** auto's choice for one job, from the adapter the compute page found (null: none, or not started). */
export function autoBackend(problem: AttentionProblem, adapter: AdapterInfo | null, region?: RunOptions['region']): AutoDecision {
  if (!adapter) return { backend: 'cpu', why: 'no WebGPU adapter is ready' };
  if (adapter.fallback) return { backend: 'cpu', why: 'the WebGPU adapter is a software fallback (it would run on the same CPU cores as the pool)' };
  // the delta rule's rows are TypeScript (recurrence/tile.ts), not a graph: the GPU would not run them
  if (problem.recurrence?.id === 'delta') return { backend: 'cpu', why: 'the delta recurrence runs on the CPU workers (it has no graph)' };
  if (CPU_BOUND_METRICS.has(problem.metric.id)) return { backend: 'cpu', why: `${problem.metric.id} computes its distances in float64, which WebGPU does not have` };
  const cells = region ? (region.r1 - region.r0) * problem.k.rows : problem.heads * problem.q.rows * problem.k.rows;
  if (cells < AUTO_WEBGPU_MIN_CELLS) return { backend: 'cpu', why: `the job is small (${cells} score cells < ${AUTO_WEBGPU_MIN_CELLS})` };
  return { backend: 'webgpu', why: `${cells} score cells on ${adapter.vendor || 'a'} GPU` };
}

export class EngineRouter implements Backend {
  readonly id = 'auto';

  constructor(
    /** the CPU worker pool (native or wasm onnxruntime: pool.ts) */
    readonly cpu: Backend,
    readonly gpu: WebGpuBackend | null = null,
    /** small `auto` jobs run here instead of on the pool (in-process.ts) */
    readonly inProcess: Backend | null = null,
    /** `backend: "wasm"` jobs, where the CPU pool runs native code (null: the CPU pool runs wasm) */
    readonly wasm: Backend | null = null,
  ) {}

  /** worker threads of the CPU pool (appInfo) */
  get workers(): number {
    return this.cpu.workers ?? 1;
  }

  /** What the app's About box and appInfo show, e.g. "auto (native CPU; webgpu: google swiftshader, software)". */
  describe(): string {
    const gpu = this.gpu;
    const cpu = this.cpu.describe?.() ?? this.cpu.id;
    if (!gpu) return cpu;
    if (gpu.status === 'ready') return `auto (${cpu}; ${gpu.label})`;
    if (gpu.status === 'unavailable') return `${cpu} (WebGPU unavailable: ${gpu.reason})`;
    return `auto (${cpu}; webgpu starting)`;
  }

  /** Which backend a job would run on now. */
  choose(problem: AttentionProblem, region?: RunOptions['region']): AutoDecision {
    const choice: BackendChoice = problem.backend ?? 'auto';
    if (choice === 'cpu') return { backend: 'cpu', why: 'the job asks for the CPU pool' };
    if (choice === 'wasm') return { backend: 'wasm', why: 'the job asks for wasm' };
    if (choice === 'webgpu') return { backend: 'webgpu', why: 'the job asks for webgpu' };
    const gpu = this.gpu;
    // auto never waits for the compute page: until it is ready, jobs run on the CPU pool
    return autoBackend(problem, gpu && gpu.status === 'ready' ? gpu.adapter : null, region);
  }

  async run(problem: AttentionProblem, options: RunOptions = {}): Promise<EngineResult> {
    const decision = this.choose(problem, options.region);
    if (decision.backend === 'wasm') return (this.wasm ?? this.cpu).run(problem, options);
    if (decision.backend === 'cpu') {
      const auto = (problem.backend ?? 'auto') === 'auto';
      if (auto && this.gpu?.status === 'idle') void this.gpu.start();
      if (auto && this.inProcess && this.cpu.ready === false && fitsInProcess(problem, options.region)) return this.inProcess.run(problem, options);
      return this.cpu.run(problem, options);
    }
    const gpu = this.gpu;
    if (!gpu) {
      throw new EngineError('the WebGPU backend needs a browser context (the app\'s compute window), which this process does not have; use "backend": "cpu" or "auto"');
    }
    const adapter = await gpu.start();
    if (!adapter) throw new EngineError(`the WebGPU backend is not available: ${gpu.reason ?? 'no adapter'}`);
    try {
      return await gpu.run(problem, options);
    } catch (err) {
      if (!(err instanceof BackendLostError) || options.signal?.aborted) throw err;
      const result = await this.cpu.run(problem, options);
      return { ...result, backend: `${result.backend}, after WebGPU failed (${err.reason})` };
    }
  }

  /** Each backend takes back only memory of its own kind (the pool's is shared, WebGPU's is not). */
  release(result: AttentionResult): void {
    this.cpu.release(result);
    this.wasm?.release(result);
    this.gpu?.release(result);
    this.inProcess?.release(result);
  }

  async close(): Promise<void> {
    await Promise.all([this.cpu.close(), this.gpu?.close(), this.inProcess?.close(), this.wasm?.close()]);
  }
}
