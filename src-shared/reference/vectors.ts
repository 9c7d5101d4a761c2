/**
 * The few float64 vector operations the score functions are written in. Plain loops over
 * ArrayLike<number> so that a formula in scores.ts reads like the line in docs/semantics.md.
 */
export type Vector = ArrayLike<number>;

function sameLength(a: Vector, b: Vector, what: string): void {
  if (a.length !== b.length) throw new Error(`${what} needs vectors of equal width, got ${a.length} and ${b.length}`);
}

/** a·b */
export function dot(a: Vector, b: Vector): number {
  sameLength(a, b, 'a dot product');
  let s = 0;
  for (let c = 0; c < a.length; c++) s += a[c] * b[c];
  return s;
}

/** ‖a‖₂ */
export function norm(a: Vector): number {
  return Math.sqrt(dot(a, a));
}

/** a − b */
export function difference(a: Vector, b: Vector): Float64Array {
  sameLength(a, b, 'a difference');
  const out = new Float64Array(a.length);
  for (let c = 0; c < a.length; c++) out[c] = a[c] - b[c];
  return out;
}

/** ‖a − b‖₂² */
export function squaredDistance(a: Vector, b: Vector): number {
  const diff = difference(a, b);
  return dot(diff, diff);
}

/** ‖a − b‖₁ */
export function manhattanDistance(a: Vector, b: Vector): number {
  const diff = difference(a, b);
  let s = 0;
  for (let c = 0; c < diff.length; c++) s += Math.abs(diff[c]);
  return s;
}

/** A·x for a row-major `rows × cols` matrix A. */
export function matVec(A: Vector, rows: number, cols: number, x: Vector): Float64Array {
  if (A.length !== rows * cols) throw new Error(`a ${rows}×${cols} matrix needs ${rows * cols} values, got ${A.length}`);
  if (x.length !== cols) throw new Error(`a ${rows}×${cols} matrix cannot multiply a vector of width ${x.length}`);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += A[r * cols + c] * x[c];
    out[r] = s;
  }
  return out;
}

/** xᵀ M x for a row-major `d × d` matrix M. */
export function quadraticForm(M: Vector, x: Vector): number {
  return dot(x, matVec(M, x.length, x.length, x));
}

/** sign(R x) as ±1, with sign(0) = +1 (docs/semantics.md: a zero projection counts as positive). */
export function signs(R: Vector, bits: number, x: Vector): Int8Array {
  const projected = matVec(R, bits, x.length, x);
  const out = new Int8Array(bits);
  for (let b = 0; b < bits; b++) out[b] = projected[b] >= 0 ? 1 : -1;
  return out;
}
