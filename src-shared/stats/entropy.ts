/**
 * Entropy of one attention row and the two numbers derived from it. Nats throughout, with
 * the convention 0·ln 0 = 0 so that blocked keys (weight 0) contribute nothing.
 */

/** H = −Σ w ln w over the positive weights, in nats. An all-zero row has entropy 0. */
export function entropy(weights: ArrayLike<number>): number {
  let h = 0;
  for (let j = 0; j < weights.length; j++) {
    const w = weights[j];
    // 0·ln 0 = 0: skipping zeros is the convention, not an optimisation
    if (w > 0) h -= w * Math.log(w);
  }
  return h;
}

/**
 * H / ln(n), where n is the number of visible keys: 1 means uniform over what the row could
 * see. 0 when n ≤ 1, where there is no choice to measure.
 */
export function normalisedEntropy(H: number, n: number): number {
  return n <= 1 ? 0 : H / Math.log(n);
}

/** exp(H): the number of keys a uniform row with the same entropy would spread over. */
export function effectiveNeighbours(H: number): number {
  return Math.exp(H);
}
