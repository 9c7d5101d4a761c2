/**
 * What the experiments' charts share: series colours for heads and metrics, titles,
 * category axes of tokens that rotate or thin their labels when crowded, value and log
 * axes in the lab's palette, equal-aspect ranges for point clouds. Pure: no DOM, no
 * ECharts instance; the app's EChart and the CLI's export render what these build.
 */
import { baseOption, displayToken, fontSize, formatValue, labelInterval, palette, textWidth, type ChartOpts, type ChartTheme } from './theme';

export type { ChartOpts };
export { formatValue };

/** Distinct series colours (Tableau 10), a little lighter on the dark theme. */
const LIGHT_SERIES = ['#4e79a7', '#e15759', '#59a14f', '#f28e2b', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac'];
const DARK_SERIES = ['#79a6d9', '#ff7b7d', '#7fcf74', '#ffaa55', '#d3a1c9', '#8fd3cd', '#f5d66b', '#ffb6bf', '#c49b84', '#d1cac6'];

export function seriesColor(theme: ChartTheme, i: number): string {
  const list = theme === 'dark' ? DARK_SERIES : LIGHT_SERIES;
  return list[((i % list.length) + list.length) % list.length];
}

export interface TitledOpts extends ChartOpts {
  title?: string;
  subtitle?: string;
}

/**
 * The title block and how much room it takes at the top: the title, and a subtitle on its
 * own line under it (two title components, so they never overlap).
 */
export function titleBlock(opts: TitledOpts): { title: unknown; height: number } {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  if (!opts.title) return { title: undefined, height: 6 };
  // a line wider than the chart: the title ends in “…”, the subtitle wraps (its lines estimated generously, so the block's height holds them)
  const room = Math.max(60, opts.width - 24);
  const fits = (text: string, px: number) => textWidth(text, px) * 1.1 <= room;
  const main = {
    text: opts.title,
    left: 'center',
    top: 6,
    textStyle: { color: pal.text, fontSize: size + 2, fontWeight: 600, ...(fits(opts.title, size + 2) ? {} : { width: room, overflow: 'truncate' }) },
  };
  if (!opts.subtitle) return { title: main, height: size + 16 };
  const lines = Math.ceil((textWidth(opts.subtitle, size) * 1.1) / room);
  const wrap = lines > 1 ? { width: room, overflow: 'break', lineHeight: size + 4 } : {};
  const sub = { text: opts.subtitle, left: 'center', top: 6 + size + 8, textStyle: { color: pal.subtle, fontSize: size, fontWeight: 'normal', ...wrap } };
  return { title: [main, sub], height: 2 * size + 22 + (Math.max(1, lines) - 1) * (size + 4) };
}

/** How many lines a horizontal legend of these names takes in `width` pixels. */
export function legendLines(names: string[], width: number, opts: ChartOpts): number {
  const size = fontSize(opts);
  let lines = 1;
  let x = 0;
  for (const n of names) {
    const w = 18 + 5 + textWidth(n, size) + 10;
    if (x > 0 && x + w > width) {
      lines++;
      x = 0;
    }
    x += w;
  }
  return lines;
}

/** A legend row (or rows) under the title, and the room it takes. */
export function legendBlock(opts: ChartOpts, top: number, names: string[]): { legend: Record<string, unknown>; height: number } {
  const size = fontSize(opts);
  const width = Math.max(60, opts.width - 40);
  const lines = legendLines(names, width, opts);
  return { legend: { ...legendAt(opts, top, names), width, itemGap: 10 }, height: lines * (size + 10) };
}

export function start(opts: ChartOpts) {
  return baseOption(opts);
}

/** A legend row under the title. */
export function legendAt(opts: ChartOpts, top: number, data?: string[]) {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  return { top, left: 'center', itemHeight: size - 2, itemWidth: 18, textStyle: { color: pal.text, fontSize: size }, data };
}

export interface TokenAxis {
  axis: Record<string, unknown>;
  /** room the labels and the axis name need under the plot */
  height: number;
}

/** A category axis of tokens: horizontal labels when they fit, else rotated and thinned. */
export function tokenAxis(labels: string[], plotWidth: number, opts: ChartOpts, name?: string, maxChars = 12): TokenAxis {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  const per = plotWidth / Math.max(1, labels.length);
  const shown = labels.map((l) => displayToken(l, maxChars));
  const widest = shown.reduce((w, l) => Math.max(w, textWidth(l, size)), 0);
  const rotate = widest + 8 <= per ? 0 : per >= size + 10 ? 45 : 90;
  const interval = rotate === 90 ? labelInterval(per, size + 4) : 0;
  const labelH = rotate === 0 ? size + 8 : rotate === 45 ? (widest + size) * Math.SQRT1_2 + 8 : widest + 10;
  const nameH = name ? size + 10 : 0;
  return {
    height: labelH + nameH + 4,
    axis: {
      type: 'category',
      data: labels,
      name,
      nameLocation: 'middle',
      nameGap: labelH + 4,
      nameTextStyle: { color: pal.subtle, fontSize: size },
      axisLine: { lineStyle: { color: pal.axis } },
      axisTick: { alignWithLabel: true, lineStyle: { color: pal.axis } },
      axisLabel: { color: pal.text, fontSize: size, rotate, interval, hideOverlap: false, formatter: (v: string) => displayToken(String(v), maxChars) },
    },
  };
}

/** A dashed horizontal reference level (a series' markLine) at `y`, labelled `text`. */
export function levelLine(opts: ChartOpts, y: number, text: string, position = 'insideEndTop') {
  const pal = palette(opts.theme, opts.forExport);
  return {
    silent: true,
    symbol: 'none',
    lineStyle: { color: pal.reference, type: 'dashed', width: 1.5 },
    label: { formatter: text, color: pal.reference, fontSize: fontSize(opts), position },
    data: [{ yAxis: y }],
  };
}

/** A value axis with the lab's colours; `name` is drawn above the axis, left-aligned. */
export function valueAxis(opts: ChartOpts, name: string, extra: Record<string, unknown> = {}) {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  return {
    type: 'value',
    name,
    nameLocation: 'end',
    nameGap: 8,
    nameTextStyle: { color: pal.subtle, fontSize: size, align: 'left' },
    axisLine: { show: true, lineStyle: { color: pal.axis } },
    axisTick: { show: true, lineStyle: { color: pal.axis } },
    axisLabel: { color: pal.text, fontSize: size, formatter: (v: number) => formatValue(v) },
    splitLine: { lineStyle: { color: pal.split } },
    ...extra,
  };
}

/** A logarithmic x axis (base 10, or 2 for widths) named under the plot. */
export function logAxis(opts: ChartOpts, name: string, range: [number, number], base = 10, extra: Record<string, unknown> = {}) {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  // whole powers of the base just outside the data, so the ends carry labels
  const lo = base ** Math.floor(Math.log(range[0]) / Math.log(base) + 1e-9);
  const hi = base ** Math.ceil(Math.log(range[1]) / Math.log(base) - 1e-9);
  return {
    type: 'log',
    logBase: base,
    min: lo,
    max: hi > lo ? hi : lo * base,
    name,
    nameLocation: 'middle',
    nameGap: size + 16,
    nameTextStyle: { color: pal.subtle, fontSize: size },
    axisLine: { lineStyle: { color: pal.axis } },
    axisTick: { lineStyle: { color: pal.axis } },
    axisLabel: { color: pal.text, fontSize: size, formatter: (v: number) => formatValue(v) },
    splitLine: { show: true, lineStyle: { color: pal.split } },
    minorTick: { show: base === 10, splitNumber: 9, lineStyle: { color: pal.axis } },
    ...extra,
  };
}

/** Where two stacked plots go: their margins, the room between them and below, and the first one's share of the height. */
export interface StackedLayout {
  top: number;
  gap: number;
  bottom: number;
  /** the two plots' height together, at the least */
  minHeight: number;
  share: number;
  left: number;
  right: number;
}

/**
 * Two plots stacked in one chart over the same x (an experiment's two panels): the two grids,
 * the first `share` of the height left, and the axis pointer moving on both at once.
 */
export function stackedPlots(opts: ChartOpts, layout: StackedLayout) {
  const { top, gap, bottom, minHeight, share, left, right } = layout;
  const avail = Math.max(minHeight, opts.height - top - bottom - gap);
  const h1 = Math.round(avail * share);
  return {
    grid: [
      { left, right, top, height: h1 },
      { left, right, top: top + h1 + gap, height: avail - h1 },
    ],
    axisPointer: { link: [{ xAxisIndex: 'all' }] },
  };
}

/** A rounded maximum a little above `x` (axis tops). */
export function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= x * 1.04) return m * p;
  return 10 * p;
}

/** A token label or the index. */
export function label(tokens: string[] | null | undefined, i: number): string {
  return tokens && i >= 0 && i < tokens.length ? tokens[i] : String(i);
}

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Axis ranges that hold the points with a margin and give both axes the same units per pixel. */
export function equalAspectRanges(points: [number, number][], box: Box, margin = 0.12): { x: [number, number]; y: [number, number]; unitsPerPx: number } {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const [x, y] of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  if (!(x0 <= x1)) [x0, x1, y0, y1] = [-1, 1, -1, 1];
  let w = x1 - x0;
  let h = y1 - y0;
  const span = Math.max(w, h, 1e-9);
  if (w < span * 1e-3) w = span * 1e-3;
  if (h < span * 1e-3) h = span * 1e-3;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  w *= 1 + 2 * margin;
  h *= 1 + 2 * margin;
  const unitsPerPx = Math.max(w / Math.max(1, box.width), h / Math.max(1, box.height));
  const halfW = (unitsPerPx * box.width) / 2;
  const halfH = (unitsPerPx * box.height) / 2;
  return { x: [cx - halfW, cx + halfW], y: [cy - halfH, cy + halfH], unitsPerPx };
}

type Point = [number, number];

/** A five-pointed star (a symbol path). */
export const STAR = 'path://M50,0 L61,35 L98,35 L68,57 L79,91 L50,70 L21,91 L32,57 L2,35 L39,35 Z';

export function samePoints(a: Point[], b: Point[]): boolean {
  return a.length === b.length && a.every((p, i) => Math.abs(p[0] - b[i][0]) < 1e-9 && Math.abs(p[1] - b[i][1]) < 1e-9);
}

export interface Arrow {
  key: number;
  weight: number;
  from: Point;
  to: Point;
  width: number;
  opacity: number;
}

/** Arrows from one point to weighted targets, thicker and more opaque for more weight, stopping short of the target's dot. */
export function weightedArrows(from: Point | undefined, targets: Point[], weights: { key: number; weight: number }[], unitsPerPx = 0, stopPx = 7): Arrow[] {
  if (!from) return [];
  const top = weights.reduce((m, a) => Math.max(m, a.weight), 0) || 1;
  const out: Arrow[] = [];
  for (const a of weights) {
    const to = targets[a.key];
    if (!to || !(a.weight > 0)) continue;
    const dx = to[0] - from[0];
    const dy = to[1] - from[1];
    const len = Math.hypot(dx, dy);
    const cut = unitsPerPx * stopPx;
    if (len <= cut * 1.5) continue; // the point sits on this target: no arrow to draw
    const f = (len - cut) / len;
    const r = a.weight / top;
    out.push({ key: a.key, weight: a.weight, from, to: [from[0] + dx * f, from[1] + dy * f], width: 0.8 + 6.2 * r, opacity: 0.18 + 0.82 * r });
  }
  return out;
}
