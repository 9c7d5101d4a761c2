/**
 * What a heatmap shows, as a HeatmapInput, built here once for the app and the exports: a
 * head's full matrix, the engine's pooled overview (a run too big to keep its matrices), or
 * a zoomed tile recomputed at full resolution (fetchTile). Each input says where its rows and
 * columns sit on the run's token axes (heatmap-axes.ts), so labels and hover name tokens.
 */
import type { HeatmapView, TileReply } from '../api/lab-api';
import type { AttentionResult } from '../job/problem';
import type { HeatmapInput } from './heatmap';
import { headsRange, valueRange } from './heatmap-scale';
import { headBlocked, headSlice } from './pool';

export type Tokens = { queries: string[] | null; keys: string[] | null };

/** A run as the charts need it: its result and its tokens (a RunReply has both). */
export interface RunView {
  result: AttentionResult;
  tokens: Tokens;
}

type Extra = Partial<Pick<HeatmapInput, 'title' | 'caption' | 'range' | 'pool' | 'valueLabel'>>;

/**
 * A recurrence whose implicit matrix is signed (result.distribution false, docs/semantics.md
 * "Recurrences") draws its weights on a diverging map centred at 0, as Compare draws B − A.
 */
function signedWeights(result: AttentionResult, matrix: HeatmapView['matrix']): Pick<HeatmapInput, 'diverging' | 'valueLabel'> {
  return matrix === 'weights' && result.distribution === false ? { diverging: true, valueLabel: 'weight (signed)' } : {};
}

/**
 * The HeatmapInput of one head of a result: the view's matrix, the masked pairs (from the
 * scores, when present), the other matrix for the tooltip, and the tokens.
 */
export function headHeatmapInput(result: AttentionResult, tokens: Tokens, view: HeatmapView, extra: Extra = {}): HeatmapInput {
  const values = headSlice(result, view.head, view.matrix);
  const other = view.matrix === 'weights' ? 'scores' : 'weights';
  return {
    values,
    rows: result.Tq,
    cols: result.Tk,
    rowLabels: tokens.queries,
    colLabels: tokens.keys,
    blocked: headBlocked(result, view.head),
    companion: result[other] ? headSlice(result, view.head, other) : null,
    view,
    ...signedWeights(result, view.matrix),
    ...extra,
  };
}

/**
 * The engine's overview of one head (blocks of pooled weights): each input row stands for a
 * block of query tokens, each column for a block of keys, and the axes say so.
 */
export function overviewInput(run: RunView, view: HeatmapView, extra: Extra = {}): HeatmapInput | null {
  const r = run.result;
  const ov = r.overview;
  if (!ov) return null;
  const n = ov.rows * ov.cols;
  return {
    values: ov.data.subarray(view.head * n, (view.head + 1) * n),
    rows: ov.rows,
    cols: ov.cols,
    rowLabels: run.tokens.queries,
    colLabels: run.tokens.keys,
    rowAxis: { start: 0, step: Math.ceil(r.Tq / ov.rows), length: r.Tq },
    colAxis: { start: 0, step: Math.ceil(r.Tk / ov.cols), length: r.Tk },
    view: { ...view, matrix: 'weights' },
    pool: ov.pool,
    ...signedWeights(r, 'weights'),
    ...extra,
  };
}

/**
 * What a run's heatmap shows for a view: the head's matrix when the run kept it, else the
 * engine's pooled overview; null when it has neither. The head is clamped to the run's heads.
 */
export function runHeatmapInput(run: RunView, view: HeatmapView, extra: Extra = {}): HeatmapInput | null {
  const r = run.result;
  const head = Math.min(Math.max(0, view.head), r.heads - 1);
  const v = { ...view, head };
  if (r[view.matrix]) return headHeatmapInput(r, run.tokens, v, extra);
  if (r.overview) return overviewInput(run, v, extra);
  return null;
}

/** A zoomed tile (fetchTile's reply) at full resolution, on the run's token axes. */
export function tileHeatmapInput(tile: TileReply, run: RunView, view: HeatmapView, extra: Extra = {}): HeatmapInput {
  const [r0, r1] = tile.rows;
  const [c0, c1] = tile.cols;
  const blocked = new Uint8Array(tile.scores.length);
  for (let k = 0; k < blocked.length; k++) blocked[k] = tile.scores[k] === -Infinity ? 1 : 0;
  const other = view.matrix === 'weights' ? 'scores' : 'weights';
  return {
    values: tile[view.matrix],
    rows: r1 - r0,
    cols: c1 - c0,
    rowLabels: run.tokens.queries,
    colLabels: run.tokens.keys,
    rowAxis: { start: r0, step: 1, length: run.result.Tq },
    colAxis: { start: c0, step: 1, length: run.result.Tk },
    blocked,
    companion: tile[other],
    view: { ...view, head: tile.head },
    ...signedWeights(run.result, view.matrix),
    ...extra,
  };
}

/** One colour range for all heads (thumbnails, an export's grid): of the matrix, else of the pooled overview; undefined with neither. */
export function sharedRange(run: RunView, matrix: HeatmapView['matrix']): [number, number] | undefined {
  if (run.result[matrix]) return headsRange(run.result, matrix);
  return run.result.overview ? valueRange(run.result.overview.data, 'weights', run.result.distribution === false) : undefined;
}
