/**
 * Two-dimensional PCA for the experiment that draws one query in the plane: queries and keys (and later outputs) are drawn
 * in the plane of the joint set's two largest principal components.
 *
 * Method: power iteration on the covariance C = XcᵀXc / n (population), applied as
 * Xcᵀ(Xc v)/n so that C (d × d) is never formed; the second axis is found the same way
 * with the first projected out (deflation). The start vector comes from a fixed seeded
 * stream, and each axis is given the sign that makes its largest-|component| entry
 * positive (ties to the lower index), so the same points always give the same picture.
 */
import { Rng } from '../random';

export interface PrincipalPlane {
  /** the mean of the points (length d); coordinates are of the centred points */
  mean: Float64Array;
  /** 2 × d row-major: axis 1 then axis 2, unit length, or all zero where the points have no variance left */
  axes: Float64Array;
  /** the variance along each axis (the covariance eigenvalues), descending */
  variances: [number, number];
}

const MAX_ITERATIONS = 10_000;
const CONVERGED = 1e-12;
/** a remaining variance this small relative to the total is rounding noise, not a direction */
const NO_VARIANCE = 1e-12;

/** The 2-D coordinates of `n` points of width `d` (row-major), as n × 2 row-major. */
export function pca2(points: ArrayLike<number>, n: number, d: number): Float64Array {
  return projectOnto(principalPlane(points, n, d), points, n, d);
}

/** The mean and the top-2 principal axes of `n` points of width `d`, row-major. */
export function principalPlane(points: ArrayLike<number>, n: number, d: number): PrincipalPlane {
  if (points.length !== n * d) throw new Error(`PCA got ${points.length} values, expected ${n}×${d} = ${n * d}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c] += points[i * d + c] / n;
  const centred = new Float64Array(n * d);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) {
      centred[i * d + c] = points[i * d + c] - mean[c];
      total += centred[i * d + c] ** 2 / Math.max(n, 1);
    }
  }
  const applyCovariance = (v: Float64Array): Float64Array => {
    const out = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      let proj = 0;
      for (let c = 0; c < d; c++) proj += centred[i * d + c] * v[c];
      for (let c = 0; c < d; c++) out[c] += (centred[i * d + c] * proj) / n;
    }
    return out;
  };
  const axes = new Float64Array(2 * d);
  const first = topEigenvector(applyCovariance, d, [], total);
  const second = topEigenvector(applyCovariance, d, [first.vector], total);
  axes.set(first.vector, 0);
  axes.set(second.vector, d);
  return { mean, axes, variances: [first.value, second.value] };
}

/** Coordinates of `n` points of width `d` in a principal plane, as n × 2 row-major. */
export function projectOnto(plane: PrincipalPlane, points: ArrayLike<number>, n: number, d: number): Float64Array {
  const coords = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < 2; a++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += (points[i * d + c] - plane.mean[c]) * plane.axes[a * d + c];
      coords[i * 2 + a] = s;
    }
  }
  return coords;
}

function topEigenvector(apply: (v: Float64Array) => Float64Array, d: number, found: Float64Array[], totalVariance: number): { vector: Float64Array; value: number } {
  const zero = { vector: new Float64Array(d), value: 0 };
  if (d === 0 || !(totalVariance > 0)) return zero;
  const rng = new Rng(0, 'stats/pca2');
  let v: Float64Array = new Float64Array(d);
  for (let c = 0; c < d; c++) v[c] = rng.gaussian();
  if (!(normaliseInPlace(orthogonaliseInPlace(v, found)) > 0)) return zero;
  let value = 0;
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    // re-orthogonalising every step keeps rounding from pulling axis 2 back to axis 1
    const w = orthogonaliseInPlace(apply(v), found);
    value = dotProduct(v, w);
    // ‖Cv‖ at rounding level: the points have no variance left outside the axes found
    if (!(normaliseInPlace(w) > NO_VARIANCE * totalVariance)) return zero;
    let change = 0;
    for (let c = 0; c < d; c++) change += (w[c] - v[c]) ** 2;
    v = w;
    if (Math.sqrt(change) < CONVERGED) break;
  }
  if (value <= NO_VARIANCE * totalVariance) return zero;
  return { vector: withDeterministicSign(v), value };
}

function dotProduct(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let c = 0; c < a.length; c++) s += a[c] * b[c];
  return s;
}

function orthogonaliseInPlace(v: Float64Array, found: Float64Array[]): Float64Array {
  for (const u of found) {
    const p = dotProduct(v, u);
    for (let c = 0; c < v.length; c++) v[c] -= p * u[c];
  }
  return v;
}

/** scales v to unit length and returns its former norm (0, leaving v alone, when it has no direction) */
function normaliseInPlace(v: Float64Array): number {
  const norm = Math.sqrt(dotProduct(v, v));
  if (!(norm > 0) || !Number.isFinite(norm)) return 0;
  for (let c = 0; c < v.length; c++) v[c] /= norm;
  return norm;
}

/** flip v so that its largest-|component| entry (lowest index on ties) is positive */
function withDeterministicSign(v: Float64Array): Float64Array {
  let big = 0;
  for (let c = 1; c < v.length; c++) if (Math.abs(v[c]) > Math.abs(v[big])) big = c;
  if (v[big] < 0) for (let c = 0; c < v.length; c++) v[c] = -v[c];
  return v;
}
