/**
 * Each recurrence run as what it is: an O(T) scan over a state (docs/semantics.md
 * "Recurrences"), giving the outputs o_t without ever forming A. Rows [r0, r1) of head h
 * (the scan itself always starts at t = 0). Float64 throughout; the result's `scanError`
 * is max |o_t − (A·V)_t|.
 *
 * - linear: S = Σ_j φ(k_j) v_jᵀ (m × dv), z = Σ_j φ(k_j); o_i = φ(q_i)ᵀS / φ(q_i)·z
 *   (φ(q_i)ᵀS without `normalize`; 0 where the denominator is empty)
 * - retention: S_t = γ_h S_{t−1} + k_t v_tᵀ, o_t = q_tᵀS_t/√d
 * - selective: S_t = a_t S_{t−1} + k_t v_tᵀ, o_t = q_tᵀS_t
 * - delta: S_t = S_{t−1} + β_t (v_t − S_{t−1}k_t) k_tᵀ, o_t = S_t q_t (kept here transposed,
 *   d × dv, so every form reads o_t = xᵀS)
 */
import type { AttentionProblem } from '../job/problem';
import { decayScale, EMPTY_DENOMINATOR, featureMap, featureWidth, headBlock } from './features';

export interface ScanRows {
  /** (r1 − r0) × dv outputs */
  output: Float64Array;
  /** linear only: 1 where the row's denominator is empty */
  empty: Uint8Array;
}

/** The scan's state before step `t`: S (m × dv, m = d or the feature width) and, for linear attention, z. */
export interface ScanState {
  t: number;
  S: Float64Array;
  z: Float64Array;
}

/**
 * Rows [r0, r1) of head h's scan outputs. The scan starts at t = 0, or at `from` (a state
 * saved by scanCheckpoints at some t ≤ r0) so a tile deep in a long sequence does not replay
 * every step before it; `save` (every `save.every` steps) collects such states on the way.
 */
export function scanRows(problem: AttentionProblem, h: number, r0: number, r1: number, from?: ScanState, save?: { every: number; into: ScanState[] }): ScanRows {
  const rec = problem.recurrence;
  if (!rec) throw new Error('scanRows needs a problem with a recurrence');
  const H = problem.heads;
  const d = problem.q.cols / H;
  const dv = problem.v.cols / H;
  const t0 = from?.t ?? 0;
  if (t0 > r0) throw new Error(`a scan resumed at step ${t0} cannot give row ${r0}`);
  const v = headBlock(problem.v, h, dv, t0, r1);
  const output = new Float64Array((r1 - r0) * dv);
  const empty = new Uint8Array(r1 - r0);
  let x = headBlock(problem.q, h, d, t0, r1);
  let k = headBlock(problem.k, h, d, t0, r1);
  let w = d;
  if (rec.id === 'linear') {
    w = featureWidth(rec, h, d);
    x = featureMap(rec, h, x, r1 - t0, d);
    k = featureMap(rec, h, k, r1 - t0, d);
  }
  const S = from ? Float64Array.from(from.S) : new Float64Array(w * dv);
  const z = from ? Float64Array.from(from.z) : new Float64Array(w);
  const sk = new Float64Array(dv);
  const scale = decayScale(rec, d);
  for (let t = t0; t < r1; t++) {
    if (save && t % save.every === 0) save.into.push({ t, S: Float64Array.from(S), z: Float64Array.from(z) });
    const kt = (t - t0) * w;
    const vt = (t - t0) * dv;
    if (rec.id === 'retention' || rec.id === 'selective') {
      const decay = rec.id === 'retention' ? rec.gammas[h] : rec.gates[h][t];
      for (let e = 0; e < S.length; e++) S[e] *= decay;
    }
    if (rec.id === 'delta') {
      // S ← S + β k (v − Sᵀk)ᵀ, with Sᵀk read before the update
      sk.fill(0);
      for (let e = 0; e < w; e++) for (let c = 0; c < dv; c++) sk[c] += k[kt + e] * S[e * dv + c];
      const b = rec.beta[t];
      for (let e = 0; e < w; e++) for (let c = 0; c < dv; c++) S[e * dv + c] += b * k[kt + e] * (v[vt + c] - sk[c]);
    } else {
      for (let e = 0; e < w; e++) {
        z[e] += k[kt + e];
        for (let c = 0; c < dv; c++) S[e * dv + c] += k[kt + e] * v[vt + c];
      }
    }
    if (t < r0) continue;
    const out = (t - r0) * dv;
    let den = 1;
    if (rec.id === 'linear' && rec.normalize) {
      den = 0;
      for (let e = 0; e < w; e++) den += x[kt + e] * z[e];
      if (Math.abs(den) < EMPTY_DENOMINATOR) {
        empty[t - r0] = 1;
        continue;
      }
    }
    for (let e = 0; e < w; e++) {
      const xe = x[kt + e] * scale;
      if (xe === 0) continue;
      for (let c = 0; c < dv; c++) output[out + c] += xe * S[e * dv + c];
    }
    if (den !== 1) for (let c = 0; c < dv; c++) output[out + c] /= den;
  }
  return { output, empty };
}

/** The scan's states before every `every`-th step of head h (t = 0, every, 2·every, …): one pass over the sequence. */
export function scanCheckpoints(problem: AttentionProblem, h: number, every: number): ScanState[] {
  const into: ScanState[] = [];
  scanRows(problem, h, problem.k.rows, problem.k.rows, undefined, { every, into });
  return into;
}
