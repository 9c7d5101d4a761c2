/**
 * The security checklist read back from src-main/electron/security.ts: webPreferences
 * flags, a CSP with no remote origin and no eval, navigation / new windows / permissions
 * denied, remote requests cancelled, and the renderer's built page carrying the same CSP.
 */
import { describe, expect, it, vi } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';

// security.ts imports only types from 'electron'; the mock proves it needs nothing at runtime
vi.mock('electron', () => {
  throw new Error('security.ts must not load electron at runtime');
});

const security = await import('../../src-main/electron/security');
const { appProtocolHandler } = await import('../../src-main/electron/protocol');
const {
  APP_ENTRY,
  COMPUTE_CONTENT_SECURITY_POLICY,
  COMPUTE_CONTENT_SECURITY_POLICY_META,
  COMPUTE_ENTRY,
  CROSS_ORIGIN_ISOLATION_HEADERS,
  CONTENT_SECURITY_POLICY,
  CONTENT_SECURITY_POLICY_META,
  CSP_DIRECTIVES,
  SECURE_WEB_PREFERENCES,
  contentSecurityPolicy,
  hardenSession,
  hardenWebContents,
  isAllowedRequest,
  isAppUrl,
  webPreferences,
} = security;

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name, values];
      }),
  );
}

describe('webPreferences', () => {
  it('isolate, sandbox and never integrate Node', () => {
    const prefs = webPreferences('/app/out/preload/index.cjs');
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      preload: '/app/out/preload/index.cjs',
    });
    expect(Object.isFrozen(SECURE_WEB_PREFERENCES)).toBe(true);
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
  });
});

describe('the Content-Security-Policy', () => {
  const csp = directives(CONTENT_SECURITY_POLICY);

  it('allows nothing by default and scripts only from the app itself', () => {
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
  });

  it('has no eval and no remote origin anywhere', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|wasm-unsafe-eval/);
    for (const [name, values] of csp) {
      for (const v of values) {
        expect(v, `${name} ${v}`).toMatch(/^('self'|'none'|'unsafe-inline'|data:|blob:)$/);
      }
    }
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https?:|wss?:|\*/);
  });

  it('the <meta> variant is the same policy minus what a meta cannot carry', () => {
    const meta = directives(CONTENT_SECURITY_POLICY_META);
    expect(meta.has('frame-ancestors')).toBe(false);
    for (const [name, values] of meta) expect(csp.get(name)).toEqual(values);
    expect(meta.size).toBe(Object.keys(CSP_DIRECTIVES).length - 1);
  });

  it('in dev adds only the local Vite server (and refuses a remote one)', () => {
    const dev = directives(contentSecurityPolicy('http://localhost:5173'));
    expect(dev.get('connect-src')).toEqual(["'self'", 'http://localhost:5173', 'ws://localhost:5173']);
    expect(dev.get('script-src')).toEqual(["'self'"]);
    expect(() => contentSecurityPolicy('https://evil.example.com')).toThrow(/non-local/);
  });

  it('the built renderer page carries the same policy in its <meta>', () => {
    const html = 'out/renderer/index.html';
    if (!existsSync(html)) return; // checked when a build exists (the e2e run builds first)
    const text = readFileSync(html, 'utf8');
    const m = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(text);
    expect(m, 'index.html has a CSP meta').not.toBeNull();
    expect(m![1]).toBe(CONTENT_SECURITY_POLICY_META);
    expect(text.match(/Content-Security-Policy/g)).toHaveLength(1);
  });
});

describe('the app origin', () => {
  it('is app://qklab, and nothing else counts as the app', () => {
    expect(APP_ENTRY).toBe('app://qklab/index.html');
    expect(isAppUrl('app://qklab/assets/index.js')).toBe(true);
    expect(isAppUrl('app://other/index.html')).toBe(false);
    expect(isAppUrl('file:///etc/passwd')).toBe(false);
    expect(isAppUrl('https://qklab/index.html')).toBe(false);
    expect(isAppUrl('http://localhost:5173/')).toBe(false);
    expect(isAppUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isAppUrl('not a url')).toBe(false);
  });

  it('only app, data: and blob: requests are let through', () => {
    expect(isAllowedRequest('app://qklab/assets/a.js')).toBe(true);
    expect(isAllowedRequest('data:image/png;base64,AAAA')).toBe(true);
    expect(isAllowedRequest('blob:app://qklab/1234')).toBe(true);
    for (const url of ['https://example.com/x.js', 'http://127.0.0.1:8080/', 'ws://localhost:5173', 'file:///etc/passwd', 'ftp://x/y']) {
      expect(isAllowedRequest(url), url).toBe(false);
    }
    expect(isAllowedRequest('ws://localhost:5173/', 'http://localhost:5173')).toBe(true);
  });
});

describe('guards', () => {
  it('block every navigation, redirect and <webview>, and deny new windows', () => {
    const handlers = new Map<string, (e: { preventDefault(): void }) => void>();
    let openHandler: ((d: never) => { action: string }) | null = null;
    hardenWebContents({
      on: ((event: string, fn: (e: { preventDefault(): void }) => void) => handlers.set(event, fn)) as never,
      setWindowOpenHandler: ((fn: (d: never) => { action: string }) => (openHandler = fn)) as never,
    });
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      const prevent = vi.fn();
      handlers.get(event)!({ preventDefault: prevent });
      expect(prevent, event).toHaveBeenCalled();
    }
    expect(openHandler!({ url: 'https://example.com', frameName: '', features: '', disposition: 'new-window', referrer: {}, postBody: undefined } as never)).toEqual({
      action: 'deny',
    });
  });

  it('deny every permission, cancel remote requests, and put the CSP on the app pages', () => {
    let request: ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) | null = null;
    let check: (() => boolean) | null = null;
    let before: ((d: { url: string }, cb: (r: { cancel: boolean }) => void) => void) | null = null;
    let headers: ((d: { url: string; responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders?: Record<string, string[]> }) => void) => void) | null = null;
    hardenSession({
      setPermissionRequestHandler: ((fn: typeof request) => (request = fn)) as never,
      setPermissionCheckHandler: ((fn: typeof check) => (check = fn)) as never,
      webRequest: {
        onBeforeRequest: ((fn: typeof before) => (before = fn)) as never,
        onHeadersReceived: ((fn: typeof headers) => (headers = fn)) as never,
      } as never,
    });
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      const cb = vi.fn();
      request!(null, permission, cb);
      expect(cb).toHaveBeenCalledWith(false);
    }
    expect(check!()).toBe(false);

    const cancelled = (url: string) => {
      let result: { cancel: boolean } | null = null;
      before!({ url }, (r) => (result = r));
      return result!.cancel;
    };
    expect(cancelled('https://cdn.example.com/lib.js')).toBe(true);
    expect(cancelled('app://qklab/index.html')).toBe(false);

    let out: { responseHeaders?: Record<string, string[]> } = {};
    headers!(
      { url: 'app://qklab/index.html', responseHeaders: { 'content-security-policy': ['default-src *'], 'cross-origin-embedder-policy': ['unsafe-none'] } },
      (r) => (out = r),
    );
    expect(out.responseHeaders).toEqual({
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
      'Cross-Origin-Opener-Policy': ['same-origin'],
      'Cross-Origin-Embedder-Policy': ['require-corp'],
      'Cross-Origin-Resource-Policy': ['same-origin'],
    });
    // the compute page gets its own policy (wasm compiles), and the same isolation
    headers!({ url: COMPUTE_ENTRY, responseHeaders: {} }, (r) => (out = r));
    expect(out.responseHeaders!['Content-Security-Policy']).toEqual([COMPUTE_CONTENT_SECURITY_POLICY]);
    expect(out.responseHeaders!['Cross-Origin-Embedder-Policy']).toEqual(['require-corp']);
    headers!({ url: 'https://example.com/' }, (r) => (out = r));
    expect(out).toEqual({});
  });
});

describe('the compute page and cross-origin isolation', () => {
  it('the compute page policy is the app policy plus compiling wasm, and nothing else', () => {
    const app = directives(CONTENT_SECURITY_POLICY);
    const compute = directives(COMPUTE_CONTENT_SECURITY_POLICY);
    expect(compute.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    for (const [name, values] of compute) if (name !== 'script-src') expect(values, name).toEqual(app.get(name));
    expect(compute.size).toBe(app.size);
    // JavaScript eval stays off even there; the renderer's own policy compiles no wasm at all
    expect(COMPUTE_CONTENT_SECURITY_POLICY).not.toMatch(/'unsafe-eval'/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/wasm-unsafe-eval/);
    expect(COMPUTE_ENTRY).toBe('app://qklab/compute/index.html');
  });

  it('COOP same-origin and COEP require-corp on every app response (SharedArrayBuffer for wasm threads)', async () => {
    expect(CROSS_ORIGIN_ISOLATION_HEADERS).toMatchObject({ 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const root = mkdtempSync(join(tmpdir(), 'qklab-protocol-'));
    try {
      mkdirSync(join(root, 'compute'));
      writeFileSync(join(root, 'index.html'), '<!doctype html>');
      writeFileSync(join(root, 'compute', 'index.html'), '<!doctype html>');
      writeFileSync(join(root, 'a.wasm'), new Uint8Array([0, 97, 115, 109]));
      const handle = appProtocolHandler(root);
      for (const url of ['app://qklab/index.html', 'app://qklab/compute/index.html', 'app://qklab/a.wasm']) {
        const r = await handle(new Request(url));
        expect(r.status, url).toBe(200);
        expect(r.headers.get('cross-origin-opener-policy'), url).toBe('same-origin');
        expect(r.headers.get('cross-origin-embedder-policy'), url).toBe('require-corp');
        expect(r.headers.get('cross-origin-resource-policy'), url).toBe('same-origin');
      }
      expect((await handle(new Request('app://qklab/index.html'))).headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect((await handle(new Request('app://qklab/compute/index.html'))).headers.get('content-security-policy')).toBe(COMPUTE_CONTENT_SECURITY_POLICY);
      expect((await handle(new Request('app://qklab/a.wasm'))).headers.get('content-type')).toBe('application/wasm');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('the built compute page carries the compute policy in its <meta>', () => {
    const html = 'out/renderer/compute/index.html';
    if (!existsSync(html)) return; // checked when a build exists (the e2e run builds first)
    const text = readFileSync(html, 'utf8');
    const m = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(text);
    expect(m, 'compute/index.html has a CSP meta').not.toBeNull();
    expect(m![1]).toBe(COMPUTE_CONTENT_SECURITY_POLICY_META);
    expect(text).toMatch(/<script type="module" crossorigin src="\/assets\/compute-[^"]+\.js"><\/script>/);
  });
});
