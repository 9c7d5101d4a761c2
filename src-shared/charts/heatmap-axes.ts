/**
 * A heatmap's axes are the data's token axes. An input row (or column) may stand for a block
 * of tokens (the engine's pooled overview: `step` tokens each) and may start anywhere on the
 * axis (a zoomed tile: `start`); the chart may pool the input again to fit its cell budget.
 * Labels and hover always name TOKEN indices ("0–7"), never the index of a pooled cell.
 */
import { tokenLabel } from './token-labels';

/** At most this many cells per axis in a full heatmap option. */
export const HEATMAP_CELL_BUDGET = 256;

/** The most cells per axis a full heatmap of this size draws: the cell budget, and at most one cell per pixel of the plot. */
export function cellBudget(opts: { width: number; height: number }): { rows: number; cols: number } {
  return {
    rows: Math.max(1, Math.min(HEATMAP_CELL_BUDGET, Math.floor(opts.height - 120))),
    cols: Math.max(1, Math.min(HEATMAP_CELL_BUDGET, Math.floor(opts.width - 200))),
  };
}

/** Where an input's rows (or columns) sit on the run's token axis. */
export interface AxisSpan {
  /** the token index of the input's first row */
  start: number;
  /** tokens per input row (1 for a full matrix; the overview's block side) */
  step: number;
  /** the whole axis' token count (the last block may be shorter) */
  length: number;
}

/** The span of an input of `n` rows with none given: row i is token i. */
export function spanOf(n: number, span?: AxisSpan | null): AxisSpan {
  return span ?? { start: 0, step: 1, length: n };
}

/**
 * The tokens [a, b) of drawn cell `c`, when `block` input rows make one drawn cell and the
 * input has `n` rows on `span`.
 */
export function cellTokens(span: AxisSpan, n: number, block: number, c: number): [number, number] {
  const end = Math.min(span.length, span.start + n * span.step);
  const a = span.start + c * block * span.step;
  return [Math.min(a, end), Math.min(end, a + block * span.step)];
}

/** A token range as a label: the token (a repeat numbered, "the#2") or its index alone, "a–z" (inclusive) for a block. */
export function rangeLabel(tokens: string[] | null, [a, b]: [number, number]): string {
  if (b - a <= 1) return tokenLabel(tokens, a);
  return `${a}–${b - 1}`;
}

/** The labels of `count` drawn cells of `block` input rows each (tokens index the whole axis). */
export function axisLabels(tokens: string[] | null, span: AxisSpan, n: number, block: number, count: number): string[] {
  return Array.from({ length: count }, (_, c) => rangeLabel(tokens, cellTokens(span, n, block, c)));
}

/** The inclusive drawn-cell range [c0, c1] as tokens [a, b) (a brushed region, say). */
export function cellsToTokens(span: AxisSpan, n: number, block: number, c0: number, c1: number): [number, number] {
  return [cellTokens(span, n, block, c0)[0], cellTokens(span, n, block, c1)[1]];
}
