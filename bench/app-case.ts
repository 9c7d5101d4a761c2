/**
 * The app around the engine (issue #14): the built renderer in Debian's Chromium with the real
 * service behind it (tests/e2e/harness.ts, the e2e tests' own harness; the pool configured as
 * the app's, APP_POOL, and warm), on a 2,048-token × 64-dim file split into 8 heads of 8.
 * Timed inside the page, from the input event to the painted frame of the map (the map's
 * element shows the new run; then the next frame's paint: a requestAnimationFrame, and in it a
 * message, handled as the first task after that frame is painted), and to that of every panel
 * (the heatmap panel, thumbnails included, and the entropy panel show it; they redraw after the
 * map has been painted, stores/run.ts): (a) a change of score function, (b) one step of the τ
 * slider. Beside each, the engine's own compute time from the run's reply
 * (RunReply.timing.computeMs), and where the rest went: input → request sent (debounce, JobSpec),
 * request → reply decoded (the service: load, engine, reply; plus the test transport, which is
 * not Electron's IPC: a Playwright binding, the large arrays fetched from the test server as raw
 * bytes), reply → DOM patched (stores,
 * option build, setOption) and DOM → painted frame.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appEngine } from '../src-main/engine/app-engine';
import { encodeNpy } from '../src-main/service/npy-write';
import { portableResult } from '../src-main/engine/marshal';
import { deserialize, serialize } from 'node:v8';
import { gaussianMatrix } from '../src-shared/random';
import { closeBrowser, startHarness } from '../tests/e2e/harness';
import { median, numpyEnv } from './cases';

export const APP_T = 2048;
export const APP_D = 64;
export const APP_HEADS = 8;
/** the width of the file the open case opens (a real model's d_model) */
export const OPEN_D = 768;

/** One timed change, all in page milliseconds. */
export interface AppSample {
  /** input event → the frame that shows the new run's map */
  totalMs: number;
  /** input event → the frame that shows it in every panel (thumbnails, entropy charts) */
  panelsMs: number;
  /** input event → runJob request sent (debounce, JobSpec build) */
  toSendMs: number;
  /** request sent → reply decoded in the page (service + test transport) */
  roundTripMs: number;
  /** the service's own time for the run (RunReply.timing.totalMs: load + engine) */
  serviceMs: number;
  /** the engine's compute time (RunReply.timing.computeMs) */
  engineMs: number;
  /** reply decoded → the map patched with the new run (stores, options, setOption) */
  toDomMs: number;
  /** DOM patched → the frame that shows it painted */
  toPaintMs: number;
  /** runJob calls the change caused (a superseded run shows here as 2) */
  runs: number;
}

/**
 * Page JavaScript: `painted()`, the page time of the next frame's paint. A message posted in that
 * frame's callbacks is handled as the first task after it is painted (before the work the app
 * itself puts off until after that paint, which it posts at a lower priority).
 */
const PAINTED = `const painted = () => new Promise((r) => requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => r(performance.now());
    channel.port2.postMessage(0);
  }));`;

/**
 * Installed once in the page: wraps the test transport to time runJob, and times one change to
 * its painted frame. Plain JavaScript sent as text (tsx would add helpers the page lacks).
 */
const PAGE_SCRIPT = `(() => {
  const call = window.__qklabCall;
  window.__benchCalls = [];
  window.__qklabCall = async (name, payload) => {
    const entry = { name, sent: performance.now(), received: 0 };
    window.__benchCalls.push(entry);
    const envelope = await call(name, payload);
    entry.received = performance.now();
    if (name === 'runJob' && envelope.ok) entry.timing = envelope.value && envelope.value.timing;
    return envelope;
  };
  // the reply decoded: its large arrays fetched from the test server (page-api.js)
  window.__qklabOnReply = (name, at) => {
    const entry = window.__benchCalls.filter((c) => c.name === name && !c.decoded).pop();
    if (entry) entry.decoded = at;
  };
  ${PAINTED}
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  // when an element's data-run-id next changes to a new run
  const patchOf = (el) => {
    const before = el.dataset.runId;
    return new Promise((resolve) => {
      const observer = new MutationObserver(() => {
        if (el.dataset.runId && el.dataset.runId !== before) {
          observer.disconnect();
          resolve(performance.now());
        }
      });
      observer.observe(el, { attributes: true, attributeFilter: ['data-run-id'] });
    });
  };
  window.__benchChange = async (kind) => {
    await frame();
    const patched = patchOf(document.querySelector('[data-testid="heatmap-focus"]'));
    const panels = Promise.all(['heatmap-panel', 'entropy-panel'].map((id) => patchOf(document.querySelector('[data-testid="' + id + '"]'))));
    const from = window.__benchCalls.length;
    const t0 = performance.now();
    if (kind === 'metric') {
      const select = document.querySelector('[data-testid="score-function"]');
      select.value = select.value === 'cosine' ? 'rbf' : 'cosine';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    } else {
      const slider = document.querySelector('[data-testid="field-metric.tau"] input[type="range"]');
      // back and forth between two positions 5 apart: one position moves τ by less than the
      // field's rounding in places (672 → 673 of 1000 both give τ = 1.04: no new run)
      const at = Number(slider.value);
      window.__benchTauUp = !window.__benchTauUp && at + 5 <= Number(slider.max);
      slider.value = String(window.__benchTauUp ? at + 5 : at - 5);
      slider.dispatchEvent(new Event('input', { bubbles: true }));
    }
    const status = () => (document.querySelector('[data-testid="run-status"]') || {}).textContent;
    const within60s = (p, what) => Promise.race([p, new Promise((_, reject) => setTimeout(() => reject(new Error('no new run ' + what + ' after 60 s: ' + status())), 60000))]);
    const dom = await within60s(patched, 'on the map');
    const t1 = await painted();
    const t2 = await within60s(panels, 'in the panels').then(painted);
    const runs = window.__benchCalls.slice(from).filter((c) => c.name === 'runJob');
    const last = runs[runs.length - 1];
    return {
      totalMs: t1 - t0,
      panelsMs: t2 - t0,
      toSendMs: last.sent - t0,
      roundTripMs: (last.decoded || last.received) - last.sent,
      serviceMs: last.timing ? last.timing.totalMs : NaN,
      engineMs: last.timing ? last.timing.computeMs : NaN,
      toDomMs: dom - (last.decoded || last.received),
      toPaintMs: t1 - dom,
      runs: runs.length,
    };
  };
})();`;

/**
 * Installed before the app's own scripts (HarnessOptions.initScript): resolves
 * `window.__firstRun` with the page times of the frames that first show a run (the sample
 * sentence, which the window runs as it opens): on the map, and in every panel. Each is the
 * next paint after the element takes the run, as in PAGE_SCRIPT.
 */
const FIRST_RUN_SCRIPT = `(() => {
  ${PAINTED}
  // the first time an element named by this test id has a run id, then its next paint
  const shown = (testid) => new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      const el = document.querySelector('[data-testid="' + testid + '"]');
      if (!el || !el.dataset.runId) return;
      observer.disconnect();
      painted().then(resolve);
    });
    // the document itself: at document start it has no element yet
    observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-run-id'] });
  });
  const map = shown('heatmap-focus');
  const panels = Promise.all([shown('heatmap-panel'), shown('entropy-panel')]).then((t) => Math.max(...t));
  window.__firstRun = Promise.all([map, panels]).then(([map, panels]) => ({ map, panels }));
})();`;

/** Opening a file from the toolbar (the dialog answers at once): click → the data panel names it → its first run painted in every panel (the next paint, as in PAGE_SCRIPT). */
const OPEN_SCRIPT = `(() => {
  ${PAINTED}
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const until = (test) => new Promise((resolve) => {
    if (test()) return resolve(performance.now());
    const observer = new MutationObserver(() => {
      if (!test()) return;
      observer.disconnect();
      resolve(performance.now());
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  window.__benchOpen = async (name) => {
    const panel = document.querySelector('[data-testid="heatmap-panel"]');
    const before = panel.dataset.runId;
    const label = () => (document.querySelector('[data-testid="source-name-embeddings"]') || {}).textContent || '';
    await frame();
    const from = window.__benchCalls.length;
    const t0 = performance.now();
    document.querySelector('[data-testid="open-embeddings"]').click();
    const named = await until(() => label().includes(name));
    await until(() => panel.dataset.runId && panel.dataset.runId !== before);
    const shown = await painted();
    const open = window.__benchCalls.slice(from).find((c) => c.name === 'openEmbeddings');
    return { openMs: named - t0, toResultMs: shown - t0, serviceOpenMs: open && open.decoded ? open.decoded - open.sent : NaN };
  };
})();`;

/** numpy.load of the same file in one Python process (the time of the load alone, median of 5), OPENBLAS variables unset. */
function numpyLoadMs(file: string): number {
  const code = `import numpy, time, statistics, sys\nts=[]\nfor _ in range(5):\n    t=time.perf_counter(); a=numpy.load(sys.argv[1]); a.sum(); ts.append((time.perf_counter()-t)*1000)\nprint(statistics.median(ts))`;
  return Number(execFileSync('python3', ['-c', code, file], { env: numpyEnv(), encoding: 'utf8' }).trim());
}

/**
 * Medians of the samples, and `appOverheadMs`: the overhead with the harness's transport
 * replaced by a structured clone of the reply (`ipcCloneMs`, what Electron's IPC does with it):
 * total − engine − transport + clone.
 */
function summary(samples: AppSample[], ipcCloneMs: number) {
  const m = (k: keyof AppSample) => median(samples.map((s) => s[k]));
  const totalMs = m('totalMs');
  const engineMs = m('engineMs');
  const transportMs = median(samples.map((s) => s.roundTripMs - s.serviceMs));
  return {
    medianMs: totalMs,
    panelsMedianMs: m('panelsMs'),
    engineMs,
    overheadMs: totalMs - engineMs,
    appOverheadMs: median(samples.map((s) => s.totalMs - s.engineMs - (s.roundTripMs - s.serviceMs))) + ipcCloneMs,
    ratio: totalMs / engineMs,
    parts: { toSendMs: m('toSendMs'), serviceMs: m('serviceMs'), transportMs, toDomMs: m('toDomMs'), toPaintMs: m('toPaintMs') },
    samples,
  };
}

/** How many times the app is started for the first result (a single start moved by ±200 ms between runs); the last start goes on to the rest of the case. */
const STARTS = 3;

/**
 * The app's start: its engine (small jobs in process, the pool's workers started after the
 * window's first run; no compute window here), the window loading beside it; and when the
 * window's first run (the sample) was painted, on the map and in every panel.
 */
async function startApp() {
  const started = Date.now();
  const { engine, pool } = appEngine(null, { workers: 2 });
  const h = await startHarness({ pool, backend: engine, viewport: { width: 1440, height: 900 }, initScript: FIRST_RUN_SCRIPT });
  const first = (await h.page.evaluate(
    `window.__firstRun.then((at) => ({ ...at, origin: performance.timeOrigin, fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime }))`,
  )) as {
    map: number;
    panels: number;
    origin: number;
    fcp?: number;
  };
  // the map's first paint; every panel's after it
  const firstResult = {
    sinceStartMs: first.origin + first.map - started,
    sinceNavigationMs: first.map,
    sinceFirstPaintMs: first.fcp === undefined ? NaN : first.map - first.fcp,
    panelsAfterMapMs: first.panels - first.map,
  };
  return { h, pool, firstResult };
}

type FirstResult = Awaited<ReturnType<typeof startApp>>['firstResult'];

export async function runAppCase(reps = 9, profile?: (page: import('playwright-core').Page, change: (kind: 'metric' | 'tau') => Promise<AppSample>) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'qklab-bench-app-'));
  const starts: FirstResult[] = [];
  for (let i = 1; i < STARTS; i++) {
    const s = await startApp();
    starts.push(s.firstResult);
    await s.h.close();
    await s.pool.close();
  }
  const { h, pool, firstResult: last } = await startApp();
  starts.push(last);
  const med = (k: keyof FirstResult) => median(starts.map((s) => s[k]));
  const firstResult = {
    sinceStartMs: med('sinceStartMs'),
    sinceNavigationMs: med('sinceNavigationMs'),
    sinceFirstPaintMs: med('sinceFirstPaintMs'),
    panelsAfterMapMs: med('panelsAfterMapMs'),
    samples: starts,
  };
  try {
    await pool.whenWarm();
    const file = join(dir, 'app_T2048_d64.npy');
    await writeFile(file, encodeNpy(Float32Array.from(gaussianMatrix(20261122, 'bench/app', APP_T, APP_D, 1)), [APP_T, APP_D]));
    const { page, host } = h;
    const panel = page.getByTestId('heatmap-panel');
    await page.locator('[data-testid="heatmap-panel"]:not([data-run-id=""])').waitFor({ timeout: 120_000 });
    const shown = async (previous: string) => {
      await page.locator(`[data-testid="heatmap-panel"]:not([data-run-id=""]):not([data-run-id="${previous}"])`).waitFor({ timeout: 120_000 });
      await page.locator('[data-testid="run-status"]:not([data-status="running"])').waitFor({ timeout: 120_000 });
      return (await panel.getAttribute('data-run-id')) ?? '';
    };
    let id = (await panel.getAttribute('data-run-id')) ?? '';
    host.opens.embeddings.push(file);
    await page.getByTestId('open-embeddings').click();
    id = await shown(id);
    await page.getByTestId('heads').fill(String(APP_HEADS));
    id = await shown(id);
    await page.getByTestId('score-function').selectOption('cosine');
    await shown(id);
    await page.evaluate(PAGE_SCRIPT);
    const change = (kind: 'metric' | 'tau') => page.evaluate(`window.__benchChange(${JSON.stringify(kind)})`) as Promise<AppSample>;
    // a warm-up of each (the graphs of both metrics built in each worker), then alternate
    for (const k of ['metric', 'metric', 'tau', 'tau'] as const) await change(k);
    if (profile) await profile(page, change);
    const metric: AppSample[] = [];
    const tau: AppSample[] = [];
    for (let i = 0; i < reps; i++) {
      metric.push(await change('metric'));
      tau.push(await change('tau'));
    }
    const stored = h.service.storedRun(await panel.getAttribute('data-run-id').then((x) => x ?? ''));
    // what Electron's IPC would do with the last run's reply in place of the harness's transport:
    // a structured clone (v8's serializer) of the result as runJob sends it
    const cloneTimes: number[] = [];
    for (let i = 0; stored && i < 5; i++) {
      const t0 = performance.now();
      deserialize(serialize({ result: portableResult(stored.result), tokens: stored.tokens }));
      cloneTimes.push(performance.now() - t0);
    }
    const ipcCloneMs = cloneTimes.length ? median(cloneTimes) : NaN;
    // open a 2048 × 768 .npy (a real model's width), a fresh copy each time (the file cache keys on the path)
    await page.evaluate(OPEN_SCRIPT);
    const wide = Float32Array.from(gaussianMatrix(20261207, 'bench/open', APP_T, OPEN_D, 1));
    const opens: { openMs: number; toResultMs: number; serviceOpenMs: number }[] = [];
    let openFile = '';
    for (let i = 0; i < 4; i++) {
      openFile = join(dir, `open_${i}_T2048_d768.npy`);
      await writeFile(openFile, encodeNpy(wide, [APP_T, OPEN_D]));
      host.opens.embeddings.push(openFile);
      const o = (await page.evaluate(`window.__benchOpen(${JSON.stringify(`open_${i}_`)})`)) as (typeof opens)[number];
      // the first is a warm-up (the 768-wide graphs built in each worker)
      if (i > 0) opens.push(o);
    }
    const numpyMs = numpyLoadMs(openFile);
    const openMs = median(opens.map((o) => o.openMs));
    return {
      T: APP_T,
      d: APP_D,
      heads: APP_HEADS,
      outputs: stored?.spec.outputs,
      backend: stored ? `${pool.ranOn().backend}, APP_POOL` : undefined,
      metricChange: summary(metric, ipcCloneMs),
      tauStep: summary(tau, ipcCloneMs),
      ipcCloneMs,
      firstResult,
      fileOpen: {
        T: APP_T,
        d: OPEN_D,
        openMs,
        serviceOpenMs: median(opens.map((o) => o.serviceOpenMs)),
        toResultMs: median(opens.map((o) => o.toResultMs)),
        numpyLoadMs: numpyMs,
        ratio: openMs / numpyMs,
        samples: opens,
      },
      pageErrors: h.pageErrors,
    };
  } finally {
    await h.close();
    await closeBrowser();
    // the harness does not own this pool: its workers would keep the process alive
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export function appLines(r: Awaited<ReturnType<typeof runAppCase>>): string[] {
  const line = (name: string, s: ReturnType<typeof summary>) =>
    `app ${name} (T${r.T} d${r.d}, ${r.heads} heads): ${s.medianMs.toFixed(0)} ms to the map's painted frame (every panel: ${s.panelsMedianMs.toFixed(0)} ms), engine ${s.engineMs.toFixed(0)} ms, overhead ${s.overheadMs.toFixed(0)} ms (×${s.ratio.toFixed(2)}) — input→send ${s.parts.toSendMs.toFixed(0)}, service ${s.parts.serviceMs.toFixed(0)}, test transport ${s.parts.transportMs.toFixed(0)}, reply→DOM ${s.parts.toDomMs.toFixed(0)}, DOM→frame ${s.parts.toPaintMs.toFixed(0)}; with a structured clone (${r.ipcCloneMs.toFixed(0)} ms) for the transport: engine + ${s.appOverheadMs.toFixed(0)} ms`;
  const f = r.firstResult;
  const o = r.fileOpen;
  return [
    line('metric change', r.metricChange),
    line('τ step', r.tauStep),
    `app first result (median of ${f.samples.length} starts): the map painted ${f.sinceStartMs.toFixed(0)} ms after the engine was made, ${f.sinceNavigationMs.toFixed(0)} ms after the page began loading, ${f.sinceFirstPaintMs.toFixed(0)} ms after the window's first paint (${f.samples.map((s) => s.sinceFirstPaintMs.toFixed(0)).join(', ')}); every panel ${f.panelsAfterMapMs.toFixed(0)} ms later`,
    `app open ${o.T} × ${o.d} .npy: named in the data panel ${o.openMs.toFixed(0)} ms after the click (service + transport ${o.serviceOpenMs.toFixed(0)}), its first run painted at ${o.toResultMs.toFixed(0)} ms; numpy.load ${o.numpyLoadMs.toFixed(1)} ms (ratio ${o.ratio.toFixed(1)})`,
  ];
}
