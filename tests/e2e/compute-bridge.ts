/**
 * The compute page (the BUILT src-compute: out/renderer/compute/index.html) in Debian's
 * Chromium with WebGPU on SwiftShader, as a `ComputeConnection` for the real WebGPU
 * backend (src-main/engine/gpu-backend.ts). It stands where Electron's hidden compute
 * window stands: the page is served from 127.0.0.1 with the app's headers for it (the
 * compute page's CSP, COOP/COEP), gets one MessagePort posted to its window exactly as the
 * compute preload posts it, and that port is bridged to this process through one
 * Playwright binding (messages cross base64-encoded, typed arrays rebuilt on each side).
 *
 * Used by tests/e2e/webgpu.e2e.ts and bench/webgpu-case.ts.
 */
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ComputeConnection, ConnectCompute } from '../../src-main/engine/gpu-backend';
import type { FromCompute, ToCompute } from '../../src-shared/engine-browser/protocol';
import { COMPUTE_PORT_MESSAGE } from '../../src-shared/engine-browser/protocol';
import { COMPUTE_PATH, CONTENT_SECURITY_POLICY, COMPUTE_CONTENT_SECURITY_POLICY, CROSS_ORIGIN_ISOLATION_HEADERS, isComputePage } from '../../src-main/electron/security';
import { CHROMIUM, RENDERER_DIR, decodeTyped, encodeTyped } from './harness';

/**
 * Chromium 156 (Debian) flags that give navigator.gpu.requestAdapter() a SwiftShader
 * adapter headless, with no GPU. Measured here: `--enable-unsafe-webgpu` is the one that
 * matters (without it requestAdapter() returns null, with or without the others); headless
 * then falls back to SwiftShader (Vulkan on the CPU) whatever `--use-angle` /
 * `--use-webgpu-adapter` / `--enable-features=Vulkan` / `--disable-gpu` say. The others
 * are kept so the choice of adapter is explicit.
 */
export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader'];

const BASE_FLAGS = ['--headless=new', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/** out/renderer over http, with the headers the app's protocol handler gives each page. */
export function serveBuilt(root = RENDERER_DIR): Promise<{ server: Server; origin: string }> {
  const base = normalize(root + sep);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
    const file = normalize(join(root, rel));
    if (!file.startsWith(base) || rel.includes('\0') || req.method !== 'GET') {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => {
        res.writeHead(200, {
          'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
          'Content-Security-Policy': isComputePage(url.pathname) ? COMPUTE_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY,
          ...CROSS_ORIGIN_ISOLATION_HEADERS,
          'X-Content-Type-Options': 'nosniff',
          'Cache-Control': 'no-store',
        });
        res.end(body);
      },
      () => res.writeHead(404).end(),
    );
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

/** The page's half of the bridge: encode/decode like page-api.js, and the port. */
const PAGE_CODEC = `(() => {
  const TYPED = { Float32Array, Float64Array, Int32Array, Uint8Array, Uint16Array, Int16Array, Uint32Array, Int8Array };
  function fromBase64(b64) { const bin = atob(b64); const bytes = new Uint8Array(bin.length); for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i); return bytes; }
  function toBase64(bytes) { let bin = ''; for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000)); return btoa(bin); }
  function decode(x) {
    if (Array.isArray(x)) return x.map(decode);
    if (x && typeof x === 'object') {
      if (typeof x.__typed === 'string' && typeof x.b64 === 'string' && Object.keys(x).length === 2) { const C = TYPED[x.__typed]; const b = fromBase64(x.b64); return new C(b.buffer, 0, b.byteLength / C.BYTES_PER_ELEMENT); }
      const out = {}; for (const k of Object.keys(x)) out[k] = decode(x[k]); return out;
    }
    return x;
  }
  function encode(x) {
    if (ArrayBuffer.isView(x)) return { __typed: x.constructor.name, b64: toBase64(new Uint8Array(x.buffer, x.byteOffset, x.byteLength)) };
    if (Array.isArray(x)) return x.map(encode);
    if (x && typeof x === 'object') { const out = {}; for (const k of Object.keys(x)) if (x[k] !== undefined) out[k] = encode(x[k]); return out; }
    return x;
  }
  Object.defineProperty(window, '__qklabBridge', { value: { encode, decode, port: null } });
})();`;

export interface ChromiumCompute {
  connect: ConnectCompute;
  origin: string;
  /** the pages opened, newest last */
  pages: Page[];
  /** console errors and page errors of every compute page */
  pageErrors: string[];
  close(): Promise<void>;
}

/**
 * Compute pages in one Chromium: `connect()` opens a new page (a new browser context, so a
 * replaced page starts from nothing, as a new compute window would).
 */
export async function chromiumCompute(options: { flags?: string[] } = {}): Promise<ChromiumCompute> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (never \`playwright install\`)`);
  if (!existsSync(join(RENDERER_DIR, COMPUTE_PATH)))
    throw new Error(`${join(RENDERER_DIR, COMPUTE_PATH)} is missing: run \`npx electron-vite build\` first (\`npm run test:e2e\` does)`);
  const { server, origin } = await serveBuilt();
  let browser: Browser | null = null;
  const pages: Page[] = [];
  const pageErrors: string[] = [];
  const connect: ConnectCompute = async () => {
    browser ??= await chromium.launch({ executablePath: CHROMIUM, args: [...BASE_FLAGS, ...(options.flags ?? WEBGPU_FLAGS)] });
    const context = await browser.newContext();
    const page = await context.newPage();
    pages.push(page);
    const listeners: ((m: FromCompute) => void)[] = [];
    const closeListeners: ((reason: string) => void)[] = [];
    let closed = false;
    const closeWith = (reason: string) => {
      if (closed) return;
      closed = true;
      for (const l of closeListeners) l(reason);
    };
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
    page.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
    page.on('crash', () => closeWith('the page crashed'));
    page.on('close', () => closeWith('the page was closed'));
    await page.exposeBinding('__qklabComputeToMain', (_source, encoded: unknown) => {
      const m = decodeTyped(encoded) as FromCompute;
      for (const l of listeners) l(m);
    });
    await page.addInitScript({ content: PAGE_CODEC });
    await page.goto(`${origin}${COMPUTE_PATH}`);
    // what the compute preload does in Electron: post one port to the page's own window
    await page.evaluate((message) => {
      const bridge = (window as unknown as { __qklabBridge: { encode(x: unknown): unknown; port: MessagePort | null } }).__qklabBridge;
      const channel = new MessageChannel();
      bridge.port = channel.port1;
      channel.port1.onmessage = (e) => (window as unknown as { __qklabComputeToMain(x: unknown): void }).__qklabComputeToMain(bridge.encode(e.data));
      window.postMessage(message, window.location.origin, [channel.port2]);
    }, COMPUTE_PORT_MESSAGE);
    // messages to the page in order: one evaluate after another
    let chain: Promise<unknown> = Promise.resolve();
    const conn: ComputeConnection = {
      post: (m: ToCompute) => {
        if (closed) return;
        const encoded = encodeTyped(m);
        chain = chain
          .then(() =>
            page.evaluate((x) => {
              const bridge = (window as unknown as { __qklabBridge: { decode(x: unknown): unknown; port: MessagePort } }).__qklabBridge;
              bridge.port.postMessage(bridge.decode(x));
            }, encoded),
          )
          .catch((e: Error) => closeWith(`the page could not be reached (${e.message.split('\n')[0]})`));
      },
      onMessage: (l) => void listeners.push(l),
      onClose: (l) => void closeListeners.push(l),
      close: async () => {
        closed = true;
        await context.close().catch(() => undefined);
      },
    };
    return conn;
  };
  return {
    connect,
    origin,
    pages,
    pageErrors,
    close: async () => {
      await browser?.close().catch(() => undefined);
      browser = null;
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
