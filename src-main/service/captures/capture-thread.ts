/**
 * A capture in a worker thread (capture-worker.ts): the app's way to run `captureFile`
 * without blocking the main process. Each capture starts its own worker (onnxruntime fixes
 * its threads per process, and a worker is the one thing that can stop a running wasm
 * session): an abort terminates it at once and rejects with the signal's reason. The reply
 * is the capture encoded as one .safetensors file (capture-output.ts `encodeCapture`), the
 * bytes the CLI's `--out` writes.
 */
import { Worker } from 'node:worker_threads';
import type { CaptureFileRequest } from './capture-file';
import { workerScript } from '../../engine/worker-script';

/** what a capture worker is given: the model and the request (without callbacks, which do not cross threads) */
export interface CaptureThreadJob {
  modelPath: string;
  request: Omit<CaptureFileRequest, 'onProgress'>;
}

export interface CapturedFile {
  /** the capture as one .safetensors file */
  bytes: Uint8Array;
  layers: number;
  heads: number;
  positions: number;
}

/** what the worker posts: how far it has got, then one reply */
export type CaptureThreadMessage = { fraction: number } | ({ ok: true } & CapturedFile) | { ok: false; name: string; message: string };

/**
 * Capture `modelPath` as `request` asks, in a worker thread; `onProgress` hears 0…1. Errors
 * come back with their name and message (which name the model, never its bytes).
 */
export function captureInWorker(
  modelPath: string,
  request: CaptureThreadJob['request'],
  opts: { signal?: AbortSignal; onProgress?: (fraction: number) => void; onWorker?: (worker: Worker) => void } = {},
): Promise<CapturedFile> {
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  const here = import.meta.url;
  const { url, workerData } = workerScript(here, './capture-worker.ts', new URL('./capture-worker.js', here));
  const worker = new Worker(url, { workerData });
  opts.onWorker?.(worker);
  return new Promise<CapturedFile>((resolve, reject) => {
    let settled = false;
    const settle = (done: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      done();
      void worker.terminate();
    };
    const onAbort = () => settle(() => reject(signal!.reason as Error));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: CaptureThreadMessage) => {
      if ('fraction' in m) {
        if (!settled) opts.onProgress?.(m.fraction);
        return;
      }
      if (m.ok) {
        const { bytes, layers, heads, positions } = m;
        settle(() => resolve({ bytes, layers, heads, positions }));
        return;
      }
      const e = new Error(m.message);
      e.name = m.name;
      settle(() => reject(e));
    });
    worker.on('error', (e) => settle(() => reject(new Error(`the capture stopped: its worker threw ${e.message}`))));
    worker.on('exit', (code) => settle(() => reject(new Error(`the capture stopped: its worker exited with code ${code}`))));
    worker.postMessage({ modelPath, request } satisfies CaptureThreadJob);
  });
}
