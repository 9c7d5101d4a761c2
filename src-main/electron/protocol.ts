/**
 * The app's pages come from `app://qklab/…`, a privileged standard scheme, instead of
 * file://: the renderer gets a real origin ('self' in the CSP means exactly the app), every
 * response carries the CSP header (the compute page's own, which allows compiling wasm) and
 * the cross-origin isolation headers (COOP/COEP: SharedArrayBuffer for multi-threaded wasm),
 * and only files inside the built renderer folder can be
 * served (a path that climbs out is a 404).
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { APP_HOST, APP_SCHEME, CROSS_ORIGIN_ISOLATION_HEADERS, cspForAppUrl } from './security';

export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
} as const;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

/** The file under `root` an app:// URL names, or null when it is not the app's or climbs out of root. */
export function fileForAppUrl(root: string, raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const rel = pathname === '/' ? 'index.html' : pathname.replace(/^\/+/, '');
  const base = normalize(root + sep);
  const file = normalize(join(root, rel));
  return file.startsWith(base) ? file : null;
}

/** The protocol.handle handler: static files from `root`, with the CSP and COOP/COEP headers. */
export function appProtocolHandler(root: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const file = fileForAppUrl(root, request.url);
    if (!file || request.method !== 'GET') return new Response('not found', { status: 404 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        status: 200,
        headers: {
          'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
          'Content-Security-Policy': cspForAppUrl(request.url),
          ...CROSS_ORIGIN_ISOLATION_HEADERS,
          'X-Content-Type-Options': 'nosniff',
        },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  };
}
