/**
 * A result as data: one head's matrix as CSV (key tokens across, query tokens down),
 * all heads as .npy (H×Tq×Tk), or the whole result as JSON (result-json.ts plus the tokens).
 */
import type { AttentionResult } from '../../../src-shared/job/problem';
import type { DataFormat } from '../../../src-shared/api/lab-api';
import { headSlice, type HeadMatrix } from '../../../src-shared/charts/pool';
import { encodeNpy } from '../npy-write';
import { float32Json, resultToJson } from '../result-json';
import { csvField } from '../../../src-shared/csv';

export { csvField };

export type Tokens = { queries: string[] | null; keys: string[] | null };


const label = (tokens: string[] | null, i: number) => (tokens && i < tokens.length ? tokens[i] : String(i));

/**
 * One head's Tq×Tk matrix as CSV (CRLF line ends, as RFC 4180 writes them). The first row is
 * the corner cell "query\key" and the key tokens (indices when there are none), then one row
 * per query: its token, then its values, each the shortest decimal that reads back to the same
 * float32. Blocked scores (−∞) are empty cells.
 */
export function headCsv(result: AttentionResult, tokens: Tokens, head: number, matrix: HeadMatrix = 'weights'): string {
  const m = headSlice(result, head, matrix);
  const { Tq, Tk } = result;
  const lines: string[] = [];
  const header = ['query\\key'];
  for (let j = 0; j < Tk; j++) header.push(csvField(label(tokens.keys, j)));
  lines.push(header.join(','));
  for (let i = 0; i < Tq; i++) {
    const row = [csvField(label(tokens.queries, i))];
    for (let j = 0; j < Tk; j++) {
      const x = float32Json(m[i * Tk + j]);
      row.push(x === null ? '' : String(x));
    }
    lines.push(row.join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/** Every head's matrix as one H×Tq×Tk float32 .npy (blocked scores stay −inf). */
export function matrixNpy(result: AttentionResult, matrix: HeadMatrix = 'weights'): Uint8Array {
  const data = result[matrix];
  if (!data) throw new Error(`the result has no ${matrix}: run the job with "${matrix}" among its outputs`);
  return encodeNpy(data, [result.heads, result.Tq, result.Tk]);
}

/** The full result as JSON: resultToJson's per-head object plus the tokens (and the job, if given). */
export function resultJsonText(result: AttentionResult, tokens: Tokens, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...resultToJson(result), tokens, ...extra });
}

/** The data export of one format: CSV and NPY bytes or JSON text. */
export function exportData(
  result: AttentionResult,
  tokens: Tokens,
  format: DataFormat,
  options: { head?: number; matrix?: HeadMatrix; extra?: Record<string, unknown> } = {},
): Uint8Array | string {
  switch (format) {
    case 'csv':
      return headCsv(result, tokens, options.head ?? 0, options.matrix ?? 'weights');
    case 'npy':
      return matrixNpy(result, options.matrix ?? 'weights');
    case 'json':
      return resultJsonText(result, tokens, options.extra);
    default:
      throw new Error(`unknown data format "${String(format)}": expected csv, npy or json`);
  }
}
