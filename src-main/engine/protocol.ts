/** Messages between the pool (main thread) and its workers. */
import type { AttentionProblem, AttentionResult } from '../../src-shared/job/problem';
import type { Tile } from './plan';

export type IdleWarmUpMode = 'settle' | 'heap' | 'off';

/** The onnxruntime build a pool's workers run: onnxruntime-web's wasm, or onnxruntime-node's native CPU addon. */
export type CpuRuntimeKind = 'wasm' | 'native';

export type ToWorker =
  /**
   * warmUp: run a few small jobs first so V8 has optimised the wasm; idleWarmUp: then, in
   * idle time, warm until the timings settle ('settle'), or run one round to grow the wasm
   * heap ('heap'), or nothing ('off') (see warm-up.ts)
   */
  | { type: 'init'; threads: number; warmUp: boolean; idleWarmUp: IdleWarmUpMode; runtime: CpuRuntimeKind }
  /** a job's problem and its shared result arrays, sent once per worker per job */
  | { type: 'job'; jobId: number; problem: AttentionProblem; result: AttentionResult }
  /** `at`: where the tile lands in the job's result when that is a region's (pool.ts) */
  | { type: 'tile'; jobId: number; tileIndex: number; tile: Tile; at?: Tile }
  | { type: 'drop'; jobId: number }
  /** finish what is running, release the sessions, answer 'closed': the pool terminates the thread then */
  | { type: 'close' };

export type ToMain =
  /** `runtime`: the build it runs (native falls back to wasm, saying why, when the addon does not load) */
  | { type: 'ready'; runtime: CpuRuntimeKind; fallback?: string }
  /** the idle warm-up has ended (or there was none) */
  | { type: 'warm'; rounds: number; roundMs: number[] }
  | { type: 'tileDone'; jobId: number; tileIndex: number }
  | { type: 'tileFailed'; jobId: number; tileIndex: number; message: string }
  | { type: 'closed' };
