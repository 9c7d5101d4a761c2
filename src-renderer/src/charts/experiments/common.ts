/**
 * What the Experiments tab's charts share: series colours for heads and metrics, titles,
 * category axes of tokens that rotate or thin their labels when crowded, value and log
 * axes in the lab's palette. Pure: no DOM, no ECharts instance.
 */
import { baseOption, displayToken, fontSize, formatValue, labelInterval, palette, textWidth, type ChartOpts, type ChartTheme } from '../../../../src-shared/charts/theme';

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
  const main = { text: opts.title, left: 'center', top: 6, textStyle: { color: pal.text, fontSize: size + 2, fontWeight: 600 } };
  if (!opts.subtitle) return { title: main, height: size + 16 };
  const sub = { text: opts.subtitle, left: 'center', top: 6 + size + 8, textStyle: { color: pal.subtle, fontSize: size, fontWeight: 'normal' } };
  return { title: [main, sub], height: 2 * size + 22 };
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
