/**
 * What runs attention jobs. The wasm worker pool is one Backend; a WebGPU backend (a hidden
 * compute window in Electron) can sit beside it behind the same face.
 */
import type { AttentionProblem, AttentionResult } from '../../src-shared/job/problem';

export interface Progress {
  /** 0…1 */
  fraction: number;
  tilesDone: number;
  tiles: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface RunTiming {
  /** wall time from submission to the finished result */
  totalMs: number;
  /** time spent waiting behind other jobs */
  queuedMs: number;
  tiles: number;
  workers: number;
}

export interface EngineResult extends AttentionResult {
  backend: string;
  timing: RunTiming;
}

export interface Backend {
  readonly id: string;
  run(problem: AttentionProblem, options?: RunOptions): Promise<EngineResult>;
  close(): Promise<void>;
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
