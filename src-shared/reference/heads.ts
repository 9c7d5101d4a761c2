/**
 * Splitting a matrix into heads: head h owns the contiguous columns [h·w, (h+1)·w) with
 * w = width / H. The reference works on each head's rows as float64 vectors (the float32
 * inputs convert exactly).
 */
import type { Matrix } from '../linalg/matrix';

/** width / heads, or an error that names the width and H. */
export function headWidth(width: number, heads: number, what: string): number {
  if (!(Number.isInteger(heads) && heads >= 1)) throw new Error(`the number of heads must be a whole number ≥ 1, got ${heads}`);
  if (width % heads !== 0) {
    throw new Error(`the ${what} width ${width} does not split into ${heads} heads (${width} is not divisible by ${heads})`);
  }
  return width / heads;
}

/** The rows of head h of `m` (columns [h·w, (h+1)·w)), each a float64 vector. */
export function headRows(m: Matrix, head: number, w: number): Float64Array[] {
  const rows: Float64Array[] = [];
  for (let i = 0; i < m.rows; i++) {
    rows.push(Float64Array.from(m.data.subarray(i * m.cols + head * w, i * m.cols + (head + 1) * w)));
  }
  return rows;
}
