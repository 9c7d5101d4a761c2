/**
 * The zoom store: a region picked on the overview is fetched through the LabApi's fetchTile
 * at full resolution, the picture stays until it lands, a newer request wins, Back and Reset
 * return, a new run starts from its own view.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { provideLabApi } from '../../src-renderer/src/host';
import { fitRegion, panRegion, regionText, useZoomStore, zoomInRegion } from '../../src-renderer/src/stores/zoom';
import { SlowTiles, replyOf, resultOf } from '../renderer/fake-lab-api';

const long = replyOf('long', { ...resultOf([[1]]), Tq: 2048, Tk: 2048 });

let api: SlowTiles;
beforeEach(() => {
  api = new SlowTiles();
  provideLabApi(api);
  setActivePinia(createPinia());
});
afterEach(() => provideLabApi(null));

describe('fitRegion', () => {
  it('keeps a region inside the run and at most 512 a side, around its centre', () => {
    expect(fitRegion({ head: 0, rows: [8, 24], cols: [24, 40] }, 2048, 2048)).toEqual({ head: 0, rows: [8, 24], cols: [24, 40] });
    expect(fitRegion({ head: 0, rows: [0, 2048], cols: [1900, 2100] }, 2048, 2048)).toEqual({ head: 0, rows: [768, 1280], cols: [1900, 2048] });
    expect(fitRegion({ head: 1, rows: [5, 5], cols: [-3, 0] }, 10, 10)).toEqual({ head: 1, rows: [5, 6], cols: [0, 1] });
    expect(regionText({ rows: [8, 24], cols: [24, 40] })).toBe('queries 8–23 × keys 24–39');
  });
});

describe('the zoom store', () => {
  it('asks fetchTile for the region and shows the tile when it lands; the overview stays until then', async () => {
    const zoom = useZoomStore();
    const done = zoom.zoomTo(long, { head: 0, rows: [8, 24], cols: [24, 40] });
    expect(api.tiles).toEqual([{ runId: 'long', head: 0, rows: [8, 24], cols: [24, 40] }]);
    expect(zoom.pending).toEqual({ head: 0, rows: [8, 24], cols: [24, 40] });
    expect(zoom.tileFor(long, 0)).toBeNull();
    api.waiting[0].answer();
    await done;
    expect(zoom.pending).toBeNull();
    expect(zoom.tileFor(long, 0)?.rows).toEqual([8, 24]);
    // another head or another run does not show this tile
    expect(zoom.tileFor(long, 1)).toBeNull();
    expect(zoom.tileFor(replyOf('other', long.result), 0)).toBeNull();
  });

  it('a newer zoom wins over an older tile still on its way; Back and Reset return', async () => {
    const zoom = useZoomStore();
    const first = zoom.zoomTo(long, { head: 0, rows: [0, 100], cols: [0, 100] });
    api.waiting[0].answer();
    await first;
    const slow = zoom.zoomTo(long, { head: 0, rows: [10, 20], cols: [10, 20] });
    const fast = zoom.zoomTo(long, { head: 0, rows: [30, 40], cols: [30, 40] });
    api.waiting[2].answer();
    await fast;
    api.waiting[1].answer();
    await slow;
    expect(zoom.levels.map((t) => t.rows)).toEqual([
      [0, 100],
      [30, 40],
    ]);
    zoom.back();
    expect(zoom.tile?.rows).toEqual([0, 100]);
    zoom.reset();
    expect(zoom.depth).toBe(0);
    expect(zoom.tileFor(long, 0)).toBeNull();
  });

  it('a reset drops a tile still on its way, and a failure is reported in words', async () => {
    const zoom = useZoomStore();
    const p = zoom.zoomTo(long, { head: 0, rows: [0, 10], cols: [0, 10] });
    zoom.reset();
    api.waiting[0].answer();
    await p;
    expect(zoom.depth).toBe(0);
    api.fetchTile = async () => {
      throw new Error("Error invoking remote method 'fetchTile': RequestError: fetchTile: rows: expected at most 512 rows");
    };
    await zoom.zoomTo(long, { head: 0, rows: [0, 10], cols: [0, 10] });
    expect(zoom.error).toBe('fetchTile: rows: expected at most 512 rows');
    expect(zoom.pending).toBeNull();
  });
});

describe('the zoom keys', () => {
  it('0 resets and − goes back, only while zoomed and never with a modifier', async () => {
    const zoom = useZoomStore();
    expect(zoom.key({ key: '0' })).toBe(false);
    for (const rows of [
      [0, 10],
      [2, 4],
    ] as [number, number][]) {
      const p = zoom.zoomTo(long, { head: 0, rows, cols: rows });
      api.waiting.at(-1)!.answer();
      await p;
    }
    expect(zoom.depth).toBe(2);
    expect(zoom.key({ key: '0', ctrlKey: true })).toBe(false);
    expect(zoom.key({ key: 'x' })).toBe(false);
    expect(zoom.key({ key: '-' })).toBe(true);
    expect(zoom.depth).toBe(1);
    expect(zoom.key({ key: '0' })).toBe(true);
    expect(zoom.depth).toBe(0);
  });

  it('+ zooms into the centre half of what is on show; arrows pan half a side, inside the matrix', async () => {
    const zoom = useZoomStore();
    expect(zoom.key({ key: '+' }, long, 0)).toBe(true);
    api.waiting.at(-1)!.answer();
    await new Promise((r) => setTimeout(r, 0));
    // from the whole 2048 × 2048: the centre 1024 a side, fitted to a tile's 512
    expect(api.tiles.at(-1)).toMatchObject({ rows: [768, 1280], cols: [768, 1280] });
    expect(zoom.depth).toBe(1);
    expect(zoom.key({ key: 'ArrowRight' }, long, 0)).toBe(true);
    api.waiting.at(-1)!.answer();
    await new Promise((r) => setTimeout(r, 0));
    expect(api.tiles.at(-1)).toMatchObject({ rows: [768, 1280], cols: [1024, 1536] });
    // a pan replaces the level: still one deep
    expect(zoom.depth).toBe(1);
    expect(zoomInRegion({ head: 0, rows: [0, 512], cols: [0, 512] }, 2048, 2048)).toEqual({ head: 0, rows: [128, 384], cols: [128, 384] });
    expect(panRegion({ head: 0, rows: [0, 512], cols: [0, 512] }, 'ArrowUp', 2048, 2048).rows).toEqual([0, 512]);
    expect(panRegion({ head: 0, rows: [1800, 2048], cols: [0, 512] }, 'ArrowDown', 2048, 2048).rows).toEqual([1800, 2048]);
  });
});
