/** The lowest index among the maxima of `values`; −1 for an empty array. */
export function argmax(values: ArrayLike<number>): number {
  let best = -1;
  for (let j = 0; j < values.length; j++) {
    // strict > keeps the first (lowest) index on ties
    if (best < 0 || values[j] > values[best]) best = j;
  }
  return best;
}
