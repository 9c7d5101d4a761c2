import { describe, expect, it } from 'vitest';
import { interpolateViridis } from 'd3-scale-chromatic';
import { COLORMAPS, DEFAULT_DIVERGING, DEFAULT_SEQUENTIAL, colorAt, colormap, isColormap, parseColor } from '../../src-shared/charts/colormaps';

describe('colour maps', () => {
  it('offers viridis, magma, inferno, cividis, blues, greys (sequential) and RdBu, PuOr, coolwarm (diverging)', () => {
    const kinds = Object.fromEntries(COLORMAPS.map((c) => [c.id, c.kind]));
    expect(kinds).toEqual({
      viridis: 'sequential',
      magma: 'sequential',
      inferno: 'sequential',
      cividis: 'sequential',
      blues: 'sequential',
      greys: 'sequential',
      RdBu: 'diverging',
      PuOr: 'diverging',
      coolwarm: 'diverging',
    });
    expect(colormap(DEFAULT_SEQUENTIAL).kind).toBe('sequential');
    expect(colormap(DEFAULT_DIVERGING).kind).toBe('diverging');
  });

  it('samples each map at 11 stops as #rrggbb', () => {
    for (const c of COLORMAPS) {
      expect(c.stops, c.id).toHaveLength(11);
      for (const s of c.stops) expect(s).toMatch(/^#[0-9a-f]{6}$/);
      expect(c.label.length).toBeGreaterThan(0);
    }
  });

  it('viridis runs from d3’s dark purple #440154 to its yellow #fde725', () => {
    expect(colormap('viridis').stops[0]).toBe('#440154');
    expect(colormap('viridis').stops[10]).toBe('#fde725');
    expect(colorAt('viridis', 0.5)).toEqual(parseColor(interpolateViridis(0.5)));
  });

  it('RdBu is reversed so that red means positive: blue at the low end, red at the high end', () => {
    const [r0, , b0] = colorAt('RdBu', 0);
    const [r1, , b1] = colorAt('RdBu', 1);
    expect(b0).toBeGreaterThan(r0);
    expect(r1).toBeGreaterThan(b1);
    // and the middle is near white
    expect(Math.min(...colorAt('RdBu', 0.5))).toBeGreaterThan(230);
  });

  it('colorAt interpolates the stops linearly (as the ECharts visualMap does) and clamps t to [0, 1]', () => {
    const stops = colormap('magma').stops.map(parseColor);
    expect(colorAt('magma', 0)).toEqual(stops[0]);
    expect(colorAt('magma', 1)).toEqual(stops[10]);
    expect(colorAt('magma', 0.3)).toEqual(stops[3]);
    const mid = colorAt('magma', 0.05);
    for (let c = 0; c < 3; c++) expect(mid[c]).toBe(Math.round((stops[0][c] + stops[1][c]) / 2));
    expect(colorAt('magma', -2)).toEqual(stops[0]);
    expect(colorAt('magma', 7)).toEqual(stops[10]);
    expect(colorAt('magma', NaN)).toEqual(stops[0]);
  });

  it('an unknown id falls back to the default sequential map (isColormap tells them apart)', () => {
    expect(colormap('nope').id).toBe(DEFAULT_SEQUENTIAL);
    expect(isColormap('nope')).toBe(false);
    expect(isColormap('cividis')).toBe(true);
  });

  it('parseColor reads #rgb, #rrggbb and rgb(…)', () => {
    expect(parseColor('#fff')).toEqual([255, 255, 255]);
    expect(parseColor('#0a0B0c')).toEqual([10, 11, 12]);
    expect(parseColor('rgb(1, 2, 3)')).toEqual([1, 2, 3]);
    expect(() => parseColor('blue')).toThrow(/not a colour/);
  });
});
