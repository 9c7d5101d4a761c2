/**
 * onnxruntime-node: the same ONNX graphs on onnxruntime's native CPU kernels (MLAS, with the
 * machine's SIMD), an optional dependency. Measured here (docs/performance.md) it runs the
 * lab's graphs 4–5× faster than the wasm build at one thread. Where it is not installed, or
 * its addon does not load (another platform's package, a failed install), the pool runs
 * onnxruntime-web's wasm build instead and says so (pool.ts: ranOn).
 *
 * It is loaded with a plain require, not an import, so that neither the CLI's bundle nor the
 * app's needs it at build time, and a checkout without it still builds and runs.
 *
 * Two facts of the addon the pool must respect:
 * - its Tensor refuses a typed array on a SharedArrayBuffer ("Invalid argument"), and the
 *   pool's problems live on shared memory (marshal.ts): `nativeTensor` copies those feeds;
 * - terminating a worker_thread while one of its sessions runs aborts the whole process
 *   (a Napi::Error thrown into a dying environment), so the pool lets a native worker finish
 *   its tile before it terminates it (pool.ts: close).
 */
import { createRequire } from 'node:module';
import type * as OrtWeb from 'onnxruntime-web';
import type { FeedTensor } from '../../src-shared/graph';
import type { TensorLike } from '../../src-shared/engine-browser/session-runner';

/** The part of onnxruntime's API both builds share (onnxruntime-common's). */
export type OrtApi = Pick<typeof OrtWeb, 'InferenceSession' | 'Tensor' | 'env'>;

export const NATIVE_PACKAGE = 'onnxruntime-node';

let loaded: { ort: OrtApi } | { error: string } | null = null;

/** onnxruntime-node, loaded once per thread; or why it cannot be. */
export function loadNativeOrt(): { ort: OrtApi } | { error: string } {
  if (!loaded) {
    try {
      const ort = createRequire(import.meta.url)(NATIVE_PACKAGE) as OrtApi;
      ort.env.logLevel = 'error';
      loaded = { ort };
    } catch (err) {
      const code = (err as { code?: string }).code;
      loaded = { error: code === 'MODULE_NOT_FOUND' ? `${NATIVE_PACKAGE} is not installed` : `${NATIVE_PACKAGE} did not load (${(err as Error).message.split('\n')[0]})` };
    }
  }
  return loaded;
}

/** Whether onnxruntime-node can be found from here, without loading its addon (main thread: the workers load it). */
export function nativeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve(NATIVE_PACKAGE);
    return true;
  } catch {
    return false;
  }
}

/** A native CPU session with `threads` intra-op threads. */
export async function createNativeSession(ort: OrtApi, model: Uint8Array, threads: number): Promise<OrtWeb.InferenceSession> {
  return ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3,
  });
}

/** A feed as the addon's tensor: data on shared memory is copied first (the addon refuses it). */
export function nativeTensor(ort: OrtApi, f: FeedTensor): TensorLike {
  const data = f.data.buffer instanceof SharedArrayBuffer ? f.data.slice() : f.data;
  return new ort.Tensor(f.type, data as never, f.dims);
}
