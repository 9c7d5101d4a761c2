/**
 * onnxruntime-web in Node (the wasm build: the same engine the packaged app ships, no native
 * addon). The thread count is read once, when the wasm module starts with the first session,
 * so it must be set before that; later requests for another count cannot take effect.
 */
import * as ort from 'onnxruntime-web';

export { ort };

let threads: number | null = null;

/**
 * Sets ort.env.wasm.numThreads (its default on a 2-core machine is 1) before the first
 * session. Returns the count in force: the first call's, for the life of the thread.
 */
export function configureOrt(numThreads: number): number {
  if (threads === null) {
    threads = Math.max(1, Math.floor(numThreads));
    ort.env.wasm.numThreads = threads;
    ort.env.logLevel = 'error';
  }
  return threads;
}

/**
 * A wasm session. `optimization` 'all' suits the lab's own graphs; a captured model runs at
 * 'basic' (constant folding, no fusions), so no fused kernel can hide a value it taps.
 */
export async function createSession(model: Uint8Array, numThreads = 1, optimization: 'basic' | 'all' = 'all'): Promise<ort.InferenceSession> {
  configureOrt(numThreads);
  return ort.InferenceSession.create(model, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: optimization,
    // 3 = errors only: the optimiser's notes on generated graphs are noise
    logSeverityLevel: 3,
  });
}
