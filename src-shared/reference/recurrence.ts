/**
 * The float64 reference for recurrences: the implicit matrix A of one head built straight
 * from docs/semantics.md's matrix formulas (whole T × T, for clarity: tests only use it at
 * small T). The engine computes the same rows another way (src-shared/recurrence/rows.ts);
 * for the delta rule the two share nothing but the inputs — here A = (QKᵀ ⊙ M)·Tβ with Tβ
 * from a forward substitution, there the u_j recurrence.
 */
import type { AttentionProblem } from '../job/problem';
import { decayScale, EMPTY_DENOMINATOR, featureMap, featureWidth, headBlock, logDecay } from '../recurrence/features';

export interface ImplicitMatrix {
  /** T × T, row-major, zero above the diagonal */
  A: Float64Array;
  /** linear only: 1 for a row whose denominator is empty (its row of A is 0) */
  empty: Uint8Array;
}

const dot = (x: Float64Array, i: number, y: Float64Array, j: number, w: number): number => {
  let s = 0;
  for (let c = 0; c < w; c++) s += x[i * w + c] * y[j * w + c];
  return s;
};

export function implicitMatrix(problem: AttentionProblem, h: number): ImplicitMatrix {
  const rec = problem.recurrence;
  if (!rec) throw new Error('implicitMatrix needs a problem with a recurrence');
  const T = problem.k.rows;
  const d = problem.q.cols / problem.heads;
  const q = headBlock(problem.q, h, d);
  const k = headBlock(problem.k, h, d);
  const A = new Float64Array(T * T);
  const empty = new Uint8Array(T);
  switch (rec.id) {
    case 'linear': {
      // A_ij = φ(q_i)·φ(k_j) / Σ_{l≤i} φ(q_i)·φ(k_l)
      const m = featureWidth(rec, h, d);
      const fq = featureMap(rec, h, q, T, d);
      const fk = featureMap(rec, h, k, T, d);
      for (let i = 0; i < T; i++) {
        let den = 0;
        for (let j = 0; j <= i; j++) den += dot(fq, i, fk, j, m);
        if (rec.normalize && Math.abs(den) < EMPTY_DENOMINATOR) {
          empty[i] = 1;
          continue;
        }
        for (let j = 0; j <= i; j++) A[i * T + j] = dot(fq, i, fk, j, m) / (rec.normalize ? den : 1);
      }
      break;
    }
    case 'retention':
    case 'selective': {
      // A_ij = c·(q_i·k_j)·D_ij, D_ij = γ^(i−j) or Π_{l=j+1..i} a_l (read off exp(c_i − c_j))
      const c = logDecay(rec, h, T);
      const scale = decayScale(rec, d);
      for (let i = 0; i < T; i++) {
        for (let j = 0; j <= i; j++) A[i * T + j] = scale * dot(q, i, k, j, d) * Math.exp(c[i] - c[j]);
      }
      break;
    }
    case 'delta': {
      // Tβ = (I + diag(β)·tril(KKᵀ, −1))⁻¹·diag(β), solved row by row (the system is unit lower triangular)
      const X = new Float64Array(T * T);
      for (let i = 0; i < T; i++) {
        const b = rec.beta[i];
        X[i * T + i] = b;
        for (let l = 0; l < i; l++) {
          const kk = b * dot(k, i, k, l, d);
          if (kk === 0) continue;
          for (let j = 0; j <= l; j++) X[i * T + j] -= kk * X[l * T + j];
        }
      }
      // A = (QKᵀ ⊙ M)·Tβ
      for (let i = 0; i < T; i++) {
        for (let l = 0; l <= i; l++) {
          const s = dot(q, i, k, l, d);
          for (let j = 0; j <= l; j++) A[i * T + j] += s * X[l * T + j];
        }
      }
      break;
    }
  }
  return { A, empty };
}
