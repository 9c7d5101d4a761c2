/**
 * The hidden compute window: a browser context owned by main, where `navigator.gpu` exists,
 * running the compute page (src-compute → app://qklab/compute/index.html) with the same
 * security settings as the app's window (security.ts) plus its own CSP (wasm compiles) and
 * cross-origin isolation (multi-threaded wasm). Main talks to it over a MessageChannelMain
 * whose far end the compute preload hands to the page; `WebGpuBackend`
 * (src-main/engine/gpu-backend.ts) does the rest. A window that crashes, hangs or fails to
 * load is reported as closed: the backend fails its jobs over to wasm and opens a new one.
 */
import { BrowserWindow, MessageChannelMain } from 'electron';
import { COMPUTE_ENTRY, hardenWebContents, webPreferences } from './security';
import type { ComputeConnection, ConnectCompute } from '../engine/gpu-backend';
import type { FromCompute, ToCompute } from '../../src-shared/engine-browser/protocol';

/** The IPC channel carrying the port (must match src-main/preload/compute.ts). */
export const COMPUTE_PORT_CHANNEL = 'qklab:compute-port';

export interface ComputeWindowOptions {
  /** out/preload/compute.cjs */
  preload: string;
  /** the page (default app://qklab/compute/index.html) */
  url?: string;
}

/** The compute window's BrowserWindow options: hidden, never focused, never throttled. */
export function computeWindowOptions(preload: string): Electron.BrowserWindowConstructorOptions {
  return {
    show: false,
    width: 320,
    height: 240,
    skipTaskbar: true,
    focusable: false,
    title: 'QK Lab compute',
    webPreferences: {
      ...webPreferences(preload),
      // a hidden window is throttled by default; this one does the work
      backgroundThrottling: false,
    },
  };
}

export function computeWindowConnector(o: ComputeWindowOptions): ConnectCompute {
  return async () => {
    const win = new BrowserWindow(computeWindowOptions(o.preload));
    hardenWebContents(win.webContents);
    const closeListeners: ((reason: string) => void)[] = [];
    let closed = false;
    const closeWith = (reason: string) => {
      if (closed) return;
      closed = true;
      for (const l of closeListeners) l(reason);
      if (!win.isDestroyed()) win.destroy();
    };
    win.webContents.on('render-process-gone', (_e, details) => closeWith(`its renderer process ${details.reason} (exit code ${details.exitCode})`));
    win.webContents.on('unresponsive', () => closeWith('it stopped responding'));
    win.on('closed', () => closeWith('the window was closed'));
    try {
      await win.loadURL(o.url ?? COMPUTE_ENTRY);
    } catch (e) {
      closed = true;
      if (!win.isDestroyed()) win.destroy();
      throw new Error(`the compute page did not load (${(e as Error).message})`, { cause: e });
    }
    const { port1, port2 } = new MessageChannelMain();
    win.webContents.postMessage(COMPUTE_PORT_CHANNEL, null, [port2]);
    port1.on('close', () => closeWith('its message port closed'));
    const connection: ComputeConnection = {
      post: (message: ToCompute) => {
        if (!closed) port1.postMessage(message);
      },
      onMessage: (listener) => port1.on('message', (e) => listener(e.data as FromCompute)),
      onClose: (listener) => {
        closeListeners.push(listener);
      },
      close: async () => {
        closed = true;
        port1.close();
        if (!win.isDestroyed()) win.destroy();
      },
    };
    port1.start();
    return connection;
  };
}
