/**
 * A heatmap's colour scale: the default range of a matrix, linear or log mapping, and the
 * colour bar's end labels and heading. The option, the app's image of a big matrix and the
 * exports all colour through it, so the pixels agree with the colour bar.
 */
import type { HeatmapView } from '../api/lab-api';
import type { AttentionResult } from '../job/problem';
import { colormap, DEFAULT_DIVERGING } from './colormaps';
import type { HeatmapInput } from './heatmap';
import type { PoolMode } from './pool';
import { formatValue } from './theme';

/** A log colour scale spans this many decades below the top of the range. */
export const LOG_DECADES = 4;

export interface ColourScale {
  colormap: string;
  log: boolean;
  /** the visualMap's range in mapped units (log10 of the value for a log scale) */
  min: number;
  max: number;
  /** the range in data units (for a log scale, the lower end is the floor) */
  range: [number, number];
  /** data value → the number the visualMap colours, clamped to [min, max] */
  map(v: number): number;
  /** data value → its position t ∈ [0, 1] on the colour map */
  position(v: number): number;
  /** colour-bar end labels, top (high) first */
  text: [string, string];
  /** the colour bar's ticks (at least 5): data value, position t ∈ [0, 1] from the bottom, label */
  ticks: ColourTick[];
  /** colour-bar heading: what the colours mean, then how (log scale, pooling) */
  heading: string[];
}

export interface ColourTick {
  value: number;
  t: number;
  text: string;
}

/** Round ticks over [lo, hi], at least `min` of them: steps of 1, 2 or 5 × 10ᵏ, the largest that gives enough. */
export function linearTicks(lo: number, hi: number, min = 5): number[] {
  if (!(hi > lo)) return [lo];
  const span = hi - lo;
  let best: number[] = [lo, hi];
  for (let k = Math.ceil(Math.log10(span)); k > Math.log10(span) - 4; k--) {
    for (const m of [5, 2, 1]) {
      const step = m * 10 ** k;
      const ticks: number[] = [];
      // whole multiples of the step (n · step, not a running sum): 0 is exactly 0, never −5.55e-17
      for (let n = Math.ceil(lo / step - 1e-9); n * step <= hi + step * 1e-9; n++) ticks.push(Number((n * step).toPrecision(12)));
      if (ticks.length >= min) return ticks;
      best = ticks.length > best.length ? ticks : best;
    }
  }
  return best;
}

/** Ticks of a log scale over exponents [bottom, top]: each decade, with 2× and 5× between them when there are fewer than `min`. */
export function logTicks(bottom: number, top: number, min = 5): number[] {
  const decades: number[] = [];
  for (let e = Math.ceil(bottom - 1e-9); e <= top + 1e-9; e++) decades.push(10 ** e);
  if (decades.length >= min) return decades;
  const out: number[] = [];
  for (let e = Math.floor(bottom); e <= Math.ceil(top); e++) {
    for (const m of [1, 2, 5]) {
      const x = m * 10 ** e;
      const lx = Math.log10(x);
      if (lx >= bottom - 1e-9 && lx <= top + 1e-9) out.push(x);
    }
  }
  return out.length >= 2 ? out : [10 ** bottom, 10 ** top];
}

/**
 * Each row divided by its largest value (blocked cells and −∞ left out, and left as they are):
 * every row spans [0, 1], so the rows of a long causal map, whose weights shrink as 1/i, all show.
 */
export function perRowMaximum(values: Float32Array, rows: number, cols: number, blocked?: Uint8Array | null): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let hi = 0;
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      if (!(blocked && blocked[k]) && values[k] > hi) hi = values[k];
    }
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      out[k] = values[k] === -Infinity || hi === 0 ? values[k] : values[k] / hi;
    }
  }
  return out;
}

/** The values a heatmap colours: the input's, or divided by their row's maximum on the per-row scale. */
export function scaledValues(input: Pick<HeatmapInput, 'values' | 'rows' | 'cols' | 'blocked' | 'view' | 'diverging'>): Float32Array {
  return input.view.scale === 'rowmax' && !input.diverging ? perRowMaximum(input.values, input.rows, input.cols, input.blocked) : input.values;
}

function finiteExtent(values: ArrayLike<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < values.length; k++) {
    const x = values[k];
    if (!Number.isFinite(x)) continue;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** The default colour range of a matrix (data units). */
export function valueRange(values: ArrayLike<number>, matrix: HeatmapView['matrix'], diverging = false): [number, number] {
  const ext = finiteExtent(values);
  if (diverging) {
    const m = ext ? Math.max(Math.abs(ext[0]), Math.abs(ext[1])) : 0;
    return m > 0 ? [-m, m] : [-1, 1];
  }
  if (matrix === 'weights') {
    const hi = ext ? ext[1] : 0;
    return [0, hi > 0 ? hi : 1];
  }
  if (!ext) return [0, 1];
  return ext[0] < ext[1] ? ext : [ext[0] - 0.5, ext[0] + 0.5];
}

/** One colour range over every head (the small multiples share it). */
export function headsRange(result: AttentionResult, matrix: HeatmapView['matrix']): [number, number] {
  const data = result[matrix];
  if (!data) throw new Error(`the result has no ${matrix}: run the job with "${matrix}" among its outputs`);
  return valueRange(data, matrix, matrix === 'weights' && result.distribution === false);
}

/** One colour range over every head of several results (Compare's A and B share it, so their colours compare). */
export function runsRange(results: AttentionResult[], matrix: HeatmapView['matrix']): [number, number] {
  const ranges = results.map((r) => headsRange(r, matrix));
  return [Math.min(...ranges.map((r) => r[0])), Math.max(...ranges.map((r) => r[1]))];
}

export function effectiveColormap(input: Pick<HeatmapInput, 'view' | 'diverging'>): string {
  const cm = colormap(input.view.colormap);
  // a signed difference on a sequential map would hide the sign; the user's diverging choice stays
  return input.diverging && cm.kind !== 'diverging' ? DEFAULT_DIVERGING : cm.id;
}

export function defaultValueLabel(input: HeatmapInput): string {
  if (input.valueLabel) return input.valueLabel;
  if (input.diverging) return 'B − A';
  return input.view.matrix === 'weights' ? 'weight' : 'score';
}

/**
 * The colour scale of a heatmap. `drawn` are the values the chart draws (pooled, when it
 * pools); the default range comes from them so that the colours span what is on screen.
 */
export function colourScale(input: HeatmapInput, drawn: ArrayLike<number> = input.values, pooled?: { blockRows: number; blockCols: number; mode: PoolMode }): ColourScale {
  const cm = effectiveColormap(input);
  const perRow = input.view.scale === 'rowmax' && !input.diverging;
  // per-row maximum: every row is divided by its largest value, so the scale is [0, 1]
  const [lo, hi] = perRow ? [0, 1] : (input.range ?? valueRange(drawn, input.view.matrix, input.diverging));
  const label = perRow ? `${defaultValueLabel(input)} ÷ row maximum` : defaultValueLabel(input);
  const heading = [label];
  const wantsLog = input.view.scale === 'log';
  // a log scale needs no negative value drawn (scanned only then: a 512² map per run)
  const canLog = wantsLog && !input.diverging && lo >= 0 && (finiteExtent(drawn)?.[0] ?? 0) >= 0;
  if (pooled && (pooled.blockRows > 1 || pooled.blockCols > 1)) heading.push(`${pooled.mode} of ${pooled.blockRows}×${pooled.blockCols} blocks`);
  if (canLog) {
    const top = hi > 0 ? Math.log10(hi) : 0;
    const floorExp = lo > 0 ? Math.log10(lo) : Math.ceil(top) - LOG_DECADES;
    const bottom = Math.min(floorExp, top - 1e-6);
    const floor = 10 ** bottom;
    heading.splice(1, 0, 'log scale');
    const map = (v: number) => Math.min(top, Math.max(bottom, Math.log10(Math.max(v, floor))));
    return {
      colormap: cm,
      log: true,
      min: bottom,
      max: top,
      range: [floor, hi > 0 ? hi : 1],
      map,
      position: (v) => (map(v) - bottom) / (top - bottom),
      text: [formatValue(hi > 0 ? hi : 1), `≤ ${formatValue(floor)}`],
      ticks: logTicks(bottom, top).map((v) => ({ value: v, t: (Math.log10(v) - bottom) / (top - bottom), text: formatValue(v) })),
      heading,
    };
  }
  if (wantsLog) heading.splice(1, 0, 'linear (log needs values ≥ 0)');
  const span = hi - lo || 1;
  const map = (v: number) => Math.min(hi, Math.max(lo, v));
  return {
    colormap: cm,
    log: false,
    min: lo,
    max: hi,
    range: [lo, hi],
    map,
    position: (v) => (map(v) - lo) / span,
    text: [formatValue(hi), formatValue(lo)],
    ticks: linearTicks(lo, hi).map((v) => ({ value: v, t: (v - lo) / span, text: formatValue(v) })),
    heading,
  };
}
