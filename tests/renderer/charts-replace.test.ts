/**
 * What the charts draw is the run on screen: EChart.vue replaces each option whole, at
 * once and without a transition (an animated transition draws the earlier run's bars
 * next to a heatmap that already shows the new run), and the side panel's head summary
 * labels every head.
 */
import { describe, expect, it } from 'vitest';
import { replacingOption, SET_OPTION_OPTS } from '../../src-renderer/src/charts/replace';
import { headSummaryOption } from '../../src-shared/charts/entropy';
import { compareResults, diffHeatmapInput } from '../../src-shared/charts/compare';
import { heatmapOption } from '../../src-shared/charts/heatmap';
import { textWidth } from '../../src-shared/charts/theme';
import { SAMPLES } from '../../src-renderer/src/logic/samples';
import { resultOf } from './fake-lab-api';

describe('EChart.vue replaces the option', () => {
  it('without merging, synchronously, and with no animation from the previous values', () => {
    expect(SET_OPTION_OPTS).toEqual({ notMerge: true, lazyUpdate: false });
    const option = { animation: true, series: [{ type: 'bar', data: [1, 2] }] };
    const replaced = replacingOption(option);
    expect(replaced).toEqual({ animation: false, series: option.series });
    expect(option.animation).toBe(true);
  });
});

type Axis = { data: string[]; name?: string; axisLabel: { interval: number; formatter?: (v: string) => string } };

describe('the head summary in the narrow side panel', () => {
  const twoHeads = resultOf(
    [
      [0.5, 0.5],
      [0.9, 0.1],
    ],
    2,
  );

  it('labels both bars "head 0" and "head 1" at the panel width (220 px)', () => {
    const o = headSummaryOption(twoHeads, { width: 220, height: 150 }) as unknown as { xAxis: Axis; yAxis: { splitNumber: number } };
    expect(o.xAxis.data).toEqual(['head 0', 'head 1']);
    expect(o.xAxis.axisLabel.interval).toBe(0);
    expect(o.xAxis.axisLabel.formatter).toBeUndefined();
    // a 150 px chart gets a few ticks, not one every 10 px
    expect(o.yAxis.splitNumber).toBeLessThanOrEqual(3);
  });

  it('many heads: short labels (the number) under an axis named "head", still one per bar while they fit', () => {
    const many = resultOf([[1]], 8);
    const o = headSummaryOption(many, { width: 220, height: 150 }) as unknown as { xAxis: Axis };
    expect(o.xAxis.name).toBe('head');
    expect(o.xAxis.axisLabel.formatter!('head 7')).toBe('7');
    expect(o.xAxis.axisLabel.interval).toBe(0);
  });
});

describe('compare: B − A', () => {
  it('pairs both runs mask are hatched as masked, not drawn as a zero difference', () => {
    // a causal 2×2: the pair (0, 1) is masked in both
    const a = resultOf([
      [1, 0],
      [0.5, 0.5],
    ]);
    const b = resultOf([
      [1, 0],
      [0.2, 0.8],
    ]);
    const c = compareResults(a, b, 0);
    expect(Array.from(c.blocked!)).toEqual([0, 1, 0, 0]);
    const input = diffHeatmapInput(
      c.diff,
      2,
      2,
      { queries: ['x', 'y'], keys: ['x', 'y'] },
      { matrix: 'weights', colormap: 'RdBu', scale: 'linear', head: 0 },
      { blocked: c.blocked },
    );
    const o = heatmapOption(input, { width: 400, height: 300, theme: 'light' }) as unknown as { series: { data: number[][] }[] };
    expect(o.series).toHaveLength(2);
    expect(o.series[1].data.map((d) => [d[0], d[1]])).toEqual([[1, 0]]);
  });
});

describe('the Sample menu', () => {
  it('its labels fit the data panel’s select (≈ 150 px at 13 px), the full label is the tooltip', () => {
    for (const s of SAMPLES) {
      expect(textWidth(s.short, 13), s.short).toBeLessThanOrEqual(150);
      expect(s.label.length).toBeGreaterThan(s.short.length);
    }
  });
});
