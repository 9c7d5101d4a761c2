/**
 * The app's engine, as src-main/index.ts starts it (and the bench's app case measures it):
 * the CPU pool configured for a long-lived window (APP_POOL), WebGPU where there is a
 * compute window, small jobs in process while the pool starts (the first result does not
 * wait for it: router.ts), and a wasm pool beside a native one for `backend: "wasm"`.
 *
 * The pool's workers start after the window's first run, not with the process: on 2 cores
 * their onnxruntime start (compiling its wasm, warming up) took the cores from the window's
 * boot and its first run, which then painted ~270 ms later counted from the page's start
 * (bench --app's "first result", 4 alternating pairs: docs/performance.md).
 * A job the in-process executor does not take starts them at once (CpuPool.run); if that
 * is the window's first job (the sample is small; a session is restored only when the user
 * accepts the offer), it waits for their start, ~0.7 s here with the built native worker,
 * where it used to find them started.
 */
import type { AttentionProblem } from '../../src-shared/job/problem';
import type { EngineResult, RunOptions } from './backend';
import type { WebGpuBackend } from './gpu-backend';
import { InProcessExecutor } from './in-process';
import { APP_POOL, CpuPool, wasmPoolBeside, type PoolOptions } from './pool';
import { EngineRouter } from './router';

/** The workers start this long after the first run has ended (the window draws it meanwhile)… */
export const POOL_START_AFTER_FIRST_RUN_MS = 500;
/** …or this long after the engine was made, if no run has ended by then. */
export const POOL_START_LATEST_MS = 3000;

/** The in-process executor, saying when its first run has ended (either way). */
class FirstRunExecutor extends InProcessExecutor {
  private ended!: () => void;
  readonly firstRunEnded = new Promise<void>((resolve) => (this.ended = resolve));

  override run(problem: AttentionProblem, options?: RunOptions): Promise<EngineResult> {
    const result = super.run(problem, options);
    result.then(this.ended, this.ended);
    return result;
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());

export interface AppEngine {
  engine: EngineRouter;
  /** the CPU pool (the bench waits for its warm-up and reads what it ran on) */
  pool: CpuPool;
}

/** `pool`: options over APP_POOL (the bench's worker count). */
export function appEngine(gpu: WebGpuBackend | null, pool: PoolOptions = {}): AppEngine {
  const inProcess = new FirstRunExecutor();
  const startWhen = Promise.race([inProcess.firstRunEnded.then(() => delay(POOL_START_AFTER_FIRST_RUN_MS)), delay(POOL_START_LATEST_MS)]);
  const cpu = new CpuPool({ ...APP_POOL, ...pool, startWhen });
  return { engine: new EngineRouter(cpu, gpu, inProcess, wasmPoolBeside(APP_POOL)), pool: cpu };
}
