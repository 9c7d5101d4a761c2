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
