/** The k largest entries of a row, in a fixed order that every backend can reproduce. */
export interface TopK {
  /** key indices, descending by value, ties to the lower index; −1 past the candidates */
  indices: Int32Array;
  /** the values at those indices; 0 past the candidates */
  values: Float64Array;
}

/**
 * The `k` largest entries of `values` among the candidates, descending, ties to the lower
 * index. When there are fewer than `k` candidates the remaining slots are index −1, value 0.
 *
 * `candidates` (one entry per value, truthy = candidate) is normally the row's visibility.
 * Without it the positive entries are the candidates, which is right for a weights row whose
 * blocked keys are 0 — but pass the visibility for sparsemax rows, whose visible keys may
 * have weight exactly 0, and always for score rows, which may be negative.
 */
export function topK(values: ArrayLike<number>, k: number, candidates?: ArrayLike<number | boolean>): TopK {
  if (!Number.isInteger(k) || k < 0) throw new Error(`top-k needs a whole number k ≥ 0, got ${k}`);
  if (candidates && candidates.length !== values.length) {
    throw new Error(`top-k got ${values.length} values but ${candidates.length} candidate flags`);
  }
  const pool: number[] = [];
  for (let j = 0; j < values.length; j++) {
    if (candidates ? candidates[j] : values[j] > 0) pool.push(j);
  }
  // a stable total order: larger value first, then the lower index
  pool.sort((a, b) => values[b] - values[a] || a - b);
  const indices = new Int32Array(k).fill(-1);
  const picked = new Float64Array(k);
  for (let r = 0; r < Math.min(k, pool.length); r++) {
    indices[r] = pool[r];
    picked[r] = values[pool[r]];
  }
  return { indices, values: picked };
}
