/**
 * The end-to-end harness: the BUILT renderer (out/renderer, from `npx electron-vite build`,
 * which `npm run test:e2e` runs once first) in Debian's Chromium, driven by playwright-core,
 * with the REAL LabService (real CpuPool, real files) behind `window.qklab`. Only the
 * Electron transport (the preload's IPC becomes one Playwright binding, through the same
 * request table and validation as ipc.ts; a reply's large typed arrays come as raw bytes over
 * the page's HTTP connection to the test server, as fast as IPC's copies, where base64 through
 * the binding took a second) and the native dialogs (a Host whose dialogs
 * return paths the test set) are replaced.
 *
 * The page is served from 127.0.0.1 with the app's own CSP and COOP/COEP headers, and every request the
 * page makes is recorded, so a test can prove the app never leaves its own origin.
 */
import { createServer, type Server } from 'node:http';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CpuPool } from '../../src-main/engine/pool';
import type { Backend } from '../../src-main/engine/backend';
import { LabService } from '../../src-main/service/lab-service';
import type { Host, SaveKind } from '../../src-main/service/host';
import { dispatch, isOperationName, serviceOperations } from '../../src-main/service/dispatch';
import { CONTENT_SECURITY_POLICY, CROSS_ORIGIN_ISOLATION_HEADERS } from '../../src-main/electron/security';
import type { MenuCommand, ProgressEvent } from '../../src-shared/api/lab-api';

const here = fileURLToPath(new URL('.', import.meta.url));
export const ROOT = resolve(here, '../..');
export const RENDERER_DIR = join(ROOT, 'out/renderer');
export const ARTIFACTS_DIR = join(here, 'artifacts');
/** the README's pictures of each main view: rewritten by the e2e tests that reach the view, so they stay current */
export const DOCS_SCREENSHOTS_DIR = join(ROOT, 'docs/screenshots');
export const CHROMIUM = process.env.QKLAB_CHROMIUM ?? '/usr/bin/chromium';
const PAGE_API = readFileSync(join(here, 'page-api.js'), 'utf8');

// ── typed arrays across the binding ─────────────────────────────────────────────────

type Encoded = { __typed: string; b64: string };
const TYPED: Record<string, { new (buffer: ArrayBuffer, offset: number, length: number): ArrayBufferView; BYTES_PER_ELEMENT: number }> = {
  Float32Array,
  Float64Array,
  Int32Array,
  Uint8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int8Array,
};

/** A typed array left at the test server for the page to fetch (its bytes never cross CDP). */
type Fetched = { __typed: string; bytes: string };

/**
 * Typed arrays of at least this many bytes in a reply travel over the page's own HTTP
 * connection to the test server, as raw bytes: base64 through a Playwright binding (CDP
 * messages of JSON text, atob in the page) cost ~1 s for a run's 8 MB of overviews, where
 * Electron's IPC copies the buffers in milliseconds. Smaller ones go inline as base64.
 */
const FETCHED_BYTES = 64 * 1024;

/** Bytes waiting for the page to fetch them once, by id (the server's /__qklab-bytes/ID). */
export class ReplyBytes {
  private readonly waiting = new Map<string, Buffer>();
  private next = 0;

  put(bytes: Buffer): string {
    const id = `${Date.now().toString(36)}-${(this.next++).toString(36)}`;
    this.waiting.set(id, bytes);
    return id;
  }

  take(id: string): Buffer | undefined {
    const bytes = this.waiting.get(id);
    this.waiting.delete(id);
    return bytes;
  }
}

/**
 * Typed arrays → {__typed, b64}, or {__typed, bytes: id} left in `fetched` for the page to
 * fetch when there is one and the array is large; everything else as is (Playwright carries
 * JSON plus ±Infinity/NaN).
 */
export function encodeTyped(x: unknown, fetched?: ReplyBytes): unknown {
  if (ArrayBuffer.isView(x)) {
    const bytes = Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    // a copy: a result's shared memory may be recycled for the next run before the page reads it
    if (fetched && x.byteLength >= FETCHED_BYTES) return { __typed: x.constructor.name, bytes: fetched.put(Buffer.from(bytes)) } satisfies Fetched;
    return { __typed: x.constructor.name, b64: bytes.toString('base64') } satisfies Encoded;
  }
  if (Array.isArray(x)) return x.map((v) => encodeTyped(v, fetched));
  if (x && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (v !== undefined) out[k] = encodeTyped(v, fetched);
    return out;
  }
  return x;
}

export function decodeTyped(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(decodeTyped);
  if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if (typeof o.__typed === 'string' && typeof o.b64 === 'string' && Object.keys(o).length === 2) {
      const Ctor = TYPED[o.__typed];
      if (!Ctor) throw new Error(`unknown typed array ${o.__typed}`);
      const bytes = Buffer.from(o.b64, 'base64');
      const copy = new ArrayBuffer(bytes.byteLength);
      new Uint8Array(copy).set(bytes);
      return new Ctor(copy, 0, bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = decodeTyped(v);
    return out;
  }
  return x;
}

// ── the host: dialogs answered by the test ──────────────────────────────────────────

/** Dialog answers queued by the test; an unexpected dialog counts as "cancelled" and is recorded. */
export class TestHost implements Host {
  readonly opens: Record<'embeddings' | 'session', (string | null)[]> = { embeddings: [], session: [] };
  readonly saves: (string | null)[] = [];
  readonly dialogs: { kind: string; defaultName?: string; answer: string | null }[] = [];

  constructor(readonly userDataDir: string) {}

  async chooseOpenPath(kind: 'embeddings' | 'session'): Promise<string | null> {
    const answer = this.opens[kind].length ? this.opens[kind].shift()! : null;
    this.dialogs.push({ kind: `open-${kind}`, answer });
    return answer;
  }

  async chooseSavePath(kind: SaveKind, defaultName: string): Promise<string | null> {
    const answer = this.saves.length ? this.saves.shift()! : null;
    this.dialogs.push({ kind: `save-${kind}`, defaultName, answer });
    return answer;
  }
}

// ── the static server ───────────────────────────────────────────────────────────────

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.ico': 'image/x-icon',
};

/** The path under which the page fetches a reply's large typed arrays (ReplyBytes). */
const BYTES_PATH = '/__qklab-bytes/';

function serveRenderer(root: string, replyBytes: ReplyBytes): Promise<{ server: Server; origin: string }> {
  const base = normalize(root + sep);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Chromium asks every http origin for a favicon (Electron never does): answer "none"
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (url.pathname.startsWith(BYTES_PATH)) {
      const bytes = replyBytes.take(url.pathname.slice(BYTES_PATH.length));
      if (!bytes) res.writeHead(404).end();
      else res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store', ...CROSS_ORIGIN_ISOLATION_HEADERS }).end(bytes);
      return;
    }
    let file: string | null = null;
    try {
      const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
      const candidate = normalize(join(root, rel));
      file = candidate.startsWith(base) && !rel.includes('\0') ? candidate : null;
    } catch {
      file = null;
    }
    if (!file || req.method !== 'GET') {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => {
        res.writeHead(200, {
          'Content-Type': MIME[extname(file!).toLowerCase()] ?? 'application/octet-stream',
          'Content-Security-Policy': CONTENT_SECURITY_POLICY,
          // as the app's protocol handler: cross-origin isolated (COOP/COEP)
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

// ── the harness ─────────────────────────────────────────────────────────────────────

export interface HarnessOptions {
  /** reuse a userData folder (autosave, recent files) across harnesses: a restart */
  userDataDir?: string;
  viewport?: { width: number; height: number };
  workers?: number;
  /** share a pool across harnesses in one file */
  pool?: CpuPool;
  /** the service's engine, when it is more than the pool (the bench runs the app's: appEngine's engine, with its pool as `pool`) */
  backend?: Backend;
  /** JavaScript run in the page before the app's own (after the API's): the bench times the first run with it */
  initScript?: string;
}

export interface Harness {
  page: Page;
  context: BrowserContext;
  service: LabService;
  host: TestHost;
  origin: string;
  /** every URL the page tried to request (including ones the CSP then blocked) */
  requests: string[];
  /** URLs whose request did not complete (blocked, refused, aborted) */
  failedRequests: string[];
  /** console errors, page errors and CSP violations seen in the page */
  pageErrors: string[];
  progress: ProgressEvent[];
  userDataDir: string;
  /** the operations the page called, in order */
  calls: string[];
  menu(command: MenuCommand): Promise<void>;
  /** make a File named `name` "dropped" on the page resolve to `path` (pathForFile) */
  setDropPath(name: string, path: string): Promise<void>;
  /** the page (or the element `of` selects) as it is, under tests/e2e/artifacts; `{ docs: true }` also writes docs/screenshots/NAME.png */
  screenshot(name: string, options?: { docs?: boolean; of?: string }): Promise<string>;
  /** close the page and browser; `crash: true` skips the service's clean shutdown (as a kill would) */
  close(options?: { crash?: boolean }): Promise<void>;
}

let browser: Browser | null = null;

async function sharedBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (never \`playwright install\`)`);
  browser ??= await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return browser;
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = null;
}

export function ensureBuilt(): void {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    throw new Error('out/renderer/index.html is missing: run `npx electron-vite build` first (`npm run test:e2e` does)');
  }
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  ensureBuilt();
  const userDataDir = options.userDataDir ?? mkdtempSync(join(tmpdir(), 'qklab-e2e-user-'));
  const host = new TestHost(userDataDir);
  const ownPool = !options.pool;
  const pool = options.pool ?? new CpuPool({ workers: options.workers ?? 2 });
  const progress: ProgressEvent[] = [];
  let page: Page | null = null;
  const deliver = (kind: 'progress' | 'menuCommand', payload: unknown) =>
    page?.evaluate(([k, p]) => (window as unknown as { __qklabEmit(k: string, p: unknown): void }).__qklabEmit(k, p), [kind, encodeTyped(payload)] as const).catch(() => {});
  const service = await LabService.create({
    host,
    backend: options.backend ?? pool,
    version: 'e2e',
    onProgress: (e) => {
      progress.push(e);
      void deliver('progress', e);
    },
  });
  const ops = serviceOperations(service);
  const replyBytes = new ReplyBytes();
  const { server, origin } = await serveRenderer(RENDERER_DIR, replyBytes);
  const b = await sharedBrowser();
  const context = await b.newContext({ viewport: options.viewport ?? { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  page = await context.newPage();
  const requests: string[] = [];
  const failedRequests: string[] = [];
  const pageErrors: string[] = [];
  const calls: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('requestfailed', (r) => failedRequests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));

  // the transport: one binding, through the same request table and validation as Electron's ipc.ts
  await page.exposeBinding('__qklabCall', async ({ frame }, name: unknown, payload: unknown) => {
    if (frame !== frame.page().mainFrame() || !frame.url().startsWith(origin + '/')) {
      return { ok: false, error: { name: 'SecurityError', message: 'QK Lab ignores requests that do not come from its own window' } };
    }
    if (!isOperationName(name)) return { ok: false, error: { name: 'RequestError', message: `unknown operation "${String(name)}"` } };
    calls.push(name);
    return encodeTyped(await dispatch(ops, name, decodeTyped(payload)), replyBytes);
  });
  await page.addInitScript({ content: PAGE_API });
  if (options.initScript) await page.addInitScript({ content: options.initScript });

  await page.goto(`${origin}/index.html`);
  mkdirSync(ARTIFACTS_DIR, { recursive: true });

  const p = page;
  return {
    page: p,
    context,
    service,
    host,
    origin,
    requests,
    failedRequests,
    pageErrors,
    progress,
    userDataDir,
    calls,
    menu: async (command) => {
      await deliver('menuCommand', command);
    },
    setDropPath: async (name, path) => {
      await p.evaluate(([n, f]) => (window as unknown as { __qklabSetDropPath(n: string, f: string): void }).__qklabSetDropPath(n, f), [name, path] as const);
    },
    screenshot: async (name, { docs = false, of } = {}) => {
      const file = join(ARTIFACTS_DIR, `${name}.png`);
      if (of) await p.locator(of).screenshot({ path: file });
      else await p.screenshot({ path: file, fullPage: false });
      if (docs) {
        mkdirSync(DOCS_SCREENSHOTS_DIR, { recursive: true });
        copyFileSync(file, join(DOCS_SCREENSHOTS_DIR, `${name}.png`));
      }
      return file;
    },
    close: async ({ crash = false } = {}) => {
      page = null;
      await context.close().catch(() => {});
      await new Promise<void>((ok) => server.close(() => ok()));
      if (!crash) await service.close();
      if (ownPool) await pool.close();
      if (!options.userDataDir && !crash) rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
