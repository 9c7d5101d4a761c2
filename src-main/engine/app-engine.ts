/**
 * The app's engine, as src-main/index.ts starts it (and the bench's app case measures it):
 * the CPU pool configured for a long-lived window (APP_POOL), WebGPU where there is a
 * compute window, small jobs in process while the pool starts (the first result does not
 * wait for it: router.ts), and a wasm pool beside a native one for `backend: "wasm"`.
 */
import type { WebGpuBackend } from './gpu-backend';
import { InProcessExecutor } from './in-process';
import { APP_POOL, CpuPool, wasmPoolBeside } from './pool';
import { EngineRouter } from './router';

export function appEngine(gpu: WebGpuBackend | null, pool: CpuPool = new CpuPool(APP_POOL)): EngineRouter {
  return new EngineRouter(pool, gpu, new InProcessExecutor(), wasmPoolBeside(APP_POOL));
}
