/**
 * The implicit matrix A of a recurrence, one row at a time (the engine's form): rows i in
 * [r0, r1) of head h, each handed to `onRow` as A_i0 … A_ii (the keys j ≤ i; the rest are
 * 0), never the T×T matrix. Linear, retention and selective rows are independent (O(i·d)
 * each). The delta rule's row i needs every earlier step: it keeps u_j = H_i⋯H_{j+1}·β_j·k_j
 * for each j ≤ i (H_t = I − β_t k_t k_tᵀ), so A_ij = q_i·u_j, and starts from row 0 whatever
 * r0 is (the planner gives it whole heads): O(T²·d) time, O(T·d) memory.
 *
 * The float64 reference (reference/recurrence.ts) builds A from docs/semantics.md's matrix
 * formulas instead (for the delta rule, the inverse in Tβ); the tests hold the two together.
 */
import type { AttentionProblem } from '../job/problem';
import { decayScale, EMPTY_DENOMINATOR, featureMap, featureWidth, headBlock, logDecay } from './features';
import { rowDots } from './kernels';

/** `row` holds A_i0 … A_ii (reused between calls: copy what you keep); `empty`: linear's zero denominator. */
export type RowSink = (i: number, row: Float64Array, empty: boolean) => void;

export function implicitRows(problem: AttentionProblem, h: number, r0: number, r1: number, onRow: RowSink): void {
  const rec = problem.recurrence;
  if (!rec) throw new Error('implicitRows needs a problem with a recurrence');
  const H = problem.heads;
  const d = problem.q.cols / H;
  const row = new Float64Array(r1);
  switch (rec.id) {
    case 'linear': {
      const m = featureWidth(rec, h, d);
      const fq = featureMap(rec, h, headBlock(problem.q, h, d, r0, r1), r1 - r0, d);
      const fk = featureMap(rec, h, headBlock(problem.k, h, d, 0, r1), r1, d);
      for (let i = r0; i < r1; i++) {
        rowDots(fq, (i - r0) * m, fk, i + 1, m, row);
        let den = 0;
        for (let j = 0; j <= i; j++) den += row[j];
        const empty = rec.normalize && Math.abs(den) < EMPTY_DENOMINATOR;
        if (empty) row.fill(0, 0, i + 1);
        else if (rec.normalize) for (let j = 0; j <= i; j++) row[j] /= den;
        onRow(i, row, empty);
      }
      return;
    }
    case 'retention':
    case 'selective': {
      const q = headBlock(problem.q, h, d, r0, r1);
      const k = headBlock(problem.k, h, d, 0, r1);
      const c = logDecay(rec, h, r1);
      const scale = decayScale(rec, d);
      for (let i = r0; i < r1; i++) {
        rowDots(q, (i - r0) * d, k, i + 1, d, row);
        for (let j = 0; j <= i; j++) row[j] *= scale * Math.exp(c[i] - c[j]);
        onRow(i, row, false);
      }
      return;
    }
    case 'delta': {
      const q = headBlock(problem.q, h, d, 0, r1);
      const k = headBlock(problem.k, h, d, 0, r1);
      const u = new Float64Array(r1 * d);
      for (let i = 0; i < r1; i++) {
        const b = rec.beta[i];
        const ki = i * d;
        let j = 0;
        // four u_j at a time (as kernels.ts): s = β_i·k_i·u_j, then u_j −= s·k_i and A_ij = q_i·u_j in one pass
        for (; j + 4 <= i; j += 4) {
          const u0 = j * d;
          const u1 = u0 + d;
          const u2 = u1 + d;
          const u3 = u2 + d;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          for (let e = 0; e < d; e++) {
            const ke = k[ki + e];
            s0 += ke * u[u0 + e];
            s1 += ke * u[u1 + e];
            s2 += ke * u[u2 + e];
            s3 += ke * u[u3 + e];
          }
          s0 *= b;
          s1 *= b;
          s2 *= b;
          s3 *= b;
          let a0 = 0;
          let a1 = 0;
          let a2 = 0;
          let a3 = 0;
          for (let e = 0; e < d; e++) {
            const ke = k[ki + e];
            const qe = q[ki + e];
            a0 += qe * (u[u0 + e] -= s0 * ke);
            a1 += qe * (u[u1 + e] -= s1 * ke);
            a2 += qe * (u[u2 + e] -= s2 * ke);
            a3 += qe * (u[u3 + e] -= s3 * ke);
          }
          row[j] = a0;
          row[j + 1] = a1;
          row[j + 2] = a2;
          row[j + 3] = a3;
        }
        for (; j < i; j++) {
          const uj = j * d;
          let s = 0;
          for (let e = 0; e < d; e++) s += k[ki + e] * u[uj + e];
          s *= b;
          let a = 0;
          for (let e = 0; e < d; e++) a += q[ki + e] * (u[uj + e] -= s * k[ki + e]);
          row[j] = a;
        }
        let a = 0;
        for (let e = 0; e < d; e++) {
          u[ki + e] = b * k[ki + e];
          a += q[ki + e] * u[ki + e];
        }
        row[i] = a;
        if (i >= r0) onRow(i, row, false);
      }
      return;
    }
  }
}
