/**
 * A set of points drawn in the plane: as they are when they have two coordinates or fewer,
 * else on the two principal axes of the set, with each axis's share of the variance and a
 * projector for more points of the same width.
 */
import { type Matrix } from '../linalg/matrix';
import { principalPlane, projectOnto } from './pca';

export type Point = [number, number];

/** Per-column variance of n points of width d (population). */
function columnVariances(data: ArrayLike<number>, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c] += data[i * d + c] / n;
  const out = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) out[c] += (data[i * d + c] - mean[c]) ** 2 / n;
  return out;
}

export function rawPoints(m: Matrix): Point[] {
  return Array.from({ length: m.rows }, (_, i): Point => [m.data[i * m.cols], m.cols > 1 ? m.data[i * m.cols + 1] : 0]);
}

function pairs(coords: Float64Array): Point[] {
  return Array.from({ length: coords.length / 2 }, (_, i): Point => [coords[2 * i], coords[2 * i + 1]]);
}

/** The 2-D picture of a set of points: raw when d ≤ 2, else PCA; plus a projector for more points of the same width. */
export function plane(points: Float32Array, n: number, d: number): { project: (m: Matrix) => Point[]; explained: [number, number]; projected: boolean } {
  const variances = columnVariances(points, n, d);
  const total = variances.reduce((a, b) => a + b, 0);
  if (d <= 2) {
    const explained: [number, number] = total > 0 ? [variances[0] / total, d > 1 ? variances[1] / total : 0] : [0, 0];
    return { project: rawPoints, explained, projected: false };
  }
  const p = principalPlane(points, n, d);
  return {
    project: (m) => pairs(projectOnto(p, m.data, m.rows, m.cols)),
    explained: total > 0 ? [p.variances[0] / total, p.variances[1] / total] : [0, 0],
    projected: true,
  };
}
