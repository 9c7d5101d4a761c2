/** The Export dialog's "What" choices: this head, all heads as a grid, the zoomed region. */
import { describe, expect, it } from 'vitest';
import { pictureChoices, pictureRequest } from '../../src-renderer/src/logic/export-picture';
import type { TileReply } from '../../src-shared/api/lab-api';

const tile = { runId: 'r', head: 0, rows: [1000, 1064], cols: [900, 1000], weights: new Float32Array(), scores: new Float32Array(), backend: 'wasm', computeMs: 1 } as TileReply;
const offered = (cs: ReturnType<typeof pictureChoices>) => cs.filter((c) => !c.disabled).map((c) => c.kind);

describe('what an export draws', () => {
  it('a 12-head run zoomed in offers the head, the grid of 12 and the region it shows', () => {
    const cs = pictureChoices(12, tile, true);
    expect(offered(cs)).toEqual(['head', 'grid', 'region']);
    expect(cs[1].label).toBe('all 12 heads as a grid');
    expect(cs[2].label).toBe('the zoomed region (queries 1000–1063 × keys 900–999)');
  });

  it('says why a choice is not offered: one head, not zoomed, a data format, too many heads', () => {
    expect(pictureChoices(1, null, true).map((c) => c.disabled)).toEqual([undefined, 'the run has one head', 'zoom into the map first (drag a region)']);
    expect(pictureChoices(1, null, true)[1].label).toBe('all heads as a grid');
    expect(offered(pictureChoices(12, tile, false))).toEqual([]);
    expect(pictureChoices(65, null, true)[1].disabled).toMatch(/at most 64 heads/);
  });

  it('the request carries the tile’s rows and columns for a region, nothing else otherwise', () => {
    expect(pictureRequest('region', tile)).toEqual({ kind: 'region', rows: [1000, 1064], cols: [900, 1000] });
    expect(pictureRequest('grid', tile)).toEqual({ kind: 'grid' });
    expect(pictureRequest('head', null)).toEqual({ kind: 'head' });
    // a region with nothing zoomed falls back to the head, never a region without rows
    expect(pictureRequest('region', null)).toEqual({ kind: 'head' });
  });
});
