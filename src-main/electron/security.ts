/**
 * The security checklist, in one place (cf. Electron's security tutorial and Electron
 * Fiddle): the window's webPreferences, the Content-Security-Policy, and the handlers that
 * deny navigation, new windows, permissions and every request to a remote origin.
 * tests/electron/security.test.ts reads each of these back.
 *
 * This module has no runtime import of 'electron' (only types), so the build config and
 * the end-to-end harness can import the CSP from here too: the app's header, the
 * renderer's <meta> (injected at build time) and the test server all use these strings.
 */
import type { HandlerDetails, Session, WebContents, WebPreferences } from 'electron';

/** The app's pages are served from this privileged scheme (src-main/electron/protocol.ts). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'qklab';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;
/** The hidden compute window's page (src-compute, built beside the renderer): WebGPU + onnxruntime, no UI. */
export const COMPUTE_PATH = '/compute/index.html';
export const COMPUTE_ENTRY = `${APP_ORIGIN}${COMPUTE_PATH}`;

/**
 * Cross-origin isolation for the app's own pages: with it a page gets SharedArrayBuffer,
 * which onnxruntime-web's multi-threaded wasm needs inside a browser context (the compute
 * page runs the nodes WebGPU does not take there). The app loads nothing cross-origin, so
 * `require-corp` costs nothing; every app response also says `same-origin` for itself.
 */
export const CROSS_ORIGIN_ISOLATION_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
});

/** Every BrowserWindow's webPreferences apart from the preload path. */
export const SECURE_WEB_PREFERENCES = Object.freeze({
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  safeDialogs: true,
  spellcheck: false,
} satisfies WebPreferences);

export function webPreferences(preload: string): WebPreferences {
  return { ...SECURE_WEB_PREFERENCES, preload };
}

/**
 * The CSP directives. Everything comes from the app's own origin; styles may be inline
 * (Vue and ECharts set style attributes); images may be data:/blob: URLs (chart exports,
 * pooled heatmap bitmaps). No 'unsafe-eval', no remote origin anywhere.
 */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'worker-src': ["'self'"],
  'manifest-src': ["'self'"],
  'object-src': ["'none'"],
  'frame-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
});

/**
 * The compute page's policy: the app's, plus `'wasm-unsafe-eval'` (compiling onnxruntime's
 * WebAssembly; still no JavaScript eval). Only the compute page gets it: the renderer,
 * which runs no wasm, keeps the stricter policy.
 */
export const COMPUTE_CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  ...CSP_DIRECTIVES,
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
});

/** Directives a <meta> CSP cannot carry (browsers ignore them there, with a console warning). */
const HEADER_ONLY = new Set(['frame-ancestors', 'report-uri', 'sandbox']);

function cspString(directives: Readonly<Record<string, readonly string[]>>, skip: Set<string> = new Set()): string {
  return Object.entries(directives)
    .filter(([name]) => !skip.has(name))
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

/** The Content-Security-Policy header of the app's pages (and of the e2e test server). */
export const CONTENT_SECURITY_POLICY = cspString(CSP_DIRECTIVES);

/** The same policy as the renderer's <meta http-equiv="Content-Security-Policy"> carries it. */
export const CONTENT_SECURITY_POLICY_META = cspString(CSP_DIRECTIVES, HEADER_ONLY);

/** The compute page's header and <meta> policies. */
export const COMPUTE_CONTENT_SECURITY_POLICY = cspString(COMPUTE_CSP_DIRECTIVES);
export const COMPUTE_CONTENT_SECURITY_POLICY_META = cspString(COMPUTE_CSP_DIRECTIVES, HEADER_ONLY);

/** Whether an app URL (or a path of one) is the compute page. */
export function isComputePage(urlOrPath: string): boolean {
  let path = urlOrPath;
  try {
    path = new URL(urlOrPath).pathname;
  } catch {
    // already a path
  }
  return path === COMPUTE_PATH;
}

/** The CSP header an app page gets: the compute page's, or the app's. */
export function cspForAppUrl(url: string, devServerUrl?: string): string {
  return isComputePage(url) ? COMPUTE_CONTENT_SECURITY_POLICY : contentSecurityPolicy(devServerUrl);
}

/**
 * In `electron-vite dev` the renderer comes from Vite's dev server, whose client needs a
 * websocket back to it for hot reload. Only that one local origin is added, and only then.
 */
export function contentSecurityPolicy(devServerUrl?: string): string {
  if (!devServerUrl) return CONTENT_SECURITY_POLICY;
  const url = new URL(devServerUrl);
  if (!isLoopback(url.hostname)) throw new Error(`refusing a non-local dev server origin: ${url.origin}`);
  const ws = `ws://${url.host}`;
  return cspString({ ...CSP_DIRECTIVES, 'connect-src': [...CSP_DIRECTIVES['connect-src'], url.origin, ws] });
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/** The app's own pages: the app:// origin, or (dev only) the local Vite server. */
export function isAppUrl(raw: string, devServerUrl?: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST) return true;
  if (devServerUrl) {
    const dev = new URL(devServerUrl);
    return isLoopback(dev.hostname) && url.origin === dev.origin;
  }
  return false;
}

/** Requests the app may make: its own pages and assets, data:/blob: URLs, and (dev) the Vite server's websocket. */
export function isAllowedRequest(raw: string, devServerUrl?: string): boolean {
  if (raw.startsWith('data:') || raw.startsWith('blob:') || raw.startsWith('devtools:')) return true;
  if (isAppUrl(raw, devServerUrl)) return true;
  if (devServerUrl) {
    try {
      const url = new URL(raw);
      const dev = new URL(devServerUrl);
      return (url.protocol === 'ws:' || url.protocol === 'http:') && url.host === dev.host && isLoopback(url.hostname);
    } catch {
      return false;
    }
  }
  return false;
}

/** window.open and target=_blank links: always denied (the app has one window, no web content). */
export function windowOpenHandler(_details: HandlerDetails): { action: 'deny' } {
  return { action: 'deny' };
}

/** Navigation away from the loaded page is never wanted: the renderer is a single page. */
export function blockNavigation(event: { preventDefault(): void }): void {
  event.preventDefault();
}

/** Guard one webContents: no navigation, no redirects, no new windows, no <webview>. */
export function hardenWebContents(contents: Pick<WebContents, 'on' | 'setWindowOpenHandler'>): void {
  contents.on('will-navigate', blockNavigation);
  contents.on('will-frame-navigate', blockNavigation);
  contents.on('will-redirect', blockNavigation);
  contents.on('will-attach-webview', blockNavigation);
  contents.setWindowOpenHandler(windowOpenHandler);
}

/** Every permission request and check is refused (no camera, notifications, clipboard reads, …). */
export function denyPermission(_wc: unknown, _permission: string, callback: (granted: boolean) => void): void {
  callback(false);
}

export function denyPermissionCheck(): boolean {
  return false;
}

/**
 * Guard a session: deny permissions, cancel every request outside the app's own origin,
 * and give the app's pages the CSP header.
 */
export function hardenSession(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'webRequest'>, devServerUrl?: string): void {
  session.setPermissionRequestHandler(denyPermission);
  session.setPermissionCheckHandler(denyPermissionCheck);
  session.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedRequest(details.url, devServerUrl) });
  });
  const own = new Set(['content-security-policy', ...Object.keys(CROSS_ORIGIN_ISOLATION_HEADERS).map((k) => k.toLowerCase())]);
  session.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppUrl(details.url, devServerUrl)) {
      callback({});
      return;
    }
    const headers = { ...(details.responseHeaders ?? {}) };
    for (const key of Object.keys(headers)) if (own.has(key.toLowerCase())) delete headers[key];
    headers['Content-Security-Policy'] = [cspForAppUrl(details.url, devServerUrl)];
    for (const [key, value] of Object.entries(CROSS_ORIGIN_ISOLATION_HEADERS)) headers[key] = [value];
    callback({ responseHeaders: headers });
  });
}
