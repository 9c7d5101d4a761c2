/** A dense row-major float32 matrix: the lab's one in-memory tensor shape. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

export function matrix(rows: number, cols: number, data?: Float32Array): Matrix {
  const d = data ?? new Float32Array(rows * cols);
  if (d.length !== rows * cols) {
    throw new Error(`matrix data has ${d.length} values, expected ${rows}×${cols} = ${rows * cols}`);
  }
  return { rows, cols, data: d };
}

/** Columns [c0, c0+width) of every row, copied into a new matrix (a head's slice). */
export function columnSlice(m: Matrix, c0: number, width: number): Matrix {
  const out = new Float32Array(m.rows * width);
  for (let i = 0; i < m.rows; i++) {
    out.set(m.data.subarray(i * m.cols + c0, i * m.cols + c0 + width), i * width);
  }
  return { rows: m.rows, cols: width, data: out };
}

/** X·W with float64 accumulation, rounded once to float32. W is given row-major (rows = X.cols). */
export function matmul(x: Matrix, w: Matrix): Matrix {
  if (x.cols !== w.rows) throw new Error(`cannot multiply ${x.rows}×${x.cols} by ${w.rows}×${w.cols}`);
  const out = new Float32Array(x.rows * w.cols);
  const acc = new Float64Array(w.cols);
  for (let i = 0; i < x.rows; i++) {
    acc.fill(0);
    for (let k = 0; k < x.cols; k++) {
      const a = x.data[i * x.cols + k];
      if (a === 0) continue;
      const row = k * w.cols;
      for (let j = 0; j < w.cols; j++) acc[j] += a * w.data[row + j];
    }
    out.set(acc, i * w.cols);
  }
  return { rows: x.rows, cols: w.cols, data: out };
}
