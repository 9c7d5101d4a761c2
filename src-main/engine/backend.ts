/**
 * What runs attention jobs. The CPU worker pool (pool.ts) is one Backend; the WebGPU
 * backend (gpu-backend.ts: a hidden compute window in Electron) is another, behind the same
 * face; the router (router.ts) picks one per job (JobSpec `backend`: auto | wasm | webgpu).
 */
import type { AttentionProblem, AttentionResult, BackendChoice } from '../../src-shared/job/problem';
import type { Region } from '../../src-shared/graph/region';

/** Which backend a job asks for (JobSpec `backend`); `auto` lets the router decide. */
export type { BackendChoice, Region };

export interface Progress {
  /** 0…1 */
  fraction: number;
  tilesDone: number;
  tiles: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /**
   * Compute only query rows [r0, r1) of one head (against every key): the result is sized
   * for the region (1 head × (r1 − r0) rows × Tk). See src-shared/graph/region.ts.
   */
  region?: Region;
}

export interface RunTiming {
  /** wall time from submission to the finished result */
  totalMs: number;
  /** time spent waiting behind other jobs */
  queuedMs: number;
  tiles: number;
  workers: number;
  /** WebGPU only: time the compute page spent running tiles (upload, GPU, read-back), without the transport */
  pageMs?: number;
}

export interface EngineResult extends AttentionResult {
  backend: string;
  timing: RunTiming;
}

export interface Backend {
  readonly id: string;
  /**
   * whether it can take work at once: false while a pool starts (or before an on-demand one
   * is started); absent, always. The router runs small jobs in process until its CPU pool is
   * ready, so a first result never waits for the pool's start.
   */
  readonly ready?: boolean;
  /** worker threads it computes on (appInfo); absent, one */
  readonly workers?: number;
  /** what it computes on, in words ("native CPU", "auto (native CPU; webgpu: …)"; appInfo); absent, its id */
  describe?(): string;
  run(problem: AttentionProblem, options?: RunOptions): Promise<EngineResult>;
  /**
   * The caller is done with a result this backend returned: it will never read its arrays
   * again, so the backend may reuse their memory for a later result of the same size
   * (src-shared/graph/recycled-buffers.ts). Releasing twice is harmless; reading after
   * releasing is a bug (the arrays may hold another job's numbers).
   */
  release(result: AttentionResult): void;
  close(): Promise<void>;
}

/**
 * A job's promise callbacks that stop listening to `signal` once the job settles. Callers
 * share one signal across many jobs (an experiment runs every job under its own), so a
 * listener left on it would pile up, one per job, each holding its job's problem and result
 * until the signal itself goes.
 */
export function settleAndForget<T>(
  signal: AbortSignal | undefined,
  onAbort: () => void,
  resolve: (value: T) => void,
  reject: (error: Error) => void,
): { resolve: (value: T) => void; reject: (error: Error) => void } {
  if (!signal) return { resolve, reject };
  signal.addEventListener('abort', onAbort, { once: true });
  const forget = () => signal.removeEventListener('abort', onAbort);
  return {
    resolve: (value) => {
      forget();
      resolve(value);
    },
    reject: (error) => {
      forget();
      reject(error);
    },
  };
}

/** A job that stopped because the user (or a newer job) cancelled it. */
export class CancelledError extends Error {
  constructor(message = 'the job was cancelled') {
    super(message);
    this.name = 'AbortError';
  }
}

/** A job the engine could not run: too large, a worker died, a score the normaliser refuses. */
export class EngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineError';
  }
}

/**
 * The backend itself failed under a job (a lost GPU device, a crashed compute window), not
 * the job: the router runs the job again on wasm.
 */
export class BackendLostError extends EngineError {
  constructor(
    /** what happened to the backend, e.g. "the GPU device was lost (destroyed)" */
    readonly reason: string,
    message = `WebGPU failed while running this job: ${reason}`,
  ) {
    super(message);
    this.name = 'BackendLostError';
  }
}
