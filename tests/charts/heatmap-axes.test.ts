/**
 * Axes that are the data's: a pooled map (the engine's overview of a long run, pooled again
 * to the chart's cell budget) labels and hovers TOKEN indices, never pooled-cell indices; a
 * zoomed tile sits at its own offset on the run's axes.
 */
import { describe, expect, it } from 'vitest';
import type { HeatmapView, TileReply } from '../../src-shared/api/lab-api';
import { heatmapOption } from '../../src-shared/charts/heatmap';
import { axisLabels, cellTokens } from '../../src-shared/charts/heatmap-axes';
import { runHeatmapInput, tileHeatmapInput } from '../../src-shared/charts/heatmap-input';
import { brushedRegion, cellAt, heatmapGeometry, regionAt, tooltipAtCell } from '../../src-shared/charts/heatmap-interact';
import { formatValue } from '../../src-shared/charts/theme';
import { longRun } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Opt = Record<string, any>;

const VIEW: HeatmapView = { matrix: 'weights', colormap: 'viridis', scale: 'linear', head: 0 };
/** the app's window: the builder pools 512 overview rows to 256 drawn ones */
const SIZE = { width: 800, height: 700, theme: 'light' as const };

describe('axis spans', () => {
  it('a drawn cell of 2 overview rows of 4 tokens each is tokens [8b, 8b + 8)', () => {
    const span = { start: 0, step: 4, length: 2048 };
    expect(cellTokens(span, 512, 2, 0)).toEqual([0, 8]);
    expect(cellTokens(span, 512, 2, 255)).toEqual([2040, 2048]);
    // the last block of an axis that does not divide evenly is shorter
    expect(cellTokens({ start: 0, step: 4, length: 10 }, 3, 1, 2)).toEqual([8, 10]);
    expect(axisLabels(null, span, 512, 2, 3)).toEqual(['0–7', '8–15', '16–23']);
    // a single token is named by its token (or its index)
    expect(axisLabels(['a', 'b', 'c', 'd'], { start: 2, step: 1, length: 4 }, 2, 1, 2)).toEqual(['c', 'd']);
    expect(axisLabels(null, { start: 2, step: 1, length: 4 }, 2, 1, 2)).toEqual(['2', '3']);
  });
});

describe('a T = 2048 overview in the app path', () => {
  const run = longRun();
  const input = runHeatmapInput(run, VIEW)!;
  const o = heatmapOption(input, SIZE, { tooltip: true, brush: true }) as Opt;

  it('labels both axes with token ranges 0–7 … 2040–2047, not overview or drawn-cell indices', () => {
    expect(o.yAxis.data).toHaveLength(256);
    expect(o.yAxis.data.slice(0, 3)).toEqual(['0–7', '8–15', '16–23']);
    expect(o.yAxis.data[255]).toBe('2040–2047');
    expect(o.xAxis.data.slice(0, 2)).toEqual(['0–7', '8–15']);
    expect(o.xAxis.data[255]).toBe('2040–2047');
    expect(o.yAxis.name).toBe('queries (index ranges)');
    expect(o.graphic.find((g: Opt) => g.id === 'colour-bar-heading').style.text).toBe('weight\nmean of 8×8 blocks');
  });

  it('hover names the pooled block, its token ranges and its mean', () => {
    // drawn cell (column 3, row 1) = overview rows 2–3 × columns 6–7 = queries 8–15 × keys 24–31
    const ov = run.result.overview!.data;
    const mean = (ov[2 * 512 + 6] + ov[2 * 512 + 7] + ov[3 * 512 + 6] + ov[3 * 512 + 7]) / 4;
    const text = tooltipAtCell(o, 3, 1);
    expect(text).toBe(`mean of the 8 × 8 block [8–15] × [24–31]: weight ${formatValue(Math.fround(mean))}`);
  });

  it('a brushed rectangle of drawn cells is the tokens it covers', () => {
    const g = heatmapGeometry(input, SIZE);
    expect(cellAt(g, 3, 1)).toEqual({ rows: [8, 16], cols: [24, 32] });
    expect(regionAt(g, [3, 4], [2, 1])).toEqual({ rows: [8, 24], cols: [24, 40] });
    // a rectangle past the grid is clamped to it
    expect(regionAt(g, [250, 300], [-2, 0])).toEqual({ rows: [0, 8], cols: [2000, 2048] });
  });

  it('reads the region from ECharts’ brushEnd params; a click (no area) or a wobble of a few pixels is none', () => {
    const g = heatmapGeometry(input, SIZE);
    expect(
      brushedRegion(g, {
        areas: [
          {
            coordRange: [
              [3, 4],
              [1, 2],
            ],
            range: [
              [100, 120],
              [50, 70],
            ],
          },
        ],
      }),
    ).toEqual({ rows: [8, 24], cols: [24, 40] });
    expect(brushedRegion(g, { areas: [] })).toBeNull();
    expect(
      brushedRegion(g, {
        areas: [
          {
            coordRange: [
              [3, 3],
              [1, 1],
            ],
            range: [
              [100, 102],
              [50, 70],
            ],
          },
        ],
      }),
    ).toBeNull();
  });
});

describe('a zoomed tile', () => {
  const run = longRun();
  const n = 256;
  const m = 512;
  const tile: TileReply = {
    runId: 'r',
    head: 0,
    rows: [1500, 1500 + n],
    cols: [1400, 1400 + m],
    weights: Float32Array.from({ length: n * m }, (_, k) => (k % m) / m / 100),
    scores: Float32Array.from({ length: n * m }, (_, k) => (k % m > 300 ? -Infinity : 1)),
    backend: 'test',
    computeMs: 0,
  };
  const input = tileHeatmapInput(tile, run, VIEW);
  const o = heatmapOption(input, SIZE, { tooltip: true }) as Opt;

  it('sits at its offset on the run’s axes: token names one a row, index ranges where pooled', () => {
    expect(o.yAxis.data[0]).toBe('q1500');
    expect(o.yAxis.data[n - 1]).toBe('q1755');
    expect(o.xAxis.data[0]).toBe('1400–1401');
    expect(o.xAxis.data.at(-1)).toBe('1910–1911');
    expect(o.yAxis.name).toBe('query');
    expect(o.xAxis.name).toBe('keys (index ranges)');
  });

  it('hover names the pooled block: the query token and its index, the key range; and marks blocked pairs', () => {
    expect(tooltipAtCell(o, 0, 2)).toMatch(/^mean of the 1 × 2 block q1502 \(1502\) × \[1400–1401\]: weight /);
    expect(tooltipAtCell(o, 200, 2)).toBe('mean of the 1 × 2 block q1502 (1502) × [1800–1801]: masked');
    const g = heatmapGeometry(input, SIZE);
    expect(regionAt(g, [10, 19], [5, 9])).toEqual({ rows: [1505, 1510], cols: [1420, 1440] });
  });
});
