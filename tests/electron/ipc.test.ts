/**
 * The IPC adapter and the preload, with Electron mocked: main answers only its own window's
 * main frame showing the app, validates before calling the service, and the preload exposes
 * exactly one method per operation (no generic invoke, no ipcRenderer) under window.qklab.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EVENTS, OPERATIONS, type Envelope } from '../../src-shared/api/requests';
import { OPERATION_NAMES } from '../../src-main/service/dispatch';
import { isTrustedSender, registerIpc, type IpcMainLike } from '../../src-main/electron/ipc';

const exposed: Record<string, unknown> = {};
const invoke = vi.fn();
const on = vi.fn();
const removeListener = vi.fn();
const getPathForFile = vi.fn();

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
  ipcRenderer: { invoke, on, removeListener },
  webUtils: { getPathForFile },
}));

function fakeContents(url = 'app://qklab/index.html') {
  const mainFrame = { url };
  return { isDestroyed: () => false, mainFrame } as never as Electron.WebContents & { mainFrame: { url: string } };
}

describe('who may call main', () => {
  it('only the app window, its main frame, on the app page', () => {
    const contents = fakeContents();
    const ok = { sender: contents, senderFrame: contents.mainFrame } as never;
    expect(isTrustedSender(ok, contents)).toBe(true);
    const other = fakeContents();
    expect(isTrustedSender({ sender: other, senderFrame: other.mainFrame } as never, contents)).toBe(false);
    expect(isTrustedSender({ sender: contents, senderFrame: { url: 'app://qklab/index.html' } } as never, contents)).toBe(false); // an iframe
    expect(isTrustedSender({ sender: contents, senderFrame: null } as never, contents)).toBe(false);
    const navigated = fakeContents('https://evil.example.com/');
    expect(isTrustedSender({ sender: navigated, senderFrame: navigated.mainFrame } as never, navigated)).toBe(false);
    expect(isTrustedSender(ok, null)).toBe(false);
  });
});

describe('registerIpc', () => {
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>();
  const ipcMain: IpcMainLike = {
    handle: (channel, fn) => void handlers.set(channel, fn as never),
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const calls: [string, unknown][] = [];
  const ops = Object.fromEntries(OPERATION_NAMES.map((n) => [n, async (req: unknown) => (calls.push([n, req]), n === 'recentFiles' ? ['/a'] : null)])) as never;
  let trusted = true;

  beforeEach(() => {
    handlers.clear();
    calls.length = 0;
    trusted = true;
  });

  it('registers one handler per operation of the table, and removes them', () => {
    const off = registerIpc(ipcMain, ops, () => trusted);
    expect([...handlers.keys()].sort()).toEqual(OPERATION_NAMES.map((n) => OPERATIONS[n].channel).sort());
    off();
    expect(handlers.size).toBe(0);
  });

  it('answers a valid request from the app window, in an envelope', async () => {
    registerIpc(ipcMain, ops, () => trusted);
    expect(await handlers.get(OPERATIONS.recentFiles.channel)!({})).toEqual({ ok: true, value: ['/a'] });
    expect(await handlers.get(OPERATIONS.cancelJob.channel)!({}, { runId: 'r1' })).toEqual({ ok: true, value: null });
    expect(calls).toEqual([
      ['recentFiles', undefined],
      ['cancelJob', { runId: 'r1' }],
    ]);
  });

  it('ignores requests from anything but the app window, before looking at them', async () => {
    registerIpc(ipcMain, ops, () => trusted);
    trusted = false;
    const reply = (await handlers.get(OPERATIONS.openEmbeddings.channel)!({}, { path: '/etc/passwd' })) as Envelope<unknown>;
    expect(reply).toMatchObject({ ok: false, error: { name: 'SecurityError' } });
    expect(calls).toEqual([]);
  });

  it('refuses malformed, oversized and multi-argument requests without calling the service', async () => {
    registerIpc(ipcMain, ops, () => trusted);
    const run = handlers.get(OPERATIONS.runJob.channel)!;
    expect(await run({}, { runId: 'r', job: { metric: { id: 'cosine', tau: 0 } } })).toMatchObject({
      ok: false,
      error: { name: 'RequestError', message: expect.stringMatching(/job\.metric\.tau/) },
    });
    expect(await run({}, { runId: 'r', job: {}, pad: 'x'.repeat(70 * 2 ** 20) })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/larger than/) } });
    expect(await run({}, { runId: 'r', job: {} }, 'second')).toMatchObject({ ok: false, error: { message: expect.stringMatching(/one request object/) } });
    expect(calls).toEqual([]);
  });
});

describe('the preload', () => {
  it('exposes window.qklab with exactly the LabApi methods, each calling its own channel', async () => {
    await import('../../src-main/preload/index');
    const api = exposed.qklab as Record<string, (...a: unknown[]) => unknown>;
    expect(Object.keys(exposed)).toEqual(['qklab']);
    const lab = OPERATION_NAMES.filter((n) => n !== 'grantDroppedPath');
    expect(Object.keys(api).sort()).toEqual([...lab, 'onProgress', 'onMenuCommand', 'pathForFile'].sort());
    for (const v of Object.values(api)) expect(typeof v).toBe('function');
    expect(api).not.toHaveProperty('invoke');

    invoke.mockResolvedValue({ ok: true, value: 'done' });
    for (const name of lab) {
      invoke.mockClear();
      await api[name]({ marker: name });
      expect(invoke).toHaveBeenCalledTimes(1);
      expect(invoke.mock.calls[0][0]).toBe(OPERATIONS[name].channel);
    }
  });

  it('rethrows main’s errors with their message and name', async () => {
    const api = exposed.qklab as Record<string, (...a: unknown[]) => Promise<unknown>>;
    invoke.mockResolvedValueOnce({ ok: false, error: { name: 'AbortError', message: 'the job was cancelled' } });
    await expect(api.runJob({ runId: 'r', job: {} })).rejects.toMatchObject({ name: 'AbortError', message: 'the job was cancelled' });
  });

  it('subscribes to progress and menu events and unsubscribes', async () => {
    const api = exposed.qklab as Record<string, (...a: unknown[]) => unknown>;
    const seen: unknown[] = [];
    const off = api.onProgress((e: unknown) => seen.push(e)) as () => void;
    expect(on).toHaveBeenCalledWith(EVENTS.progress, expect.any(Function));
    const handler = on.mock.calls.at(-1)![1];
    handler({}, { runId: 'r', fraction: 0.5, stage: 'computing' });
    expect(seen).toEqual([{ runId: 'r', fraction: 0.5, stage: 'computing' }]);
    off();
    expect(removeListener).toHaveBeenCalledWith(EVENTS.progress, handler);
    api.onMenuCommand(() => {});
    expect(on).toHaveBeenCalledWith(EVENTS.menuCommand, expect.any(Function));
  });

  it('pathForFile gives the dropped file’s path and tells main it may read it', async () => {
    const api = exposed.qklab as Record<string, (...a: unknown[]) => unknown>;
    invoke.mockClear();
    invoke.mockResolvedValue({ ok: true, value: undefined });
    getPathForFile.mockReturnValueOnce('/home/u/emb.npy');
    expect(api.pathForFile({})).toBe('/home/u/emb.npy');
    expect(invoke).toHaveBeenCalledWith(OPERATIONS.grantDroppedPath.channel, { path: '/home/u/emb.npy' });
    invoke.mockClear();
    getPathForFile.mockReturnValueOnce('');
    expect(api.pathForFile({})).toBeNull();
    expect(invoke).not.toHaveBeenCalled();
  });
});
