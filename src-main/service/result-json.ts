/**
 * An AttentionResult as plain JSON (the CLI's `--json`, the app's JSON export):
 * one object per head with nested rows. Float32 values are printed with the fewest digits
 * that read back to the same float32; −∞ (blocked scores) becomes null.
 */
import type { AttentionResult } from '../../src-shared/job/problem';

export function float32Json(x: number): number | null {
  if (!Number.isFinite(x)) return null;
  for (let p = 6; p < 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return Number(x.toPrecision(9));
}

function rows(a: ArrayLike<number>, offset: number, count: number, width: number, f32: boolean): (number | null)[][] {
  const out: (number | null)[][] = [];
  for (let i = 0; i < count; i++) {
    const row = new Array<number | null>(width);
    for (let j = 0; j < width; j++) {
      const x = a[offset + i * width + j];
      row[j] = f32 ? float32Json(x) : x;
    }
    out.push(row);
  }
  return out;
}

const list = (a: ArrayLike<number>, offset: number, n: number, f32: boolean) => rows(a, offset, 1, n, f32)[0];

export interface ResultJson {
  Tq: number;
  Tk: number;
  dv: number;
  maxEntropy: number;
  /** sinkhorn only: the largest |column sum − Tq/Tk| */
  columnDeviation?: number;
  /** recurrences only: every non-empty row of A is a distribution (else entropy is over |A|) */
  distribution?: boolean;
  heads: Record<string, unknown>[];
}

export function resultToJson(r: AttentionResult): ResultJson {
  const heads: Record<string, unknown>[] = [];
  for (let h = 0; h < r.heads; h++) {
    const rowOff = h * r.Tq;
    const head: Record<string, unknown> = {};
    if (r.scores) head.scores = rows(r.scores, rowOff * r.Tk, r.Tq, r.Tk, true);
    if (r.weights) head.weights = rows(r.weights, rowOff * r.Tk, r.Tq, r.Tk, true);
    if (r.output) head.output = rows(r.output, rowOff * r.dv, r.Tq, r.dv, true);
    head.entropy = list(r.entropy, rowOff, r.Tq, true);
    head.normEntropy = list(r.normEntropy, rowOff, r.Tq, true);
    head.effective = list(r.effective, rowOff, r.Tq, true);
    head.visible = list(r.visible, rowOff, r.Tq, false);
    head.argmax = list(r.argmax, rowOff, r.Tq, false);
    head.maxWeight = list(r.maxWeight, rowOff, r.Tq, true);
    if (r.topkIndices && r.topkWeights && r.topk) {
      head.topk = {
        indices: rows(r.topkIndices, rowOff * r.topk, r.Tq, r.topk, false),
        weights: rows(r.topkWeights, rowOff * r.topk, r.Tq, r.topk, true),
      };
    }
    if (r.overview) {
      const { rows: orow, cols, pool, data } = r.overview;
      head.overview = { pool, rows: rows(data, h * orow * cols, orow, cols, true) };
    }
    if (r.columnSums) head.columnSums = list(r.columnSums, h * r.Tk, r.Tk, true);
    if (r.scanError) head.scanError = r.scanError[h];
    if (r.nonDistributionRows) head.nonDistributionRows = r.nonDistributionRows[h];
    head.emptyRows = r.emptyRows[h];
    head.meanEntropy = r.meanEntropy[h];
    if (r.modelDivergence) head.modelDivergence = r.modelDivergence[h];
    heads.push(head);
  }
  const out: ResultJson = { Tq: r.Tq, Tk: r.Tk, dv: r.dv, maxEntropy: r.maxEntropy, heads };
  if (r.columnDeviation !== undefined) out.columnDeviation = r.columnDeviation;
  if (r.distribution !== undefined) out.distribution = r.distribution;
  return out;
}
