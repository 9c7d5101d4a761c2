import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { provideLabApi } from '../../src-renderer/src/host';
import { useViewStore } from '../../src-renderer/src/stores/view';
import { incompatibility, useCompareStore } from '../../src-renderer/src/stores/compare';
import { useRunStore } from '../../src-renderer/src/stores/run';
import { DEFAULT_DIVERGING, DEFAULT_SEQUENTIAL } from '../../src-shared/charts/colormaps';
import { FakeLabApi, replyOf, resultOf } from './fake-lab-api';

let api: FakeLabApi;
beforeEach(() => {
  api = new FakeLabApi();
  provideLabApi(api);
  setActivePinia(createPinia());
});

describe('the view store', () => {
  it('weights use a sequential map, scores a diverging one; log scale applies to weights only', () => {
    const view = useViewStore();
    expect(view.heatmapView).toEqual({ matrix: 'weights', colormap: DEFAULT_SEQUENTIAL, scale: 'linear', head: 0 });
    view.scale = 'log';
    view.setColormap('magma');
    expect(view.heatmapView).toMatchObject({ colormap: 'magma', scale: 'log' });
    view.matrix = 'scores';
    expect(view.heatmapView).toMatchObject({ matrix: 'scores', colormap: DEFAULT_DIVERGING, scale: 'linear' });
    view.setColormap('PuOr');
    expect(view.heatmapView.colormap).toBe('PuOr');
    expect(view.sequential).toBe('magma');
    view.setColormap('no-such-map');
    expect(view.heatmapView.colormap).toBe('PuOr');
  });

  it('clicking a row pins it; clicking it again unpins', () => {
    const view = useViewStore();
    view.pinRow(3);
    expect(view.pinnedRow).toBe(3);
    view.pinRow(5);
    expect(view.pinnedRow).toBe(5);
    view.pinRow(5);
    expect(view.pinnedRow).toBeNull();
  });

  it('a new result keeps the focused head and pinned row inside its shape', () => {
    const view = useViewStore();
    view.setHead(3);
    view.pinRow(7);
    view.clampTo(2, 8);
    expect(view.head).toBe(1);
    expect(view.pinnedRow).toBe(7);
    view.clampTo(2, 4);
    expect(view.pinnedRow).toBeNull();
  });

  it('theme toggles; the view survives a session round trip and ignores junk', () => {
    const view = useViewStore();
    view.toggleTheme();
    expect(view.theme).toBe('dark');
    view.entropyMode = 'effective';
    view.setHead(2);
    const snap = view.snapshot();
    setActivePinia(createPinia());
    const fresh = useViewStore();
    fresh.restore({ ...snap, scale: 'cubic', head: -1, sequential: 'nope' });
    expect(fresh.theme).toBe('dark');
    expect(fresh.entropyMode).toBe('effective');
    expect(fresh.scale).toBe('linear');
    expect(fresh.head).toBe(0);
    expect(fresh.sequential).toBe(DEFAULT_SEQUENTIAL);
  });

  it('the token view is on by default; turning it off is remembered with the session, junk is ignored', () => {
    const view = useViewStore();
    expect(view.showTokens).toBe(true);
    view.showTokens = false;
    const snap = view.snapshot();
    expect(snap.showTokens).toBe(false);
    setActivePinia(createPinia());
    const fresh = useViewStore();
    fresh.restore({ showTokens: 'no' });
    expect(fresh.showTokens).toBe(true);
    fresh.restore(snap);
    expect(fresh.showTokens).toBe(false);
  });

  it('the heatmap takes 70 % of the pane by default; the divider moves it within 30–90 %, and the session remembers it', () => {
    const view = useViewStore();
    expect(view.heatSplit).toBe(0.7);
    view.setHeatSplit(0.95);
    expect(view.heatSplit).toBe(0.9);
    view.setHeatSplit(0.55);
    const snap = view.snapshot();
    setActivePinia(createPinia());
    const fresh = useViewStore();
    fresh.restore(snap);
    expect(fresh.heatSplit).toBe(0.55);
    fresh.restore({ heatSplit: 5 });
    expect(fresh.heatSplit).toBe(0.55);
  });
});

describe('the compare store', () => {
  async function finish(result: ReturnType<typeof resultOf>) {
    const run = useRunStore();
    const p = run.runNow({ embeddings: { inline: { vectors: [[1]] } } });
    const r = api.runs[api.runs.length - 1];
    r.resolve(replyOf(r.runId, result));
    await p;
  }

  it('pins A, follows B, and gives B − A and per-row Jensen–Shannon divergence', async () => {
    const compare = useCompareStore();
    expect(compare.pin()).toBe(false);
    await finish(
      resultOf([
        [1, 0],
        [0.5, 0.5],
      ]),
    );
    expect(compare.pin('A caption')).toBe(true);
    expect(compare.a?.caption).toBe('A caption');
    expect(compare.comparison?.js).toEqual(new Float32Array([0, 0]));

    await finish(
      resultOf([
        [0, 1],
        [0.5, 0.5],
      ]),
    );
    const c = compare.comparison!;
    expect(Array.from(c.diff)).toEqual([-1, 1, 0, 0]);
    expect(c.js[0]).toBeCloseTo(Math.LN2, 6);
    expect(c.js[1]).toBe(0);
    compare.clear();
    expect(compare.comparison).toBeNull();
  });

  it('results of different shapes are not compared, and say why', async () => {
    const compare = useCompareStore();
    await finish(resultOf([[1, 0]]));
    compare.pin();
    await finish(resultOf([[1, 0, 0]]));
    expect(compare.problem).toMatch(/1×2 and B is 1×3/);
    expect(compare.comparison).toBeNull();
    const pooled = replyOf('x', { ...resultOf([[1, 0]]), weights: undefined });
    expect(incompatibility(pooled, pooled)).toMatch(/full weights/);
  });
});
