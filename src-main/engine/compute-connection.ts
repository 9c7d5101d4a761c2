/**
 * How main reaches a compute page (Electron: the hidden compute window,
 * src-main/electron/compute-window.ts; tests: a Chromium page or an in-process host), and
 * how results name the adapter it found. The WebGPU backend (gpu-backend.ts) speaks to it.
 */
import type { AdapterInfo, FromCompute, ToCompute } from '../../src-shared/engine-browser/protocol';

/** One open compute page. */
export interface ComputeConnection {
  post(message: ToCompute): void;
  /** every message from the page */
  onMessage(listener: (message: FromCompute) => void): void;
  /** the page went away (crashed, closed, unresponsive); called at most once */
  onClose(listener: (reason: string) => void): void;
  /** close the page (idempotent) */
  close(): Promise<void>;
}

/** Opens a new compute page (Electron: a hidden window; tests: a Chromium page). */
export type ConnectCompute = () => Promise<ComputeConnection>;

export function describeAdapter(a: AdapterInfo): string {
  const what = [a.vendor, a.architecture, a.description].filter(Boolean).join(' ') || 'unknown adapter';
  return `webgpu (${what}${a.fallback ? ', software' : ''})`;
}
