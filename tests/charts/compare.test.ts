import { describe, expect, it } from 'vitest';
import { tooltipAtCell } from '../../src-shared/charts/heatmap-interact';
import { compareResults, diffHeatmapInput, divergenceAxisMax, divergenceOption } from '../../src-shared/charts/compare';
import { heatmapOption } from '../../src-shared/charts/heatmap';
import { colormap } from '../../src-shared/charts/colormaps';
import { jensenShannon } from '../../src-shared/stats';
import { SENTENCE, randomResult, sentenceResult } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Opt = Record<string, any>;

describe('compareResults (SPEC §6 Compare)', () => {
  const a = sentenceResult([]);
  const b = sentenceResult([{ id: 'causal', offset: 0 }]);

  it('diff is B − A, entry by entry', () => {
    const { diff } = compareResults(a, b, 0);
    for (let k = 0; k < 36; k++) expect(diff[k]).toBe(Math.fround(b.weights![k] - a.weights![k]));
  });

  it('js is each row’s Jensen–Shannon divergence in nats: 0 for the last row (causal sees everything there), within [0, ln 2]', () => {
    const { js } = compareResults(a, b, 0);
    for (let i = 0; i < 6; i++) {
      expect(js[i]).toBeCloseTo(jensenShannon(a.weights!.subarray(i * 6, i * 6 + 6), b.weights!.subarray(i * 6, i * 6 + 6)), 6);
      expect(js[i]).toBeGreaterThanOrEqual(0);
      expect(js[i]).toBeLessThanOrEqual(Math.LN2 + 1e-7);
    }
    expect(js[5]).toBeCloseTo(0, 6);
    expect(js[0]).toBeGreaterThan(0);
  });

  it('a result against itself differs nowhere', () => {
    const { diff, js } = compareResults(a, a, 0);
    expect(diff.every((x) => x === 0)).toBe(true);
    expect(js.every((x) => x === 0)).toBe(true);
  });

  it('refuses results of different shapes or a head one of them lacks', () => {
    expect(() => compareResults(a, randomResult(5), 0)).toThrow(/6×6.*5×5/);
    expect(() => compareResults(a, b, 1)).toThrow(/head 1/);
  });

  it('the difference heatmap is diverging, symmetric about 0, labelled B − A', () => {
    const { diff } = compareResults(a, b, 0);
    const input = diffHeatmapInput(diff, 6, 6, { queries: SENTENCE, keys: SENTENCE }, { matrix: 'weights', colormap: 'viridis', scale: 'log', head: 0 });
    const o = heatmapOption(input, { width: 700, height: 600, theme: 'light' }, { tooltip: true }) as Opt;
    const m = Math.max(...Array.from(diff, Math.abs));
    expect([o.visualMap[0].min, o.visualMap[0].max]).toEqual([-m, m]);
    expect(o.visualMap[0].inRange.color).toEqual(colormap('RdBu').stops);
    expect(o.series).toHaveLength(1);
    expect(tooltipAtCell(o, 1, 0)).toMatch(/^the \(0\) → cat \(1\): B − A weight -?[\d.]+$/);
  });
});

describe('divergenceOption', () => {
  it('one bar per row on [0, ln 2], ln 2 (disjoint rows) marked', () => {
    const js = Float32Array.from([0, 0.1, Math.LN2]);
    const o = divergenceOption(js, ['a', 'b', 'c'], { width: 500, height: 260, theme: 'dark' }) as Opt;
    expect(o.xAxis.data).toEqual(['a', 'b', 'c']);
    expect(o.series[0].data).toEqual(Array.from(js));
    expect([o.yAxis.min, o.yAxis.max]).toEqual([0, Math.LN2]);
    expect(o.series[0].markLine.data[0].yAxis).toBe(Math.LN2);
    expect(o.yAxis.name).toMatch(/nats/);
  });

  it('small divergences get an axis scaled to them (not 0…ln 2), with no ln 2 line off the chart', () => {
    const js = Float32Array.from([0.001, 0.012, 0.004]);
    const o = divergenceOption(js, null, { width: 500, height: 260, theme: 'light' }) as Opt;
    expect(o.yAxis.max).toBeGreaterThan(0.012);
    expect(o.yAxis.max).toBeLessThanOrEqual(0.02);
    expect(o.series[0].markLine).toBeUndefined();
    expect(divergenceAxisMax([0.5])).toBe(Math.LN2);
    expect(divergenceAxisMax([0, 0])).toBe(Math.LN2);
  });
});
