/**
 * ln Σ exp(x), computed as m + ln Σ exp(x − m) with m the maximum, so that large scores do
 * not overflow. An empty list or one of all −∞ (a fully blocked row) gives −∞; +∞ gives +∞.
 */
export function logSumExp(values: ArrayLike<number>): number {
  let m = -Infinity;
  for (let j = 0; j < values.length; j++) if (values[j] > m) m = values[j];
  if (m === -Infinity || m === Infinity) return m;
  let s = 0;
  for (let j = 0; j < values.length; j++) s += Math.exp(values[j] - m);
  return m + Math.log(s);
}
