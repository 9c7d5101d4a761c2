/**
 * Jensen–Shannon divergence between two rows of attention weights, in nats:
 * JS(p, q) = ½ KL(p ‖ m) + ½ KL(q ‖ m) with m = (p + q)/2. It is finite even where one row
 * puts weight on a key the other blocks (that is why Compare uses it rather than KL), and
 * lies in [0, ln 2].
 */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new Error(`Jensen–Shannon needs rows of equal length, got ${p.length} and ${q.length}`);
  let js = 0;
  for (let j = 0; j < p.length; j++) {
    const m = (p[j] + q[j]) / 2;
    // 0·ln(0/m) = 0; where p_j > 0, m > 0 too, so no division by zero
    if (p[j] > 0) js += 0.5 * p[j] * Math.log(p[j] / m);
    if (q[j] > 0) js += 0.5 * q[j] * Math.log(q[j] / m);
  }
  // exact arithmetic gives JS ≥ 0; only rounding could take it below
  return Math.max(0, js);
}

/**
 * How far the lab's weights lie from a model's own pattern (a capture's; docs/semantics.md
 * "Captures"), per head: the mean over rows of JS(lab row, model row), in nats. `weights` is
 * a result's heads × Tq × Tk; `pattern` the model's, every head of the layer, of which
 * `heads[h]` is the model head behind result head h. A row the lab leaves empty (no visible
 * key: its weights are all 0, not a distribution) is skipped, so it neither adds to nor
 * dilutes the mean; so is a row flagged in `notDistribution` (heads × Tq: a recurrence's row
 * of A with a negative weight or a sum away from 1, where JS is undefined). A head with no
 * row left gets null.
 */
export function modelDivergence(
  weights: Float32Array,
  pattern: Float32Array,
  heads: readonly number[],
  Tq: number,
  Tk: number,
  emptyRows: readonly (readonly number[])[],
  notDistribution?: Uint8Array,
): (number | null)[] {
  return heads.map((modelHead, h) => {
    const empty = new Set(emptyRows[h]);
    let sum = 0;
    let rows = 0;
    for (let i = 0; i < Tq; i++) {
      if (empty.has(i) || notDistribution?.[h * Tq + i]) continue;
      const lab = weights.subarray((h * Tq + i) * Tk, (h * Tq + i + 1) * Tk);
      const model = pattern.subarray((modelHead * Tq + i) * Tk, (modelHead * Tq + i + 1) * Tk);
      sum += jensenShannon(lab, model);
      rows++;
    }
    return rows > 0 ? sum / rows : null;
  });
}
