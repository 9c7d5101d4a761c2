/**
 * Symmetric positive (semi-)definite matrices for the Mahalanobis metric: the checks that
 * turn a wrong user matrix into a clear error, and the inverse covariance of `whiten`.
 * Row-major float64, n × n.
 */

/** Lower-triangular L with A = L·Lᵀ, or null if A is not positive definite. */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(sum > 0)) return null;
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j];
      }
    }
  }
  return l;
}

/** Inverse of an SPD matrix through its Cholesky factor. */
export function inverseSpd(a: Float64Array, n: number): Float64Array | null {
  const l = cholesky(a, n);
  if (!l) return null;
  const inv = new Float64Array(n * n);
  const col = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    // solve L y = e_c, then Lᵀ x = y
    for (let i = 0; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= l[i * n + k] * col[k];
      col[i] = s / l[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = col[i];
      for (let k = i + 1; k < n; k++) s -= l[k * n + i] * inv[k * n + c];
      inv[i * n + c] = s / l[i * n + i];
    }
  }
  // symmetrise away rounding so the graph sees an exactly symmetric M
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const m = (inv[i * n + j] + inv[j * n + i]) / 2;
      inv[i * n + j] = m;
      inv[j * n + i] = m;
    }
  }
  return inv;
}

/** Why M is not a valid metric matrix, or null when it is symmetric PSD. */
export function psdProblem(m: Float64Array, n: number): string | null {
  let scale = 0;
  for (const x of m) {
    if (!Number.isFinite(x)) return 'has a non-finite entry';
    scale = Math.max(scale, Math.abs(x));
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (Math.abs(m[i * n + j] - m[j * n + i]) > 1e-6 * scale) {
        return `is not symmetric: M[${i}][${j}] = ${m[i * n + j]} but M[${j}][${i}] = ${m[j * n + i]}`;
      }
    }
  }
  // PSD test: Cholesky of M + tiny·I succeeds (a PSD matrix with zero eigenvalues passes)
  const shifted = Float64Array.from(m);
  for (let i = 0; i < n; i++) shifted[i * n + i] += 1e-9 * scale + 1e-300;
  return cholesky(shifted, n) ? null : 'is not positive semi-definite (it has a negative eigenvalue)';
}

/** The whitening metric of `docs/semantics.md`: (Σ + δI)⁻¹ of the rows of x (rows × n). */
export function inverseCovariance(x: ArrayLike<number>, rows: number, n: number): Float64Array {
  const mean = new Float64Array(n);
  for (let r = 0; r < rows; r++) for (let c = 0; c < n; c++) mean[c] += x[r * n + c] / rows;
  const cov = new Float64Array(n * n);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) {
      const di = x[r * n + i] - mean[i];
      for (let j = 0; j <= i; j++) cov[i * n + j] += (di * (x[r * n + j] - mean[j])) / rows;
    }
  }
  let trace = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) cov[j * n + i] = cov[i * n + j];
    trace += cov[i * n + i];
  }
  const delta = 1e-6 * (trace / n) + 1e-12;
  for (let i = 0; i < n; i++) cov[i * n + i] += delta;
  const inv = inverseSpd(cov, n);
  if (!inv) throw new Error('the key covariance could not be inverted');
  return inv;
}
