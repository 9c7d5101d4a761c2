/**
 * Wheel zoom: a step up zooms to half the view on show, centred on the cell under the pointer
 * (kept inside the run and a tile's 512 a side), through the same store path as the + key; a
 * step down goes back; one gesture is one step, and a step while a tile is on its way is ignored.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { cellAtPoint, heatmapGeometry, tokensAtPoint } from '../../src-shared/charts/heatmap-interact';
import { provideLabApi } from '../../src-renderer/src/host';
import { wheelGestures } from '../../src-renderer/src/logic/wheel';
import { regionAround, useZoomStore, type ZoomRegion } from '../../src-renderer/src/stores/zoom';
import { SlowTiles, replyOf, resultOf } from '../renderer/fake-lab-api';

const whole = (T: number): ZoomRegion => ({ head: 0, rows: [0, T], cols: [0, T] });

describe('regionAround (the region a wheel step up zooms to)', () => {
  it('is centred on the cell under the pointer, half the view on show each side', () => {
    // from a 256 × 256 tile: 128 a side about query 1100, key 1200
    expect(regionAround({ head: 0, rows: [1000, 1256], cols: [1100, 1356] }, { rows: [1100, 1101], cols: [1200, 1201] }, 2048, 2048)).toEqual({
      head: 0,
      rows: [1037, 1165],
      cols: [1137, 1265],
    });
    // never below 8 tokens a side
    expect(regionAround({ head: 2, rows: [100, 110], cols: [100, 110] }, { rows: [104, 105], cols: [104, 105] }, 2048, 2048)).toEqual({
      head: 2,
      rows: [101, 109],
      cols: [101, 109],
    });
  });

  it('is at most a tile (512) a side: half of the whole 2,048 run is 1,024, so 512 about the cell', () => {
    expect(regionAround(whole(2048), { rows: [1000, 1004], cols: [300, 304] }, 2048, 2048)).toEqual({ head: 0, rows: [746, 1258], cols: [46, 558] });
    expect(regionAround(whole(2048), { rows: [1000, 1004], cols: [300, 304] }, 2048, 2048, 0.5, 100).rows).toEqual([952, 1052]);
  });

  it('is shifted, not shrunk, to stay inside the run at its edges (the cell stays inside)', () => {
    expect(regionAround(whole(2048), { rows: [0, 4], cols: [2044, 2048] }, 2048, 2048)).toEqual({ head: 0, rows: [0, 512], cols: [1536, 2048] });
    // a run shorter than a tile: the whole run on that side
    expect(regionAround({ head: 0, rows: [0, 300], cols: [0, 40] }, { rows: [290, 291], cols: [0, 1] }, 300, 40)).toEqual({ head: 0, rows: [150, 300], cols: [0, 20] });
  });

  it('on the pooled overview of a T = 16,384 run, maps the pointer to token indices (not overview or drawn-cell indices)', () => {
    // the engine's 512 × 512 overview (32 tokens a block), drawn as 256 × 256 cells of 64 tokens in a 768 px grid
    const g = heatmapGeometry(
      { rows: 512, cols: 512, rowAxis: { start: 0, step: 32, length: 16384 }, colAxis: { start: 0, step: 32, length: 16384 } },
      { width: 1000, height: 900 },
    );
    expect([g.blockRows, g.blockCols]).toEqual([2, 2]);
    const box = { left: 100, top: 50, width: 768, height: 768 };
    expect(tokensAtPoint(g, box, 100, 50)).toEqual({ rows: [0, 64], cols: [0, 64] });
    // the middle column, the bottom row (row 0 is drawn at the top)
    expect(cellAtPoint(g, box, 100 + 384, 50 + 767)).toEqual([128, 255]);
    const at = tokensAtPoint(g, box, 100 + 384, 50 + 767)!;
    expect(at).toEqual({ rows: [16320, 16384], cols: [8192, 8256] });
    expect(regionAround(whole(16384), at, 16384, 16384)).toEqual({ head: 0, rows: [15872, 16384], cols: [7968, 8480] });
    // outside the grid box: no cell
    expect(cellAtPoint(g, box, 99, 60)).toBeNull();
    expect(cellAtPoint(g, box, 200, 50 + 768)).toBeNull();
  });
});

describe('the zoom store on the wheel', () => {
  let api: SlowTiles;
  beforeEach(() => {
    api = new SlowTiles();
    provideLabApi(api);
    setActivePinia(createPinia());
  });
  afterEach(() => provideLabApi(null));
  const long = replyOf('long', { ...resultOf([[1]]), Tq: 2048, Tk: 2048 });
  const settle = () => new Promise((r) => setTimeout(r, 0));

  it('up fetches the region about the pointer; a step while it is on its way is ignored; down goes back', async () => {
    const zoom = useZoomStore();
    expect(zoom.wheel(long, 0, 100, null)).toBe(false); // down with nothing to go back to
    expect(zoom.wheel(long, 0, -100, { rows: [1000, 1004], cols: [300, 304] })).toBe(true);
    expect(api.tiles).toEqual([{ runId: 'long', head: 0, rows: [746, 1258], cols: [46, 558] }]);
    expect(zoom.wheel(long, 0, -100, { rows: [0, 4], cols: [0, 4] })).toBe(false);
    expect(zoom.wheel(long, 0, 100, null)).toBe(false);
    expect(api.tiles).toHaveLength(1);
    api.waiting[0].answer();
    await settle();
    expect(zoom.depth).toBe(1);
    // the next step is half of the tile on show (256) about the pointer, kept inside the run
    expect(zoom.wheel(long, 0, -3, { rows: [1000, 1001], cols: [50, 51] })).toBe(true);
    expect(api.tiles[1]).toMatchObject({ rows: [873, 1129], cols: [0, 256] });
    api.waiting[1].answer();
    await settle();
    expect(zoom.depth).toBe(2);
    expect(zoom.wheel(long, 0, 100, null)).toBe(true);
    expect(zoom.tile?.rows).toEqual([746, 1258]);
    expect(zoom.wheel(long, 0, 100, null)).toBe(true);
    expect(zoom.depth).toBe(0);
    // another run's zoom levels are not this run's to go back through
    expect(zoom.wheel(replyOf('other', long.result), 0, 100, null)).toBe(false);
  });
});

describe('wheel gestures', () => {
  it('a burst of wheel events is one step; a pause longer than the gap starts the next', () => {
    const first = wheelGestures(250);
    expect([0, 16, 33, 200, 440, 700, 716].map(first)).toEqual([true, false, false, false, false, true, false]);
  });
});
