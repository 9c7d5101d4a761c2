/**
 * Messages between main's WebGPU backend (`src-main/engine/gpu-backend.ts`) and the compute
 * page (`src-compute/main.ts` running `compute-host.ts`). They cross a MessagePort (Electron:
 * MessageChannelMain into the hidden compute window; tests: a Playwright bridge), so they
 * are structured-clone data only: plain objects and typed arrays on ordinary
 * ArrayBuffers (never SharedArrayBuffers, which cannot leave a process).
 *
 * The page never assembles a result: it returns each tile's outputs (TileResult) and main
 * writes them with the same `writeTile` / `finishResult` as the wasm pool.
 */
import type { AttentionProblem } from '../job/problem';
import type { Tile } from '../graph/feeds';
import type { TileResult } from '../graph/tile-result';

/** What the page found: the adapter onnxruntime's WebGPU device runs on. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  /**
   * A fallback (software) adapter such as SwiftShader: WebGPU on the CPU. `auto` never picks
   * it (it competes with the CPU pool for the same cores); `webgpu` still runs on it.
   */
  fallback: boolean;
}

export type ToCompute =
  /** probe the adapter, start onnxruntime's WebGPU backend; `threads`: wasm threads for nodes the GPU does not take */
  | { type: 'init'; threads: number }
  /** a job's problem, once per job (before its first tile) */
  | { type: 'job'; jobId: number; problem: AttentionProblem }
  | { type: 'tile'; jobId: number; tileIndex: number; tile: Tile }
  | { type: 'drop'; jobId: number }
  /** fault injection (tests): destroy the GPU device as a driver reset would */
  | { type: 'loseDevice' };

export type FromCompute =
  | { type: 'ready'; adapter: AdapterInfo }
  /** no WebGPU here (no navigator.gpu, no adapter, or the device could not start) */
  | { type: 'unavailable'; reason: string }
  | { type: 'tileDone'; jobId: number; tileIndex: number; result: TileResult; ms: number }
  /** `lost`: the failure was the GPU's (device lost), not the job's */
  | { type: 'tileFailed'; jobId: number; tileIndex: number; message: string; lost: boolean }
  /** the GPU device is gone: nothing more runs in this page; main replaces it */
  | { type: 'lost'; reason: string };

/** The port the compute page is handed, as `window.postMessage(COMPUTE_PORT_MESSAGE, '*', [port])`. */
export const COMPUTE_PORT_MESSAGE = 'qklab:compute-port';
