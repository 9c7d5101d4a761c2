/**
 * The renderer's side of long sequences: first paint of a 4096 × 4096 overview from its
 * data, through the renderer's own pooled-image code (src-renderer/src/charts/image.ts:
 * matrixPixels pools to the plot's pixels and colours with the heatmap's scale), in Debian's
 * Chromium (headless, software raster). Timed inside the page: pool + colour, putImageData,
 * and the frame that shows it (two requestAnimationFrames). The code is bundled for the page
 * by Vite (the renderer's own bundler), exactly as the renderer imports it.
 */
import { build, type Rollup } from 'vite';
import { chromium } from 'playwright-core';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM } from '../tests/e2e/harness';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');

/** Runs in the page: a synthetic causal overview (each row a decaying distribution), then the timed paint. */
const PAGE_ENTRY = `
import { matrixPixels } from '__IMAGE_TS__';
window.__paint = async (n, px, reps) => {
  const values = new Float32Array(n * n);
  const blocked = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let j = 0; j <= i; j++) z += Math.exp(-(i - j) / 64);
    for (let j = 0; j < n; j++) {
      if (j > i) { blocked[i * n + j] = 1; continue; }
      values[i * n + j] = Math.exp(-(i - j) / 64) / z;
    }
  }
  const canvas = document.createElement('canvas');
  canvas.width = px; canvas.height = px;
  document.body.append(canvas);
  const ctx = canvas.getContext('2d');
  const input = { values, rows: n, cols: n, rowLabels: null, colLabels: null, blocked, view: { matrix: 'weights', colormap: 'viridis', scale: 'linear', head: 0 } };
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const runs = [];
  for (let k = 0; k < reps; k++) {
    await frame();
    const t0 = performance.now();
    const pixels = matrixPixels(input, px, px, '#808080');
    const t1 = performance.now();
    ctx.putImageData(new ImageData(pixels.data, pixels.width, pixels.height), 0, 0);
    const t2 = performance.now();
    await frame();
    const t3 = performance.now();
    runs.push({ poolAndColourMs: t1 - t0, putImageDataMs: t2 - t1, toFrameMs: t3 - t2, totalMs: t3 - t0, width: pixels.width, height: pixels.height });
  }
  return runs;
};
`;

export async function runRenderCase(n = 4096, px = 1024, reps = 5) {
  const entry = '\0qklab-bench-render-entry.ts';
  const out = (await build({
    configFile: false,
    root,
    logLevel: 'silent',
    plugins: [
      {
        name: 'qklab:bench-render-entry',
        resolveId: (id) => (id === entry ? id : null),
        load: (id) => (id === entry ? PAGE_ENTRY.replace('__IMAGE_TS__', join(root, 'src-renderer/src/charts/image.ts')) : null),
      },
    ],
    build: {
      write: false,
      minify: false,
      target: 'es2022',
      rolldownOptions: { input: entry, output: { format: 'iife', codeSplitting: false } },
    },
  })) as Rollup.RollupOutput | Rollup.RollupOutput[];
  const chunk = (Array.isArray(out) ? out[0] : out).output.find((o) => o.type === 'chunk');
  if (!chunk || chunk.type !== 'chunk') throw new Error('the bench page bundle has no script');
  const bundle = { outputFiles: [{ text: chunk.code }] };
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless=new', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    await page.setContent('<!doctype html><body style="margin:0"></body>');
    await page.addScriptTag({ content: bundle.outputFiles[0].text });
    const runs = (await page.evaluate(([a, b, c]) => (window as unknown as { __paint(n: number, px: number, r: number): Promise<unknown[]> }).__paint(a, b, c), [
      n,
      px,
      reps,
    ] as const)) as {
      poolAndColourMs: number;
      putImageDataMs: number;
      toFrameMs: number;
      totalMs: number;
      width: number;
      height: number;
    }[];
    return { n, px, first: runs[0], times: runs.slice(1).map((r) => r.totalMs), poolTimes: runs.slice(1).map((r) => r.poolAndColourMs), runs };
  } finally {
    await browser.close();
  }
}
