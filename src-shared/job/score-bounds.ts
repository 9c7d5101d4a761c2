/**
 * Scores the engine would compute beyond float32 (3.4e38), refused when the job is resolved:
 * after the data is known, before any engine run, naming the field to change. The catalogue's
 * ranges refuse a parameter that is absurd alone (τ < 1e-38: 1/τ is infinite in float32);
 * here the bound depends on the data, e.g. |q·k|/τ for a dot product scaled by 1/τ.
 *
 * Each bound is a true upper bound, from the largest vector lengths per head (Cauchy–Schwarz,
 * the triangle inequality, ‖M‖_F ≥ its largest eigenvalue), computed in float64 in O(T·d).
 * It covers the float32 intermediates the graphs form (src-shared/graph/scores): e.g. the
 * distances are taken from keys centred on their mean, so a vector is at most ‖q‖ + ‖k‖max
 * from the centre. The kernel and sparsemax normalisers sum a row of Tk scores, so for them
 * the bound is Tk × the largest score.
 */
import type { Matrix } from '../linalg/matrix';
import type { NormalizerId, PerHead, ResolvedMetric } from './problem';

export const FLOAT32_MAX = 3.4028234663852886e38;

/** The largest L2 and L1 length of any row, per head (columns [h·w, (h+1)·w)). */
function headNorms(m: Matrix, heads: number): { l2: number[]; l1: number[] } {
  const w = m.cols / heads;
  const l2 = new Array<number>(heads).fill(0);
  const l1 = new Array<number>(heads).fill(0);
  for (let i = 0; i < m.rows; i++) {
    for (let h = 0; h < heads; h++) {
      let s2 = 0;
      let s1 = 0;
      for (let j = i * m.cols + h * w, end = j + w; j < end; j++) {
        const x = m.data[j];
        s2 += x * x;
        s1 += Math.abs(x);
      }
      if (s2 > l2[h]) l2[h] = s2;
      if (s1 > l1[h]) l1[h] = s1;
    }
  }
  return { l2: l2.map(Math.sqrt), l1 };
}

const frobenius = (a: Float64Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));
const l1Norm = (a: Float64Array) => a.reduce((s, x) => s + Math.abs(x), 0);
const maxOver = (heads: number, f: (h: number) => number) => Math.max(...Array.from({ length: heads }, (_, h) => f(h)));
const perHeadNorm = (list: PerHead, norm: (a: Float64Array) => number) => (h: number) => norm(list[h]);

/** e.g. 1.0e+39, for messages */
const show = (x: number) => (x >= 1e6 || x < 1e-3 ? x.toExponential(1) : String(Number(x.toPrecision(3))));
/** x rounded up to 2 significant digits, so that the suggested value passes */
function roundUp(x: number): number {
  const e = Math.floor(Math.log10(x));
  const unit = 10 ** (e - 1);
  return Number((Math.ceil(x / unit) * unit).toPrecision(2));
}

export interface ScoreOverflow {
  field: string;
  problem: string;
}

/**
 * The first way this metric's scores could overflow float32 with these queries and keys, as
 * the field to change and the problem (with the smallest τ that fits), or null when they fit.
 */
export function scoreOverflow(
  metric: ResolvedMetric,
  q: Matrix,
  k: Matrix,
  heads: number,
  normalizer: NormalizerId,
  /** dot with scale "tau": its c is 1/τ, and the field to change is metric.tau */
  dotTau?: number,
): ScoreOverflow | null {
  const limit = normalizer === 'softmax' ? FLOAT32_MAX : FLOAT32_MAX / k.rows;
  const sums = normalizer === 'softmax' ? '' : ` (${normalizer} sums ${k.rows} of them, so each must stay under ${show(limit)})`;
  const qn = headNorms(q, heads);
  const kn = headNorms(k, heads);
  /** the largest |score| for τ = 1, or per unit of c; `power` is how τ enters (1/τ or 1/τ²) */
  let atUnit: number;
  let power = 1;
  let what: string;
  const tau = metric.id === 'dot' ? (dotTau ?? 1) : metric.tau;
  switch (metric.id) {
    case 'dot': {
      // c·q is formed first, then (c·q)·k: both stay under |c|·‖q‖·max(‖k‖, 1)
      const unit = maxOver(heads, (h) => qn.l2[h] * Math.max(kn.l2[h], 1));
      if (dotTau !== undefined) {
        atUnit = unit;
        what = `with these vectors |q·k| reaches ${show(unit)}`;
        break;
      }
      const bound = Math.abs(metric.c) * unit;
      if (bound <= limit) return null;
      return {
        field: 'metric.scale',
        problem: `with these vectors (‖q‖ up to ${show(maxOver(heads, (h) => qn.l2[h]))}, ‖k‖ up to ${show(maxOver(heads, (h) => kn.l2[h]))}) the scale ${show(metric.c)} lets dot scores reach ${show(bound)}, beyond float32 (3.4e38)${sums}; use a scale of at most ${show(limit / unit)} (with scale "tau": τ ≥ ${roundUp(unit / limit)})`,
      };
    }
    case 'cosine':
    case 'hamming':
      atUnit = 1;
      what = `${metric.id} scores are at most 1/τ`;
      break;
    case 'rbf':
    case 'euclidean':
    case 'mahalanobis': {
      // squared distances from centred vectors, times 1/(2τ²) (euclidean: 1/τ², then a square root)
      const reach = maxOver(heads, (h) => (qn.l2[h] + 2 * kn.l2[h]) ** 2 * (metric.id === 'mahalanobis' ? frobenius(metric.M[h]) : 1));
      atUnit = metric.id === 'euclidean' ? reach : reach / 2;
      power = 2;
      what = `with these vectors the scaled squared distances reach ${show(atUnit)}/τ²`;
      break;
    }
    case 'laplacian':
      atUnit = maxOver(heads, (h) => qn.l1[h] + kn.l1[h]);
      what = `with these vectors L1 distances reach ${show(atUnit)}`;
      break;
    case 'polynomial': {
      const base = Math.abs(metric.a) * maxOver(heads, (h) => qn.l2[h] * Math.max(kn.l2[h], 1)) + Math.abs(metric.r);
      const powered = base ** metric.p;
      if (powered > FLOAT32_MAX) {
        return { field: 'metric.p', problem: `with these vectors (a·q·k + r)^p can reach ${show(powered)}, beyond float32 (3.4e38); use a smaller p, a or r` };
      }
      // the 1/τ multiplies the powered value
      atUnit = powered;
      what = `with these vectors (a·q·k + r)^p reaches ${show(powered)}`;
      break;
    }
    case 'bilinear':
      // q·W/τ first, then times k
      atUnit = maxOver(heads, (h) => qn.l2[h] * frobenius(metric.W[h]) * Math.max(kn.l2[h], 1));
      what = `with these vectors |qᵀWk| reaches ${show(atUnit)}`;
      break;
    case 'additive':
      // |tanh| ≤ 1, so |vᵀ tanh(…)| ≤ ‖v‖₁
      atUnit = maxOver(heads, perHeadNorm(metric.v, l1Norm));
      what = `additive scores reach ${show(atUnit)}/τ`;
      break;
    case 'ranknet':
      // |uᵀ relu(W x + b)| ≤ ‖u‖·(‖W‖_F‖x‖ + ‖b‖), x = [q; k; q ⊙ k] with ‖q ⊙ k‖ ≤ ‖q‖‖k‖
      atUnit = maxOver(heads, (h) => {
        const x = Math.hypot(qn.l2[h], kn.l2[h], qn.l2[h] * kn.l2[h]);
        return frobenius(metric.u[h]) * (frobenius(metric.W[h]) * x + frobenius(metric.b[h]));
      });
      what = `with these vectors ranknet scores reach ${show(atUnit)}/τ`;
      break;
    case 'gat':
      atUnit = maxOver(heads, (h) => frobenius(metric.aq[h]) * qn.l2[h] + frobenius(metric.ak[h]) * kn.l2[h]);
      what = `with these vectors aqᵀq + akᵀk reaches ${show(atUnit)}`;
      break;
  }
  const bound = atUnit / tau ** power;
  if (bound <= limit) return null;
  const minTau = roundUp((atUnit / limit) ** (1 / power));
  return {
    field: 'metric.tau',
    problem: `${tau} makes scores overflow float32: ${what}, so they could reach ${show(bound)}, beyond 3.4e38${sums}; use τ ≥ ${minTau}`,
  };
}
