import { describe, expect, it } from 'vitest';
import type { HeatmapView } from '../../src-shared/api/lab-api';
import type { HeatmapInput } from '../../src-shared/charts/heatmap';
import { imagePooling, pooledInput } from '../../src-shared/charts/heatmap-image';
import { perRowMaximum } from '../../src-shared/charts/heatmap-scale';
import { poolMatrix } from '../../src-shared/charts/pool';

const WEIGHTS: HeatmapView = { matrix: 'weights', colormap: 'viridis', scale: 'linear', head: 0 };

function input(n: number, view: HeatmapView = WEIGHTS): HeatmapInput {
  const values = new Float32Array(n * n);
  for (let k = 0; k < values.length; k++) values[k] = ((k * 7919) % 1000) / 1000;
  return { values, rows: n, cols: n, rowLabels: null, colLabels: null, view };
}

describe('pooledInput: the heatmap pools its input once for the same blocks', () => {
  it('the cell budget and an image of the same blocks get one pooling, equal to poolMatrix of the input', () => {
    const x = input(512);
    // 256 cells and 430 pixels both make blocks of 2 from 512 rows
    const cells = pooledInput(x, 256, 256);
    const image = imagePooling(x, 430, 300);
    expect(image).toBe(cells);
    const want = poolMatrix(x.values, 512, 512, 256, 256, 'mean');
    expect([cells.rows, cells.cols, cells.blockRows, cells.blockCols]).toEqual([256, 256, 2, 2]);
    expect(Array.from(cells.values)).toEqual(Array.from(want.values));
  });

  it('other blocks, another scale or another matrix pool again', () => {
    const x = input(512);
    const a = pooledInput(x, 256, 256);
    const finer = imagePooling(x, 600, 600);
    expect(finer).not.toBe(a);
    expect([finer.rows, finer.blockRows]).toEqual([512, 1]);
    const rowmax = pooledInput({ ...x, view: { ...WEIGHTS, scale: 'rowmax' } }, 256, 256);
    expect(rowmax).not.toBe(a);
    expect(Array.from(rowmax.values)).toEqual(Array.from(poolMatrix(perRowMaximum(x.values, 512, 512), 512, 512, 256, 256, 'mean').values));
    const y = input(512);
    expect(pooledInput(y, 256, 256)).not.toBe(a);
    expect(Array.from(pooledInput(y, 256, 256).values)).toEqual(Array.from(a.values));
  });
});
