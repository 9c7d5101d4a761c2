/**
 * The rest of the Electron shell that can be read without Electron: the menu template
 * (every item sends its MenuCommand), the remembered window bounds, and the app://
 * protocol's file confinement.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../src-shared/api/lab-api';
import { menuTemplate } from '../../src-main/electron/menu';
import { DEFAULT_WINDOW_STATE, fitWindowState, readWindowState, writeWindowState } from '../../src-main/electron/window-state';
import { appProtocolHandler, fileForAppUrl } from '../../src-main/electron/protocol';
import { CONTENT_SECURITY_POLICY } from '../../src-main/electron/security';
import { tempDir } from '../service/helpers';

function flatten(items: MenuItemConstructorOptions[], path: string[] = []): { path: string[]; item: MenuItemConstructorOptions }[] {
  return items.flatMap((item) => {
    const here = [...path, (item.label ?? item.role ?? '').replace(/&(&?)/g, '$1')];
    const sub = Array.isArray(item.submenu) ? flatten(item.submenu as MenuItemConstructorOptions[], here) : [];
    return [{ path: here, item }, ...sub];
  });
}

function commands(template: MenuItemConstructorOptions[]): Map<string, MenuCommand> {
  const out = new Map<string, MenuCommand>();
  for (const { path, item } of flatten(template)) {
    if (!item.click) continue;
    let sent: MenuCommand | null = null;
    const click = item.click as unknown as () => void;
    (globalThis as { __send?: (c: MenuCommand) => void }).__send = (c) => (sent = c);
    click();
    out.set(path.join(' > '), sent!);
  }
  return out;
}

describe('the menu', () => {
  const template = menuTemplate({
    appName: 'QK Lab',
    send: (c) => (globalThis as { __send?: (c: MenuCommand) => void }).__send!(c),
    recent: ['/data/glove.txt', '/data/a&b.qklab'],
    isMac: false,
  });
  const sent = commands(template);

  it('has File, Edit, View and Help', () => {
    expect(template.map((m) => (m.label ?? '').replace('&', ''))).toEqual(['File', 'Edit', 'View', 'Help']);
  });

  it('every app item sends its command', () => {
    expect(Object.fromEntries(sent)).toEqual({
      'File > Open Embeddings…': { type: 'open-embeddings' },
      'File > Open Session…': { type: 'open-session' },
      'File > Recent Files > 1 glove.txt — /data/glove.txt': { type: 'open-recent', path: '/data/glove.txt' },
      'File > Recent Files > 2 a&b.qklab — /data/a&b.qklab': { type: 'open-recent', path: '/data/a&b.qklab' },
      'File > Save Session': { type: 'save-session' },
      'File > Save Session As…': { type: 'save-session-as' },
      'File > Export > Heatmap PNG (1×)': { type: 'export', format: 'png', scale: 1 },
      'File > Export > Heatmap PNG (2×)': { type: 'export', format: 'png', scale: 2 },
      'File > Export > Heatmap PNG (4×)': { type: 'export', format: 'png', scale: 4 },
      'File > Export > Heatmap SVG': { type: 'export', format: 'svg' },
      'File > Export > Data CSV': { type: 'export', format: 'csv' },
      'File > Export > Data NPY': { type: 'export', format: 'npy' },
      'File > Export > Data JSON': { type: 'export', format: 'json' },
      'View > Toggle Dark/Light': { type: 'toggle-theme' },
      'Help > About QK Lab': { type: 'about' },
      'Help > Metrics Reference': { type: 'metrics-reference' },
    });
  });

  it('zoom and editing are Electron roles; no dev tools in a packaged build', () => {
    const roles = flatten(template)
      .map(({ item }) => item.role)
      .filter(Boolean);
    expect(roles).toEqual(expect.arrayContaining(['zoomIn', 'zoomOut', 'resetZoom', 'copy', 'paste', 'undo', 'quit']));
    expect(roles).not.toContain('toggleDevTools');
  });

  it('an empty recent list shows a disabled placeholder; macOS gets its app menu', () => {
    const mac = menuTemplate({ appName: 'QK Lab', send: () => {}, recent: [], isMac: true });
    expect(mac[0].label).toBe('QK Lab');
    const recent = flatten(mac).find(({ path }) => path.join('>') === 'File>Recent Files>No Recent Files');
    expect(recent?.item.enabled).toBe(false);
  });
});

describe('the window bounds', () => {
  const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];

  it('restores size and position on a present display', () => {
    expect(fitWindowState({ x: 100, y: 50, width: 1200, height: 800, maximized: true }, screen)).toEqual({ x: 100, y: 50, width: 1200, height: 800, maximized: true });
  });

  it('centres a window whose display is gone, and clamps silly sizes', () => {
    expect(fitWindowState({ x: 4000, y: 50, width: 1200, height: 800 }, screen)).toEqual({ width: 1200, height: 800, maximized: false });
    expect(fitWindowState({ width: 10, height: 1e9 }, screen)).toMatchObject({ width: 800, height: 1e9 });
    expect(fitWindowState('garbage', screen)).toEqual(DEFAULT_WINDOW_STATE);
    expect(fitWindowState({ x: 10, y: 10, width: 5000, height: 5000 }, screen)).toMatchObject({ width: 1920, height: 1080 });
  });

  it('round-trips through userData', async () => {
    const tmp = tempDir();
    try {
      await writeWindowState(tmp.dir, { x: 10, y: 20, width: 900, height: 700, maximized: false });
      expect(await readWindowState(tmp.dir, screen)).toEqual({ x: 10, y: 20, width: 900, height: 700, maximized: false });
      expect(await readWindowState(join(tmp.dir, 'none'), screen)).toEqual(DEFAULT_WINDOW_STATE);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('the app:// protocol', () => {
  it('serves only files inside the renderer folder', () => {
    const root = '/app/out/renderer';
    expect(fileForAppUrl(root, 'app://qklab/')).toBe('/app/out/renderer/index.html');
    expect(fileForAppUrl(root, 'app://qklab/assets/index-abc.js')).toBe('/app/out/renderer/assets/index-abc.js');
    expect(fileForAppUrl(root, 'app://qklab/../../etc/passwd')).toBe('/app/out/renderer/etc/passwd'); // URL parsing removes the climb
    // whatever the URL parser makes of encoded dots, the file stays inside the root
    const encoded = fileForAppUrl(root, 'app://qklab/%2e%2e/%2e%2e/etc/passwd');
    expect(encoded === null || encoded.startsWith(root + '/')).toBe(true);
    expect(fileForAppUrl(root, 'app://qklab/..%2f..%2fetc%2fpasswd')).toBeNull();
    expect(fileForAppUrl(root, 'app://other/index.html')).toBeNull();
    expect(fileForAppUrl(root, 'file:///etc/passwd')).toBeNull();
    expect(fileForAppUrl(root, 'app://qklab/%00')).toBeNull();
  });

  it('answers with the CSP header and a 404 for anything else', async () => {
    const tmp = tempDir();
    try {
      mkdirSync(join(tmp.dir, 'assets'));
      writeFileSync(join(tmp.dir, 'index.html'), '<!doctype html>');
      writeFileSync(join(tmp.dir, 'assets', 'a.js'), 'export {}');
      const handle = appProtocolHandler(tmp.dir);
      const page = await handle(new Request('app://qklab/index.html'));
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect((await handle(new Request('app://qklab/assets/a.js'))).headers.get('content-type')).toMatch(/javascript/);
      expect((await handle(new Request('app://qklab/missing.js'))).status).toBe(404);
      expect((await handle(new Request('app://qklab/index.html', { method: 'POST', body: 'x' }))).status).toBe(404);
    } finally {
      tmp.cleanup();
    }
  });
});
