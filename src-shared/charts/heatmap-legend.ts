/**
 * What stands beside a heatmap's cells: the colour bar (the colour map as a gradient with
 * round ticks), the masked-pairs legend and hatch, and the number printed in a cell.
 */
import { colormap } from './colormaps';
import type { ColourScale } from './heatmap-scale';
import { EXPORT_FONT, palette } from './theme';

type Palette = ReturnType<typeof palette>;

/** the colour bar's width (px) */
export const BAR_W = 14;

/** The hatch that marks masked cells (ECharts decal: diagonal lines). */
export function hatch(color: string) {
  return { symbol: 'rect', symbolSize: 1, color, dashArrayX: [1, 0], dashArrayY: [2, 5], rotation: -Math.PI / 4 };
}

/** The colour bar: the colour map as a gradient (top = high), and beside it a short mark and a round value at each tick. */
export function colourBar(scale: ColourScale, L: { left: number; top: number; length: number }, size: number, pal: Palette, forExport?: boolean) {
  const stops = colormap(scale.colormap).stops;
  const bar = {
    type: 'rect',
    id: 'colour-bar',
    silent: true,
    shape: { x: 0, y: 0, width: BAR_W, height: L.length },
    style: {
      fill: { type: 'linear', x: 0, y: 1, x2: 0, y2: 0, colorStops: stops.map((color, i) => ({ offset: i / (stops.length - 1), color })) },
      stroke: pal.axis,
      lineWidth: 0.5,
    },
  };
  const children: unknown[] = [bar];
  children.push(
    ...scale.ticks.flatMap((tick, k) => {
      const y = L.length * (1 - tick.t);
      return [
        { type: 'line', silent: true, shape: { x1: BAR_W, y1: y, x2: BAR_W + 4, y2: y }, style: { stroke: pal.axis, lineWidth: 1 } },
        {
          type: 'text',
          id: `colour-tick-${k}`,
          silent: true,
          x: BAR_W + 7,
          y,
          style: { text: tick.text, fill: pal.text, fontSize: size, verticalAlign: 'middle', fontFamily: forExport ? EXPORT_FONT : undefined },
        },
      ];
    }),
  );
  // placed by x / y (not left / top, which would align the group's bounding box, not its origin, with the bar)
  return { type: 'group', id: 'colour-bar-ticks', x: L.left, y: L.top, silent: true, children };
}

/**
 * The number printed in a cell, short enough for it: two decimals, and below 0.005 two
 * significant digits ("0.0043", "5.8e-4"), so a small weight never reads as a bare 0.00.
 */
export function cellText(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 0.005) return v.toFixed(2);
  if (a >= 1e-3) return String(Number(v.toPrecision(2)));
  const [m, e] = v.toExponential(1).split('e');
  return `${String(Number(m))}e${e.replace('+', '')}`;
}

/** The legend entry for masked pairs: a hatched swatch, like the cells, and the word. */
export function maskedLegend(left: number, top: number, size: number, pal: Palette, forExport?: boolean) {
  const S = BAR_W;
  const line = (x1: number, y1: number, x2: number, y2: number) => ({ type: 'line', silent: true, shape: { x1, y1, x2, y2 }, style: { stroke: pal.hatch, lineWidth: 1 } });
  return {
    type: 'group',
    id: 'masked-legend',
    left,
    top,
    silent: true,
    children: [
      { type: 'rect', shape: { x: 0, y: 0, width: S, height: S }, style: { fill: pal.masked, stroke: pal.hatch, lineWidth: 0.5 } },
      line(0, S / 2, S / 2, 0),
      line(0, S, S, 0),
      line(S / 2, S, S, S / 2),
      {
        type: 'text',
        x: S + 6,
        y: S / 2,
        style: { text: 'masked', fill: pal.text, fontSize: size, verticalAlign: 'middle', fontFamily: forExport ? EXPORT_FONT : undefined },
      },
    ],
  };
}
