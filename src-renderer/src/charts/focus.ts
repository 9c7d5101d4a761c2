/**
 * The matrices the heatmap panel shows, as HeatmapInputs for src-shared/charts: a head's
 * weights or scores when the result has them, else the engine's pooled overview (big T).
 * Plus the pinned row as a bar list. Pure functions over a RunReply.
 */
import type { HeatmapView, RunReply } from '../../../src-shared/api/lab-api';
import { axisLabels, headHeatmapInput, headsRange, type HeatmapInput } from '../../../src-shared/charts/heatmap';
import { headBlocked, headSlice } from '../../../src-shared/charts/pool';

/** The head's matrix for the view, or the overview when the full matrix was not computed. */
export function focusedInput(reply: RunReply, view: HeatmapView, extra: Partial<Pick<HeatmapInput, 'title' | 'caption' | 'range'>> = {}): HeatmapInput | null {
  const r = reply.result;
  const head = Math.min(Math.max(0, view.head), r.heads - 1);
  const v = { ...view, head };
  if (r[view.matrix]) return headHeatmapInput(r, reply.tokens, v, extra);
  if (r.overview) return overviewInput(reply, v, extra);
  return null;
}

/** The engine's overview of one head (pooled weights) as a heatmap input with index-range labels. */
export function overviewInput(reply: RunReply, view: HeatmapView, extra: Partial<Pick<HeatmapInput, 'title' | 'caption' | 'range'>> = {}): HeatmapInput | null {
  const r = reply.result;
  const ov = r.overview;
  if (!ov) return null;
  const n = ov.rows * ov.cols;
  const br = Math.ceil(r.Tq / ov.rows);
  const bc = Math.ceil(r.Tk / ov.cols);
  return {
    values: ov.data.subarray(view.head * n, (view.head + 1) * n),
    rows: ov.rows,
    cols: ov.cols,
    rowLabels: axisLabels(reply.tokens.queries, r.Tq, br, ov.rows),
    colLabels: axisLabels(reply.tokens.keys, r.Tk, bc, ov.cols),
    view: { ...view, matrix: 'weights' },
    valueLabel: `${ov.pool} weight of ${br}×${bc} blocks`,
    ...extra,
  };
}

/** How many source rows one drawn row of this input stands for. */
export function sourceRowsPerRow(reply: RunReply, input: HeatmapInput): number {
  return Math.max(1, Math.round(reply.result.Tq / Math.max(1, input.rows)));
}

/** One colour range for all heads' thumbnails. */
export function sharedRange(reply: RunReply, matrix: HeatmapView['matrix']): [number, number] | undefined {
  const r = reply.result;
  if (!r[matrix]) return undefined;
  return headsRange(r, matrix);
}

export interface RowBar {
  index: number;
  token: string;
  weight: number;
  score: number | null;
  masked: boolean;
}

/**
 * The pinned row's weights, one bar per key, largest first (masked keys last), at most
 * `limit`; null when the result has no full weights.
 */
export function rowBars(reply: RunReply, head: number, row: number, limit = 64): RowBar[] | null {
  const r = reply.result;
  if (!r.weights || row < 0 || row >= r.Tq) return null;
  const h = Math.min(Math.max(0, head), r.heads - 1);
  const w = headSlice(r, h, 'weights');
  const s = r.scores ? headSlice(r, h, 'scores') : null;
  const blocked = headBlocked(r, h);
  const bars: RowBar[] = [];
  for (let j = 0; j < r.Tk; j++) {
    const k = row * r.Tk + j;
    bars.push({
      index: j,
      token: reply.tokens.keys?.[j] ?? String(j),
      weight: w[k],
      score: s ? s[k] : null,
      masked: blocked ? blocked[k] === 1 : false,
    });
  }
  bars.sort((a, b) => Number(a.masked) - Number(b.masked) || b.weight - a.weight || a.index - b.index);
  return bars.slice(0, limit);
}
