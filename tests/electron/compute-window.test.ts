/**
 * The hidden compute window with Electron mocked: it is built with the app's secure
 * webPreferences (hidden, never throttled), hardened, loads only the compute page, hands
 * the page one MessagePort over the compute preload's channel, carries messages both ways,
 * reports a crashed / hung / closed window as closed, and its preload forwards exactly one
 * port to the page's own window and exposes nothing. The built preloads stay one file each.
 */
import { describe, expect, it, vi } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EventEmitter } from 'node:events';
import { COMPUTE_ENTRY, SECURE_WEB_PREFERENCES } from '../../src-main/electron/security';

const windows: FakeWindow[] = [];
const ports: FakePort[] = [];
const ipcOnce = vi.fn();
const exposeInMainWorld = vi.fn();

class FakePort extends EventEmitter {
  posted: unknown[] = [];
  started = false;
  closed = false;
  postMessage(m: unknown) {
    this.posted.push(m);
  }
  start() {
    this.started = true;
  }
  close() {
    this.closed = true;
  }
}

class FakeWindow extends EventEmitter {
  destroyed = false;
  loaded: string | null = null;
  sent: { channel: string; ports: unknown[] }[] = [];
  readonly webContents = Object.assign(new EventEmitter(), {
    setWindowOpenHandler: vi.fn(),
    postMessage: (channel: string, _m: unknown, transfer: unknown[]) => this.sent.push({ channel, ports: transfer }),
  });
  constructor(readonly options: Electron.BrowserWindowConstructorOptions) {
    super();
    windows.push(this);
  }
  async loadURL(url: string) {
    this.loaded = url;
  }
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    this.destroyed = true;
  }
}

vi.mock('electron', () => ({
  BrowserWindow: FakeWindow,
  MessageChannelMain: class {
    port1 = new FakePort();
    port2 = new FakePort();
    constructor() {
      ports.push(this.port1);
    }
  },
  ipcRenderer: { once: ipcOnce },
  contextBridge: { exposeInMainWorld },
}));

const { computeWindowConnector, computeWindowOptions, COMPUTE_PORT_CHANNEL } = await import('../../src-main/electron/compute-window');

describe('the compute window', () => {
  it('is hidden, unthrottled, and otherwise exactly as locked down as the app window', () => {
    const o = computeWindowOptions('/app/out/preload/compute.cjs');
    expect(o.show).toBe(false);
    expect(o.webPreferences).toMatchObject({ ...SECURE_WEB_PREFERENCES, preload: '/app/out/preload/compute.cjs', backgroundThrottling: false });
    expect(o.webPreferences).not.toHaveProperty('enableBlinkFeatures');
    expect(o.webPreferences).not.toHaveProperty('nodeIntegration', true);
  });

  it('loads the compute page, posts it one port, and carries messages both ways', async () => {
    const conn = await computeWindowConnector({ preload: '/p.cjs' })();
    const win = windows.at(-1)!;
    expect(win.loaded).toBe(COMPUTE_ENTRY);
    expect(win.webContents.setWindowOpenHandler).toHaveBeenCalled(); // hardened
    expect(win.webContents.listenerCount('will-navigate')).toBeGreaterThan(0);
    expect(win.sent).toHaveLength(1);
    expect(win.sent[0].channel).toBe(COMPUTE_PORT_CHANNEL);
    expect(win.sent[0].ports).toHaveLength(1);
    const port = ports.at(-1)!;
    expect(port.started).toBe(true);
    conn.post({ type: 'init', threads: 1 });
    expect(port.posted).toEqual([{ type: 'init', threads: 1 }]);
    const seen: unknown[] = [];
    conn.onMessage((m) => seen.push(m));
    port.emit('message', { data: { type: 'ready', adapter: { vendor: 'v', architecture: 'a', description: '', fallback: false } } });
    expect(seen).toEqual([{ type: 'ready', adapter: { vendor: 'v', architecture: 'a', description: '', fallback: false } }]);
    await conn.close();
    expect(win.destroyed).toBe(true);
    expect(port.closed).toBe(true);
  });

  it('reports a crashed, hung or closed window as closed (once), and destroys it', async () => {
    for (const [event, args, reason] of [
      ['render-process-gone', [{}, { reason: 'crashed', exitCode: 139 }], /renderer process crashed/],
      ['unresponsive', [], /stopped responding/],
    ] as const) {
      const conn = await computeWindowConnector({ preload: '/p.cjs' })();
      const win = windows.at(-1)!;
      const reasons: string[] = [];
      conn.onClose((r) => reasons.push(r));
      win.webContents.emit(event, ...args);
      win.webContents.emit(event, ...args);
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toMatch(reason);
      expect(win.destroyed).toBe(true);
    }
    const conn = await computeWindowConnector({ preload: '/p.cjs' })();
    const reasons: string[] = [];
    conn.onClose((r) => reasons.push(r));
    windows.at(-1)!.emit('closed');
    expect(reasons).toEqual(['the window was closed']);
  });

  it('a page that fails to load is an error (the backend reports WebGPU unavailable)', async () => {
    const connect = computeWindowConnector({ preload: '/p.cjs' });
    const spy = vi.spyOn(FakeWindow.prototype, 'loadURL').mockRejectedValueOnce(new Error('ERR_FILE_NOT_FOUND'));
    await expect(connect()).rejects.toThrow(/the compute page did not load \(ERR_FILE_NOT_FOUND\)/);
    expect(windows.at(-1)!.destroyed).toBe(true);
    spy.mockRestore();
  });
});

describe('the compute preload', () => {
  it('forwards the one port main sends to the page’s own window, and exposes nothing', async () => {
    const posted: unknown[][] = [];
    vi.stubGlobal('window', { postMessage: (...a: unknown[]) => posted.push(a), location: { origin: 'app://qklab' }, addEventListener: vi.fn() });
    vi.stubGlobal('document', { readyState: 'complete' });
    try {
      await import('../../src-main/preload/compute');
      expect(ipcOnce).toHaveBeenCalledWith(COMPUTE_PORT_CHANNEL, expect.any(Function));
      const port = { fake: 'port' };
      ipcOnce.mock.calls[0][1]({ ports: [port] });
      expect(posted).toEqual([[COMPUTE_PORT_CHANNEL, 'app://qklab', [port]]]);
      expect(exposeInMainWorld).not.toHaveBeenCalled();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('the built preloads are one CommonJS file each that requires only electron', () => {
    const out = resolve(import.meta.dirname, '../../out/preload');
    if (!existsSync(resolve(out, 'compute.cjs'))) return; // checked when a build exists (the e2e run builds first)
    for (const name of ['index.cjs', 'compute.cjs']) {
      const text = readFileSync(resolve(out, name), 'utf8');
      const requires = [...text.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
      expect([...new Set(requires)], name).toEqual(['electron']);
      expect(text, name).not.toMatch(/^\s*import\s/m);
    }
    expect(existsSync(resolve(out, 'chunks'))).toBe(false);
  });
});
