/**
 * Three builds (electron-vite):
 * - main: `out/main/index.js` (the Electron entry) and `out/main/engine-worker.js` (the
 *   CpuPool's worker_threads entry; pool.ts looks for `./engine-worker.js` beside the
 *   chunk it was bundled into, and pool.ts lands in index.js itself). Dependencies stay
 *   external (`dependencies` are shipped in node_modules by electron-builder), so
 *   onnxruntime-web's Node build loads its own ort-wasm-simd-threaded.wasm from its own
 *   dist folder: nothing needs copying (tests/electron/built-worker.test.ts runs the built
 *   worker under plain Node to prove it; build/electron-builder.yml unpacks the .wasm).
 *   `out/main/export-worker.js` draws exports (ECharts + resvg) off the main thread;
 *   `out/main/capture-worker.js` captures a model the app opened (onnxruntime-web) off it.
 * - preload: sandbox-safe CommonJS files whose only require is 'electron' (a sandboxed
 *   preload cannot require anything else): `out/preload/index.cjs` (the LabApi) and
 *   `out/preload/compute.cjs` (the compute window's: it forwards one MessagePort). The two
 *   share no module but 'electron', so no chunk is split off
 *   (tests/electron/compute-window.test.ts checks both files).
 * - renderer: `src-renderer` → `out/renderer`, with the CSP <meta> injected from
 *   src-main/electron/security.ts so the page, the app's header and the e2e server agree;
 *   and the compute page, `src-compute` → `out/renderer/compute/index.html` + its script
 *   (onnxruntime-web's WebGPU build and its .wasm as assets; see computePage below).
 */
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';
import { COMPUTE_CONTENT_SECURITY_POLICY_META, CONTENT_SECURITY_POLICY_META } from './src-main/electron/security';

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

/**
 * The compute page (src-compute) lives outside the renderer's root, so the renderer's
 * engineers and the engine's do not share a folder. Vite cannot emit an HTML input from
 * outside its root, so the page's script is a plain entry of the renderer build
 * (`compute`), and this plugin writes `compute/index.html` from src-compute/index.html
 * pointing at the built script, with the compute page's CSP <meta>. The app serves it as
 * app://qklab/compute/index.html (security.ts: COMPUTE_PATH).
 */
function computePage(): Plugin {
  return {
    name: 'qklab:compute-page',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunk = Object.values(bundle).find((f) => f.type === 'chunk' && f.isEntry && f.name === 'compute');
      if (!chunk) throw new Error('qklab:compute-page: the compute entry was not built');
      const template = readFileSync(r('src-compute/index.html'), 'utf8');
      const script = /<script type="module" src="\.\/main\.ts"><\/script>/;
      if (!script.test(template)) throw new Error('qklab:compute-page: src-compute/index.html must load ./main.ts as its one module script');
      const meta = `<meta http-equiv="Content-Security-Policy" content="${COMPUTE_CONTENT_SECURITY_POLICY_META}">`;
      const html = template.replace(/(<meta\s+charset=[^>]*>)/i, `$1\n    ${meta}`).replace(script, `<script type="module" crossorigin src="/${chunk.fileName}"></script>`);
      this.emitFile({ type: 'asset', fileName: 'compute/index.html', source: html });
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
          'export-worker': r('src-main/service/export/export-worker.ts'),
          'capture-worker': r('src-main/service/captures/capture-worker.ts'),
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
        // compute: the hidden compute window's preload (it only forwards a MessagePort)
        input: { index: r('src-main/preload/index.ts'), compute: r('src-main/preload/compute.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: r('src-renderer'),
    build: {
      outDir: r('out/renderer'),
      rolldownOptions: { input: { index: r('src-renderer/index.html'), compute: r('src-compute/main.ts') } },
    },
    plugins: [vue(), cspMeta(), computePage()],
  },
});
