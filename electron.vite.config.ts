/**
 * Three builds (electron-vite):
 * - main: `out/main/index.js` (the Electron entry) and `out/main/engine-worker.js` (the
 *   WasmPool's worker_threads entry; pool.ts looks for `./engine-worker.js` beside the
 *   chunk it was bundled into, and pool.ts lands in index.js itself). Dependencies stay
 *   external (`dependencies` are shipped in node_modules by electron-builder), so
 *   onnxruntime-web's Node build loads its own ort-wasm-simd-threaded.wasm from its own
 *   dist folder: nothing needs copying (tests/electron/built-worker.test.ts runs the built
 *   worker under plain Node to prove it; build/electron-builder.yml unpacks the .wasm).
 *   `out/main/export-worker.js` draws exports (ECharts + resvg) off the main thread.
 * - preload: one sandbox-safe CommonJS file, `out/preload/index.cjs`, whose only require
 *   is 'electron' (a sandboxed preload cannot require anything else).
 * - renderer: `src-renderer` → `out/renderer`, with the CSP <meta> injected from
 *   src-main/electron/security.ts so the page, the app's header and the e2e server agree.
 */
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY_META } from './src-main/electron/security';

const root = import.meta.dirname;
const r = (p: string) => resolve(root, p);

/** Put the app's CSP in the renderer's index.html (replacing any CSP meta already there). */
function cspMeta(): Plugin {
  return {
    name: 'qklab:csp-meta',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        // the dev server needs its websocket; the dev CSP comes as a header from main instead
        if (ctx.server) return html;
        const meta = `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY_META}">`;
        const without = html.replace(/\s*<meta\s+http-equiv=["']Content-Security-Policy["'][^>]*>/i, '');
        // right after <meta charset> (which must come first), else at the top of <head>
        if (/<meta\s+charset=[^>]*>/i.test(without)) return without.replace(/(<meta\s+charset=[^>]*>)/i, `$1\n    ${meta}`);
        return without.replace(/<head([^>]*)>/i, `<head$1>\n    ${meta}`);
      },
    },
  };
}

export default defineConfig({
  main: {
    build: {
      outDir: r('out/main'),
      rolldownOptions: {
        input: {
          index: r('src-main/index.ts'),
          'engine-worker': r('src-main/engine/worker.ts'),
          'export-worker': r('src-main/service/lab-service-export-worker.ts'),
        },
        output: { entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: r('out/preload'),
      // bundle everything (valibot, the request table): a sandboxed preload can only require 'electron'
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: r('src-main/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: r('src-renderer'),
    build: {
      outDir: r('out/renderer'),
      rolldownOptions: { input: r('src-renderer/index.html') },
    },
    plugins: [vue(), cspMeta()],
  },
});
