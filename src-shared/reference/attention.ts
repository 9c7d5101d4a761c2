/**
 * The float64 reference: the SPEC computed the plain way, head by head and row by row. It is
 * the oracle the ONNX engine, the UI and the experiments are tested against, so it favours
 * being obviously right over being fast.
 */
import { normalizerParam, type AttentionProblem } from '../job/problem';
import { argmax, effectiveNeighbours, entropy, normalisedEntropy, topK } from '../stats';
import { headRows, headWidth } from './heads';
import { checkMaskShapes, visibility } from './masks';
import { normalizeRow, sinkhorn } from './normalizers';
import { poolOverview } from './overview';
import { checkMetricShapes, score } from './scores';
import { biasAt, checkBias } from './transforms';
import type { ReferenceResult } from './types';
import type { Vector } from './vectors';
import { implicitMatrix } from './recurrence';
import { scanRows } from '../recurrence/scan';

interface Shape {
  heads: number;
  Tq: number;
  Tk: number;
  /** per-head widths of queries, keys and values */
  dq: number;
  dk: number;
  dv: number;
  /** k of the per-row top-k output, 0 for none */
  topk: number;
}

export function referenceAttention(problem: AttentionProblem): ReferenceResult {
  const shape = shapeOf(problem);
  const { heads, Tq, Tk, dv, topk } = shape;
  const result: ReferenceResult = {
    heads,
    Tq,
    Tk,
    dv,
    scores: new Float64Array(heads * Tq * Tk),
    weights: new Float64Array(heads * Tq * Tk),
    output: new Float64Array(heads * Tq * dv),
    entropy: new Float64Array(heads * Tq),
    normEntropy: new Float64Array(heads * Tq),
    effective: new Float64Array(heads * Tq),
    visible: new Int32Array(heads * Tq),
    argmax: new Int32Array(heads * Tq),
    maxWeight: new Float64Array(heads * Tq),
    emptyRows: [],
    meanEntropy: [],
    // ln(Tk) is the entropy of a uniform row over every key; no keys, no spread
    maxEntropy: Tk > 0 ? Math.log(Tk) : 0,
  };
  if (topk > 0) {
    result.topk = topk;
    result.topkIndices = new Int32Array(heads * Tq * topk);
    result.topkWeights = new Float64Array(heads * Tq * topk);
  }
  for (let h = 0; h < heads; h++) (problem.recurrence ? recurrenceHead : attendHead)(problem, shape, h, result);
  if (problem.overview) result.overview = poolOverview(result.weights, heads, Tq, Tk, problem.overview);
  return result;
}

/** Sizes, checked: heads divide every width, values have one row per key, parameters fit. */
function shapeOf(problem: AttentionProblem): Shape {
  const { heads, q, k, v } = problem;
  const dq = headWidth(q.cols, heads, 'query');
  const dk = headWidth(k.cols, heads, 'key');
  const dv = headWidth(v.cols, heads, 'value');
  if (v.rows !== k.rows) throw new Error(`the values need one row per key: ${k.rows} keys but ${v.rows} value rows`);
  checkMetricShapes(problem.metric, heads, dq, dk);
  checkMaskShapes(problem.masks, heads, q.rows, k.rows, dq, dk);
  checkBias(problem.bias, heads);
  // the top-k output exists when its k is given; outputs[] otherwise does not matter here
  const topk = Number.isInteger(problem.topk) && problem.topk >= 1 ? problem.topk : 0;
  return { heads, Tq: q.rows, Tk: k.rows, dq, dk, dv, topk };
}

/** Every output of head h, written into `result`. */
function attendHead(problem: AttentionProblem, shape: Shape, h: number, result: ReferenceResult): void {
  const { Tq, Tk, dq, dk, dv, topk } = shape;
  const q = headRows(problem.q, h, dq);
  const k = headRows(problem.k, h, dk);
  const v = headRows(problem.v, h, dv);
  const raw = unmaskedScores(problem, h, q, k);
  const visible = visibility(problem.masks, { head: h, Tq, Tk, q, k }, raw);
  // sinkhorn couples the rows of a head (its column sums run over every query): whole head at once
  const coupled = problem.normalizer === 'sinkhorn' ? sinkhorn(raw, visible, Tq, Tk, normalizerParam(problem, 'iterations')) : null;
  if (coupled) result.columnDeviation = Math.max(result.columnDeviation ?? 0, coupled.deviation);
  const tau = problem.normalizer === 'rank' ? normalizerParam(problem, 'tau') : 1;
  const emptyRows: number[] = [];
  let entropySum = 0;
  for (let i = 0; i < Tq; i++) {
    const at = h * Tq + i;
    const rowScores = raw.subarray(i * Tk, (i + 1) * Tk);
    const rowVisible = visible.subarray(i * Tk, (i + 1) * Tk);
    const n = countVisible(rowVisible);
    for (let j = 0; j < Tk; j++) {
      if (rowVisible[j] && !Number.isFinite(rowScores[j])) {
        throw new Error(`score '${problem.metric.id}' is not finite (${rowScores[j]}) at head ${h}, row ${i}, column ${j}`);
      }
      result.scores[at * Tk + j] = rowVisible[j] ? rowScores[j] : -Infinity;
    }
    result.visible[at] = n;
    const w = n === 0 ? null : coupled ? coupled.rows[i] : normalizeRow(problem.normalizer, rowScores, rowVisible, { head: h, row: i }, tau);
    if (w === null) {
      // empty row: weights, output, entropy family and maxWeight stay 0
      emptyRows.push(i);
      result.argmax[at] = -1;
    } else {
      result.weights.set(w, at * Tk);
      result.output.set(weightedSum(w, v, dv), at * dv);
      const H = entropy(w);
      result.entropy[at] = H;
      result.normEntropy[at] = normalisedEntropy(H, n);
      result.effective[at] = effectiveNeighbours(H);
      result.argmax[at] = argmax(w);
      result.maxWeight[at] = w[result.argmax[at]];
      entropySum += H;
    }
    if (topk > 0) {
      // an empty row offers no candidates, so its top-k is all −1 / 0
      const best = topK(w ?? new Float64Array(Tk), topk, w ? rowVisible : new Uint8Array(Tk));
      result.topkIndices!.set(best.indices, at * topk);
      result.topkWeights!.set(best.values, at * topk);
    }
  }
  result.emptyRows.push(emptyRows);
  const filled = Tq - emptyRows.length;
  result.meanEntropy.push(filled > 0 ? entropySum / filled : 0);
}

/**
 * Head h of a recurrence: weights = the implicit matrix A, output = A·V, and per row the
 * entropy of |A_ij| / Σ_j |A_ij|, argmax = the first key of largest |A_ij|, top-k by |A_ij|
 * (docs/semantics.md "Recurrences"). Scores are A itself on the visible (causal) pairs.
 */
function recurrenceHead(problem: AttentionProblem, shape: Shape, h: number, result: ReferenceResult): void {
  const { Tq: T, dv, topk } = shape;
  const { A, empty } = implicitMatrix(problem, h);
  const v = headRows(problem.v, h, dv);
  const scan = scanRows(problem, h, 0, T).output;
  const emptyRows: number[] = [];
  let entropySum = 0;
  let scanError = 0;
  for (let i = 0; i < T; i++) {
    const at = h * T + i;
    const w = A.subarray(i * T, (i + 1) * T);
    const visible = new Uint8Array(T).fill(1, 0, i + 1);
    for (let j = 0; j < T; j++) result.scores[at * T + j] = j <= i ? w[j] : -Infinity;
    result.weights.set(w, at * T);
    const out = weightedSum(w, v, dv);
    result.output.set(out, at * dv);
    for (let c = 0; c < dv; c++) scanError = Math.max(scanError, Math.abs(out[c] - scan[i * dv + c]));
    result.visible[at] = i + 1;
    if (empty[i]) {
      emptyRows.push(i);
      result.argmax[at] = -1;
    } else {
      const total = w.reduce((s, x) => s + Math.abs(x), 0);
      const sum = w.reduce((s, x) => s + x, 0);
      if (w.some((x) => x < 0) || Math.abs(sum - 1) > 1e-6) result.distribution = false;
      const H = total > 0 ? entropy(w.map((x) => Math.abs(x) / total)) : 0;
      result.entropy[at] = H;
      result.normEntropy[at] = normalisedEntropy(H, i + 1);
      result.effective[at] = effectiveNeighbours(H);
      result.argmax[at] = argmax(w.map(Math.abs));
      result.maxWeight[at] = w[result.argmax[at]];
      entropySum += H;
    }
    if (topk > 0) {
      const best = topK(
        w.map((x) => Math.abs(x)),
        topk,
        empty[i] ? new Uint8Array(T) : visible,
      );
      result.topkIndices!.set(best.indices, at * topk);
      result.topkWeights!.set(
        Array.from(best.indices, (j) => (j >= 0 ? w[j] : 0)),
        at * topk,
      );
    }
  }
  result.distribution ??= true;
  (result.scanError ??= []).push(scanError);
  result.emptyRows.push(emptyRows);
  const filled = T - emptyRows.length;
  result.meanEntropy.push(filled > 0 ? entropySum / filled : 0);
}

/** s(q_i, k_j) (plus ALiBi's bias) for every pair of head h, before any mask (topk masks rank these). */
function unmaskedScores(problem: AttentionProblem, h: number, q: Vector[], k: Vector[]): Float64Array {
  const out = new Float64Array(q.length * k.length);
  const bias = problem.bias;
  for (let i = 0; i < q.length; i++) {
    for (let j = 0; j < k.length; j++) out[i * k.length + j] = score(problem.metric, h, q[i], k[j]) + (bias ? biasAt(bias, h, i, j) : 0);
  }
  return out;
}

function countVisible(row: Uint8Array): number {
  let n = 0;
  for (let j = 0; j < row.length; j++) if (row[j]) n++;
  return n;
}

/** Σ_j w_j v_j: the row's output, a convex combination of the value rows. */
function weightedSum(w: Float64Array, values: Vector[], dv: number): Float64Array {
  const out = new Float64Array(dv);
  for (let j = 0; j < w.length; j++) {
    if (w[j] === 0) continue;
    for (let c = 0; c < dv; c++) out[c] += w[j] * values[j][c];
  }
  return out;
}
