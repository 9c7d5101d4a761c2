/**
 * A result as data: one head's matrix as CSV (key tokens across, query tokens down),
 * all heads as .npy (H×Tq×Tk), or the whole result as JSON (result-json.ts plus the tokens).
 */
import type { AttentionResult } from '../../../src-shared/job/problem';
import type { DataFormat } from '../../../src-shared/api/lab-api';
import { headBlocked, headSlice, type HeadMatrix } from '../../../src-shared/charts/pool';
import { axisLabels } from '../../../src-shared/charts/heatmap-axes';
import { tokenLabel } from '../../../src-shared/charts/token-labels';
import { encodeNpy } from '../npy-write';
import { float32Json, resultToJson } from '../result-json';
import { csvField } from '../../../src-shared/csv';

export { csvField };

export type Tokens = { queries: string[] | null; keys: string[] | null };

/**
 * One head's Tq×Tk matrix as CSV (CRLF line ends, as RFC 4180 writes them). The first row is
 * the corner cell "query\key" and the key tokens (indices when there are none), then one row
 * per query: its token, then its values, each the shortest decimal that reads back to the same
 * float32. Masked pairs are empty cells: blocked scores (−∞), and the weights of those pairs
 * (which hold 0) when the result carries the scores that tell them apart. A token that
 * repeats is numbered ("the", "the#2").
 */
export function headCsv(result: AttentionResult, tokens: Tokens, head: number, matrix: HeadMatrix = 'weights'): string {
  const m = headSlice(result, head, matrix);
  const blocked = headBlocked(result, head);
  return matrixCsv(
    m,
    result.Tq,
    result.Tk,
    (i) => tokenLabel(tokens.queries, i),
    (j) => tokenLabel(tokens.keys, j),
    blocked,
  );
}

function matrixCsv(m: Float32Array, rows: number, cols: number, rowLabel: (i: number) => string, colLabel: (j: number) => string, blocked: Uint8Array | null = null): string {
  const lines: string[] = [];
  const header = ['query\\key'];
  for (let j = 0; j < cols; j++) header.push(csvField(colLabel(j)));
  lines.push(header.join(','));
  for (let i = 0; i < rows; i++) {
    const row = [csvField(rowLabel(i))];
    for (let j = 0; j < cols; j++) {
      const x = blocked && blocked[i * cols + j] ? null : float32Json(m[i * cols + j]);
      row.push(x === null ? '' : String(x));
    }
    lines.push(row.join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/**
 * Every head's matrix as one H×Tq×Tk float32 .npy. Blocked scores stay −inf; the weights of
 * masked pairs are NaN when the result carries the scores (a masked pair has no weight, which
 * a 0 would hide), as the CSV leaves them empty.
 */
export function matrixNpy(result: AttentionResult, matrix: HeadMatrix = 'weights'): Uint8Array {
  const data = result[matrix];
  if (!data) throw new Error(`the result has no ${matrix}: run the job with "${matrix}" among its outputs`);
  const scores = result.scores;
  if (matrix !== 'weights' || !scores) return encodeNpy(data, [result.heads, result.Tq, result.Tk]);
  const out = new Float32Array(data);
  for (let k = 0; k < out.length; k++) if (scores[k] === -Infinity) out[k] = NaN;
  return encodeNpy(out, [result.heads, result.Tq, result.Tk]);
}

/**
 * The engine's pooled overview of one head as CSV (a run too big to keep its matrices): each
 * row and column names the token range its block pools ("0–7"), each cell the block's value.
 */
export function overviewCsv(result: AttentionResult, tokens: Tokens, head: number): string {
  const ov = overviewOf(result);
  const n = ov.rows * ov.cols;
  const rows = axisLabels(tokens.queries, { start: 0, step: Math.ceil(result.Tq / ov.rows), length: result.Tq }, ov.rows, 1, ov.rows);
  const cols = axisLabels(tokens.keys, { start: 0, step: Math.ceil(result.Tk / ov.cols), length: result.Tk }, ov.cols, 1, ov.cols);
  return matrixCsv(
    ov.data.subarray(head * n, (head + 1) * n),
    ov.rows,
    ov.cols,
    (i) => rows[i],
    (j) => cols[j],
  );
}

/** Every head's pooled overview as one H×rows×cols float32 .npy. */
export function overviewNpy(result: AttentionResult): Uint8Array {
  const ov = overviewOf(result);
  return encodeNpy(ov.data.subarray(0, result.heads * ov.rows * ov.cols), [result.heads, ov.rows, ov.cols]);
}

function overviewOf(result: AttentionResult): NonNullable<AttentionResult['overview']> {
  if (!result.overview) throw new Error('the result has no overview: run the job with "overview" among its outputs');
  return result.overview;
}

/** The full result as JSON: resultToJson's per-head object plus the tokens (and the job, if given). */
export function resultJsonText(result: AttentionResult, tokens: Tokens, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...resultToJson(result), tokens, ...extra });
}

/**
 * The data export of one format: CSV and NPY bytes or JSON text. A run that kept only the
 * pooled overview (too big to keep its matrices) exports the overview as CSV and NPY.
 */
export function exportData(
  result: AttentionResult,
  tokens: Tokens,
  format: DataFormat,
  options: { head?: number; matrix?: HeadMatrix; extra?: Record<string, unknown> } = {},
): Uint8Array | string {
  switch (format) {
    case 'csv':
      if (pooledOnly(result, options.matrix)) return overviewCsv(result, tokens, options.head ?? 0);
      return headCsv(result, tokens, options.head ?? 0, options.matrix ?? 'weights');
    case 'npy':
      if (pooledOnly(result, options.matrix)) return overviewNpy(result);
      return matrixNpy(result, options.matrix ?? 'weights');
    case 'json':
      return resultJsonText(result, tokens, options.extra);
    default:
      throw new Error(`unknown data format "${String(format)}": expected csv, npy or json`);
  }
}

/** Whether a data export of `matrix` falls back to the overview: the run kept no weights (nor the asked matrix), only the overview. */
export function pooledOnly(result: AttentionResult, matrix: HeadMatrix = 'weights'): boolean {
  return !result[matrix] && !result.weights && !!result.overview;
}
