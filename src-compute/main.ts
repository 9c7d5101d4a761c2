/**
 * The compute page: onnxruntime-web's WebGPU build behind a MessagePort. Main (Electron: the
 * hidden compute window of src-main/electron/compute-window.ts, whose preload forwards the
 * port; tests: a Playwright bridge) posts `qklab:compute-port` with one MessagePort to this
 * window; everything after that is `ComputeHost` (src-shared/engine-browser), which runs
 * the same graphs as the wasm pool and answers each tile with its outputs.
 */
import * as ort from 'onnxruntime-web/webgpu';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { ComputeHost, type ComputeRuntime, type GpuAdapterLike, type GpuDeviceLike } from '../src-shared/engine-browser/compute-host';
import { COMPUTE_PORT_MESSAGE, type ToCompute } from '../src-shared/engine-browser/protocol';
import type { FeedTensor } from '../src-shared/graph';
import type { SessionLike, TensorLike } from '../src-shared/engine-browser/session-runner';

declare global {
  interface Navigator {
    gpu?: ComputeRuntime['gpu'];
  }
  interface Window {
    /** set once the page has its port: what the adapter probe said (tests read it) */
    __qklabCompute?: { attached: boolean };
  }
}

const runtime: ComputeRuntime = {
  gpu: typeof navigator !== 'undefined' ? navigator.gpu : undefined,
  configure(adapter: GpuAdapterLike, threads: number): void {
    ort.env.logLevel = 'error';
    ort.env.wasm.wasmPaths = { wasm: wasmUrl };
    // wasm threads need a cross-origin isolated page (the app's pages are: COOP + COEP)
    ort.env.wasm.numThreads = globalThis.crossOriginIsolated ? Math.max(1, threads) : 1;
    ort.env.wasm.proxy = false;
    // the adapter the page probed (and reports) is the one onnxruntime makes its device on
    (ort.env.webgpu as { adapter: unknown }).adapter = adapter;
  },
  async device(): Promise<GpuDeviceLike | null> {
    // set by onnxruntime when its first WebGPU session created the device
    const device = (await (ort.env.webgpu as { device: unknown }).device) as GpuDeviceLike | undefined;
    return device && typeof device === 'object' && 'lost' in device ? device : null;
  },
  async createSession(model: Uint8Array): Promise<SessionLike> {
    const session = await ort.InferenceSession.create(model, {
      executionProviders: ['webgpu'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
    return session;
  },
  tensor(f: FeedTensor): TensorLike {
    return new ort.Tensor(f.type, f.data, f.dims);
  },
};

/**
 * With wasm threads, onnxruntime starts its pthread workers from this same bundled script
 * (import.meta.url), so this module also evaluates inside those workers: only the page
 * itself listens for the port.
 */
function attachWhenPosted(): void {
  window.__qklabCompute = { attached: false };
  window.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== window || event.data !== COMPUTE_PORT_MESSAGE || !event.ports[0] || window.__qklabCompute!.attached) return;
    const port = event.ports[0];
    window.__qklabCompute!.attached = true;
    const host = new ComputeHost(runtime, (message, transfer) => port.postMessage(message, transfer));
    port.onmessage = (e: MessageEvent<ToCompute>) => host.handle(e.data);
    port.start();
  });
}

if (typeof window !== 'undefined' && typeof document !== 'undefined') attachWhenPosted();
