/**
 * Model vs re-scored (issue #17 part 3): a capture's own attention pattern as the compare
 * view's A beside the lab's re-scored weights as B, and the head's modelDivergence in
 * words. Pure functions: the compare store and the panels call them, the unit tests too.
 */
import type { ModelPatternReply, RunReply } from '../../../src-shared/api/lab-api';
import type { AttentionResult } from '../../../src-shared/job/problem';
import { formatValue } from '../../../src-shared/charts/theme';

/** What an A made of the model's pattern holds: one head of one layer. */
export interface ModelSide {
  head: number;
  modelHead: number;
  layer: number;
}

/**
 * The model's pattern of one head as a run shaped like B (same heads, Tq, Tk, tokens), so
 * that the existing compare (A, B, B − A, per-row JS) reads it unchanged. Only `head` holds
 * the model's weights; the other heads are empty rows (the store compares the head in view
 * only, and fetches that head's pattern when the view moves to another).
 */
export function modelAsRun(b: RunReply, p: ModelPatternReply): RunReply {
  const { heads, Tq, Tk } = b.result;
  if (p.Tq !== Tq || p.Tk !== Tk) throw new Error(`the model's pattern is ${p.Tq}×${p.Tk} and the run ${Tq}×${Tk}`);
  if (p.head >= heads) throw new Error(`head ${p.head} is past the run's ${heads} heads`);
  const weights = new Float32Array(heads * Tq * Tk);
  weights.set(p.weights, p.head * Tq * Tk);
  const rows = heads * Tq;
  const entropy = new Float32Array(rows);
  const argmax = new Int32Array(rows).fill(-1);
  const maxWeight = new Float32Array(rows);
  const visible = new Int32Array(rows);
  for (let i = 0; i < Tq; i++) {
    let h = 0;
    let best = -1;
    let n = 0;
    const r = p.head * Tq + i;
    for (let j = 0; j < Tk; j++) {
      const w = p.weights[i * Tk + j];
      if (w > 0) {
        h -= w * Math.log(w);
        n++;
      }
      if (best < 0 || w > p.weights[i * Tk + best]) best = j;
    }
    entropy[r] = h;
    argmax[r] = n > 0 ? best : -1;
    maxWeight[r] = n > 0 ? p.weights[i * Tk + best] : 0;
    visible[r] = n;
  }
  const meanEntropy = Array.from({ length: heads }, (_, h) => (h === p.head ? entropy.subarray(h * Tq, (h + 1) * Tq).reduce((a, x) => a + x, 0) / Tq : 0));
  const result: AttentionResult = {
    heads,
    Tq,
    Tk,
    dv: b.result.dv,
    weights,
    entropy,
    normEntropy: entropy.map((h, r) => (visible[r] > 1 ? h / Math.log(visible[r]) : 0)),
    effective: entropy.map((h) => Math.exp(h)),
    visible,
    argmax,
    maxWeight,
    emptyRows: Array.from({ length: heads }, () => []),
    meanEntropy,
    maxEntropy: Math.log(Tk),
  };
  return { runId: `model-${b.runId}`, result, tokens: b.tokens, backend: 'model capture', timing: { loadMs: 0, computeMs: 0, totalMs: 0, tiles: 0 } };
}

/** A's caption for the model's pattern. */
export function modelCaption(m: ModelSide): string {
  return `the model's own pattern · layer ${m.layer} · head ${m.modelHead}`;
}

/** Why A (the model's pattern of one head) does not fit the head in view, or null. */
export function modelHeadProblem(m: ModelSide | undefined, head: number): string | null {
  if (!m || m.head === head) return null;
  return `A is the model's pattern of head ${m.head}; fetching head ${head}…`;
}

/** Whether the run has a model pattern to compare with (the service set modelDivergence). */
export function hasModelPattern(reply: RunReply | null): boolean {
  return !!reply?.result.modelDivergence && reply.result.modelDivergence.length === reply.result.heads;
}

/** The head's modelDivergence in words, or null when the run has none. */
export function modelDivergenceText(result: AttentionResult | null | undefined, head: number): string | null {
  const d = result?.modelDivergence?.[head];
  if (d === undefined) return null;
  if (d === null) return `model vs lab · head ${head}: every row is empty`;
  return `model vs lab · head ${head}: mean JS ${formatValue(d)} nats`;
}
