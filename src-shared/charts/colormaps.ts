/**
 * The lab's colour maps, as colour stops. ECharts interpolates linearly in RGB between the
 * stops of a visualMap, and `colorAt` does exactly the same, so a heatmap the renderer draws
 * as an image (big matrices) and one ECharts draws cell by cell agree pixel for pixel.
 *
 * The stops sample d3-scale-chromatic's interpolators (perceptually uniform viridis family,
 * ColorBrewer sequential and diverging schemes) at 11 evenly spaced points; 11 stops keep the
 * linear RGB interpolation within a couple of 8-bit steps of the original curves.
 */
import {
  interpolateBlues,
  interpolateCividis,
  interpolateGreys,
  interpolateInferno,
  interpolateMagma,
  interpolatePuOr,
  interpolateRdBu,
  interpolateViridis,
} from 'd3-scale-chromatic';

export type ColormapKind = 'sequential' | 'diverging';

export interface Colormap {
  id: string;
  label: string;
  kind: ColormapKind;
  /** '#rrggbb', low value first */
  stops: string[];
}

export const STOP_COUNT = 11;

type RGB = [number, number, number];

/** '#rgb', '#rrggbb' or 'rgb(r, g, b)' → [r, g, b] (0…255). */
export function parseColor(text: string): RGB {
  const s = text.trim();
  const rgb = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)/i.exec(s);
  if (rgb) return [Math.round(Number(rgb[1])), Math.round(Number(rgb[2])), Math.round(Number(rgb[3]))];
  let hex = s.startsWith('#') ? s.slice(1) : s;
  if (hex.length === 3) hex = hex.replace(/./g, (c) => c + c);
  if (!/^[0-9a-f]{6}$/i.test(hex)) throw new Error(`not a colour: "${text}"`);
  return [parseInt(hex.slice(0, 2), 16), parseInt(hex.slice(2, 4), 16), parseInt(hex.slice(4, 6), 16)];
}

export function toHex([r, g, b]: RGB): string {
  const h = (x: number) =>
    Math.max(0, Math.min(255, Math.round(x)))
      .toString(16)
      .padStart(2, '0');
  return `#${h(r)}${h(g)}${h(b)}`;
}

function sample(interpolate: (t: number) => string, reverse = false): string[] {
  return Array.from({ length: STOP_COUNT }, (_, i) => {
    const t = i / (STOP_COUNT - 1);
    return toHex(parseColor(interpolate(reverse ? 1 - t : t)));
  });
}

/**
 * Moreland's "cool to warm" diverging map (Diverging Color Maps for Scientific Visualization,
 * 2009), his published 8-bit table at every eighth point; d3 has no such interpolator.
 */
const COOLWARM_TABLE: RGB[] = [
  [59, 76, 192],
  [98, 130, 234],
  [141, 176, 254],
  [184, 208, 249],
  [221, 221, 221],
  [245, 196, 173],
  [244, 154, 123],
  [222, 96, 77],
  [180, 4, 38],
];

function resample(table: RGB[]): string[] {
  const stops = table.map(toHex);
  return Array.from({ length: STOP_COUNT }, (_, i) => toHex(interpolateStops(stops, i / (STOP_COUNT - 1))));
}

export const COLORMAPS: Colormap[] = [
  { id: 'viridis', label: 'Viridis', kind: 'sequential', stops: sample(interpolateViridis) },
  { id: 'magma', label: 'Magma', kind: 'sequential', stops: sample(interpolateMagma) },
  { id: 'inferno', label: 'Inferno', kind: 'sequential', stops: sample(interpolateInferno) },
  { id: 'cividis', label: 'Cividis (colour-blind safe)', kind: 'sequential', stops: sample(interpolateCividis) },
  { id: 'blues', label: 'Blues', kind: 'sequential', stops: sample(interpolateBlues) },
  { id: 'greys', label: 'Greys', kind: 'sequential', stops: sample(interpolateGreys) },
  // ColorBrewer's RdBu runs red → blue; reversed so that red is positive (B > A)
  { id: 'RdBu', label: 'Red–Blue (red = positive)', kind: 'diverging', stops: sample(interpolateRdBu, true) },
  { id: 'PuOr', label: 'Purple–Orange', kind: 'diverging', stops: sample(interpolatePuOr) },
  { id: 'coolwarm', label: 'Cool–Warm (Moreland)', kind: 'diverging', stops: resample(COOLWARM_TABLE) },
];

export const DEFAULT_SEQUENTIAL = 'viridis';
export const DEFAULT_DIVERGING = 'RdBu';

export function isColormap(id: string): boolean {
  return COLORMAPS.some((c) => c.id === id);
}

/**
 * The colour map with this id. An unknown id (an old session, a typo) falls back to the
 * default sequential map rather than failing a chart; the CLI checks ids with `isColormap`.
 */
export function colormap(id: string): Colormap {
  return COLORMAPS.find((c) => c.id === id) ?? COLORMAPS.find((c) => c.id === DEFAULT_SEQUENTIAL)!;
}

function interpolateStops(stops: string[], t: number): RGB {
  const x = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const pos = x * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = parseColor(stops[i]);
  const b = parseColor(stops[i + 1]);
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/**
 * The colour at `t` ∈ [0, 1] (clamped; NaN → 0) as rounded [r, g, b], interpolating the
 * stops linearly in RGB as ECharts' visualMap does.
 */
export function colorAt(id: string, t: number): [number, number, number] {
  const [r, g, b] = interpolateStops(colormap(id).stops, t);
  return [Math.round(r), Math.round(g), Math.round(b)];
}
