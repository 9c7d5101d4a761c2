/**
 * Geometry (SPEC §6): one query's attention drawn in the plane. The head's queries and keys
 * are projected together onto the two principal axes of their joint set (src-shared/stats
 * principalPlane); data that is already 2-D (or 1-D) is drawn as is. From the chosen query
 * an arrow goes to every key it gives weight to, and its output — Σ_j w_j v_j — is drawn as
 * the weighted centroid of the value points: the values are placed in the same plane when
 * they have the queries' width, in a PCA plane of their own otherwise. (Projection is
 * affine and the weights sum to 1, so the centroid of the projected values is the
 * projection of the output.)
 */
import { columnSlice, type Matrix } from '../linalg/matrix';
import { principalPlane, projectOnto } from '../stats';
import { checkQuery, copyTokens, ExperimentOptionError, resolveInput, rowOf, rowProblem, Runs } from './common';
import type { ExperimentContext, ExperimentInput, GeometryOptions, GeometryView } from './types';

type Point = [number, number];

/** Per-column variance of n points of width d (population). */
function columnVariances(data: ArrayLike<number>, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c] += data[i * d + c] / n;
  const out = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) out[c] += (data[i * d + c] - mean[c]) ** 2 / n;
  return out;
}

function rawPoints(m: Matrix): Point[] {
  return Array.from({ length: m.rows }, (_, i): Point => [m.data[i * m.cols], m.cols > 1 ? m.data[i * m.cols + 1] : 0]);
}

function pairs(coords: Float64Array): Point[] {
  return Array.from({ length: coords.length / 2 }, (_, i): Point => [coords[2 * i], coords[2 * i + 1]]);
}

/** The 2-D picture of a set of points: raw when d ≤ 2, else PCA; plus a projector for more points of the same width. */
function plane(points: Float32Array, n: number, d: number): { project: (m: Matrix) => Point[]; explained: [number, number]; projected: boolean } {
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

export async function runGeometry(ctx: ExperimentContext, input: ExperimentInput, options: GeometryOptions): Promise<GeometryView> {
  const head = options.head ?? 0;
  const problem = resolveInput(input, { outputs: ['weights', 'output'] });
  checkQuery(problem, options.query, head);
  const H = problem.heads;
  const dq = problem.q.cols / H;
  const dk = problem.k.cols / H;
  const dv = problem.v.cols / H;
  if (dq !== dk) throw new ExperimentOptionError('job.metric', `geometry draws queries and keys in one plane, so they need equal widths (here ${dq} and ${dk} per head)`);
  const q = columnSlice(problem.q, head * dq, dq);
  const k = columnSlice(problem.k, head * dk, dk);
  const v = columnSlice(problem.v, head * dv, dv);

  const joint = new Float32Array((q.rows + k.rows) * dq);
  joint.set(q.data, 0);
  joint.set(k.data, q.data.length);
  const qk = plane(joint, q.rows + k.rows, dq);
  let valuesPlane: GeometryView['valuesPlane'];
  let values: Point[];
  if (dv <= 2) {
    valuesPlane = 'raw';
    values = rawPoints(v);
  } else if (dv === dq) {
    valuesPlane = 'joint';
    values = qk.project(v);
  } else {
    valuesPlane = 'own';
    values = plane(v.data, v.rows, dv).project(v);
  }

  const runs = new Runs(ctx, 1);
  const r = await runs.run(rowProblem(problem, options.query));
  const w = rowOf(r.weights!, head, 0, 1, r.Tk);
  const arrows: GeometryView['arrows'] = [];
  const centroid: Point = [0, 0];
  for (let j = 0; j < w.length; j++) {
    if (!(w[j] > 0)) continue;
    arrows.push({ key: j, weight: w[j] });
    centroid[0] += w[j] * values[j][0];
    centroid[1] += w[j] * values[j][1];
  }
  return {
    projected: qk.projected,
    explained: qk.explained,
    queries: qk.project(q),
    keys: qk.project(k),
    arrows,
    values,
    centroid,
    query: options.query,
    head,
    valuesPlane,
    output: Float64Array.from(rowOf(r.output!, head, 0, 1, r.dv)),
    emptyRow: r.argmax[head] < 0,
    tokens: copyTokens(problem),
  };
}
