/**
 * A compute "page" in this Node process for the WebGPU backend's unit tests: the real
 * ComputeHost (src-shared/engine-browser) behind a fake navigator.gpu, with onnxruntime's
 * Node wasm build standing in for its WebGPU build. Messages cross with structuredClone on
 * a macrotask, as they would cross a MessagePort, and are checked to hold no
 * SharedArrayBuffer (which could not leave a process). What this cannot test — WebGPU's own
 * arithmetic — tests/e2e/webgpu.e2e.ts does in Chromium.
 */
import { ComputeHost, type ComputeRuntime, type GpuDeviceLike } from '../../src-shared/engine-browser/compute-host';
import type { FromCompute, ToCompute } from '../../src-shared/engine-browser/protocol';
import type { ComputeConnection, ConnectCompute } from '../../src-main/engine/gpu-backend';
import type { SessionLike, TensorLike } from '../../src-shared/engine-browser/session-runner';
import { createSession, ort } from '../../src-main/engine/ort-node';

export interface FakePageOptions {
  /** 'missing': no navigator.gpu; 'no-adapter': requestAdapter() gives null */
  gpu?: 'ok' | 'missing' | 'no-adapter';
  fallback?: boolean;
  /** called with every message main posts (after the clone) */
  onPost?: (m: ToCompute) => void;
}

export interface FakePages {
  connect: ConnectCompute;
  /** pages opened, newest last */
  pages: FakePage[];
}

export interface FakePage {
  host: ComputeHost;
  /** make the page "crash": its connection reports closed */
  crash(reason?: string): void;
  closed: boolean;
}

function hasShared(x: unknown, depth = 0): boolean {
  if (depth > 8 || !x || typeof x !== 'object') return false;
  if (ArrayBuffer.isView(x)) return x.buffer instanceof SharedArrayBuffer;
  if (x instanceof SharedArrayBuffer) return true;
  return Object.values(x).some((v) => hasShared(v, depth + 1));
}

function crossing<T>(m: T): T {
  if (hasShared(m)) throw new Error('a message holds a SharedArrayBuffer: it could not cross to another process');
  return structuredClone(m);
}

export function fakePages(options: FakePageOptions = {}): FakePages {
  const pages: FakePage[] = [];
  const connect: ConnectCompute = async () => {
    const toMain: ((m: FromCompute) => void)[] = [];
    const closeListeners: ((reason: string) => void)[] = [];
    let lose!: (info: { reason?: string; message?: string }) => void;
    const device: GpuDeviceLike = { lost: new Promise((r) => (lose = r)), destroy: () => lose({ reason: 'destroyed', message: 'device.destroy() was called' }) };
    const runtime: ComputeRuntime = {
      gpu:
        options.gpu === 'missing'
          ? undefined
          : {
              requestAdapter: async () =>
                options.gpu === 'no-adapter' ? null : { info: { vendor: 'test', architecture: 'in-process', isFallbackAdapter: options.fallback ?? false } },
            },
      configure: () => undefined,
      device: async () => device,
      createSession: async (model) => (await createSession(model, 1)) as unknown as SessionLike,
      tensor: (f) => new ort.Tensor(f.type, f.data, f.dims) as unknown as TensorLike,
    };
    const page: FakePage = {
      host: null as unknown as ComputeHost,
      closed: false,
      crash: (reason = 'crashed') => {
        if (page.closed) return;
        page.closed = true;
        for (const l of closeListeners) l(reason);
      },
    };
    page.host = new ComputeHost(runtime, (m) => {
      const copy = crossing(m);
      setTimeout(() => !page.closed && toMain.forEach((l) => l(copy)), 0);
    });
    pages.push(page);
    const conn: ComputeConnection = {
      post: (m) => {
        const copy = crossing(m);
        options.onPost?.(copy);
        setTimeout(() => !page.closed && page.host.handle(copy), 0);
      },
      onMessage: (l) => void toMain.push(l),
      onClose: (l) => void closeListeners.push(l),
      close: async () => {
        page.closed = true;
        await page.host.close();
      },
    };
    return conn;
  };
  return { connect, pages };
}
