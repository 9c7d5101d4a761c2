/** SPEC §2 / docs/semantics.md: each score function's formula, checked on numbers worked out by hand. */
import { describe, expect, it } from 'vitest';
import * as s from '../../src-shared/reference/scores';
import { referenceAttention } from '../../src-shared/reference';
import { Rng } from '../../src-shared/random';
import { problem } from './helpers';

const f64 = (xs: number[]) => Float64Array.from(xs);
const q = [1, 2];
const k = [3, -1];

describe('score functions s(q, k) for q = (1, 2), k = (3, −1)', () => {
  it('dot: c·q·k = 0.5·(3 − 2) = 0.5', () => {
    expect(s.dotScore({ id: 'dot', c: 0.5 }, 0, q, k)).toBe(0.5);
  });

  it('cosine: q·k/((‖q‖+ε)(‖k‖+ε))/τ = 1/(√5·√10) = 1/√50 at τ = 1, doubled at τ = 0.5', () => {
    expect(s.cosineScore({ id: 'cosine', tau: 1 }, 0, q, k)).toBeCloseTo(1 / Math.sqrt(50), 9);
    expect(s.cosineScore({ id: 'cosine', tau: 0.5 }, 0, q, k)).toBeCloseTo(2 / Math.sqrt(50), 9);
  });

  it('cosine of a zero vector is 0, not NaN (the ε in the denominator)', () => {
    expect(s.cosineScore({ id: 'cosine', tau: 1 }, 0, [0, 0], k)).toBe(0);
  });

  it('rbf: −‖q−k‖²/(2τ²) = −((−2)² + 3²)/2 = −6.5', () => {
    expect(s.rbfScore({ id: 'rbf', tau: 1 }, 0, q, k)).toBe(-6.5);
  });

  it('laplacian: −‖q−k‖₁/τ = −(2 + 3)/2 = −2.5 at τ = 2', () => {
    expect(s.laplacianScore({ id: 'laplacian', tau: 2 }, 0, q, k)).toBe(-2.5);
  });

  it('euclidean: −‖q−k‖₂/τ = −√13', () => {
    expect(s.euclideanScore({ id: 'euclidean', tau: 1 }, 0, q, k)).toBeCloseTo(-Math.sqrt(13), 12);
  });

  it('mahalanobis: −(q−k)ᵀM(q−k)/(2τ²) with M = diag(2, 1): −(2·4 + 9)/2 = −8.5, using the head’s own M', () => {
    const metric = { id: 'mahalanobis' as const, tau: 1, M: [f64([1, 0, 0, 1]), f64([2, 0, 0, 1])] };
    expect(s.mahalanobisScore(metric, 1, q, k)).toBe(-8.5);
    expect(s.mahalanobisScore(metric, 0, q, k)).toBe(-6.5);
  });

  it('polynomial: (a·q·k + r)^p/τ = (0.5·1 + 1)³/2 = 1.6875', () => {
    expect(s.polynomialScore({ id: 'polynomial', a: 0.5, r: 1, p: 3, tau: 2 }, 0, q, k)).toBe(1.6875);
  });

  it('bilinear: qᵀWk/τ with W 2×3 and a key of width 3: Wk = (−2, −2), q·Wk = −6, /2 = −3', () => {
    const metric = { id: 'bilinear' as const, tau: 2, W: [f64([1, 2, 3, 4, 5, 6])] };
    expect(s.bilinearScore(metric, 0, q, [1, 0, -1])).toBe(-3);
  });

  it('bilinear is not symmetric: qᵀWk ≠ kᵀWq for W = [[0,1],[0,0]]', () => {
    const metric = { id: 'bilinear' as const, tau: 1, W: [f64([0, 1, 0, 0])] };
    // qᵀWk = q₀k₁ = 1·(−1) = −1;  kᵀWq = k₀q₁ = 3·2 = 6
    expect(s.bilinearScore(metric, 0, q, k)).toBe(-1);
    expect(s.bilinearScore(metric, 0, k, q)).toBe(6);
  });

  it('additive: vᵀtanh(Aq q + Ak k)/τ = tanh(1) − tanh(2) ≈ −0.2024334 with dq = 2, dk = 3, m = 2', () => {
    const metric = {
      id: 'additive' as const,
      tau: 1,
      m: 2,
      Aq: [f64([1, 0, 0, 1])], // Aq q = (1, 2); tanh(1) = 0.7615942, tanh(2) = 0.9640276
      Ak: [f64([1, 1, 1, 0, 0, 0])], // Ak k = (1 + 0 − 1, 0) = (0, 0)
      v: [f64([1, -1])],
    };
    expect(s.additiveScore(metric, 0, q, [1, 0, -1])).toBeCloseTo(Math.tanh(1) - Math.tanh(2), 12);
    expect(s.additiveScore(metric, 0, q, [1, 0, -1])).toBeCloseTo(-0.2024334, 7);
  });

  it('gat: LeakyReLU₀.₂(aqᵀq + akᵀk)/τ: 3 + 1 = 4 stays, 3 − 5 = −2 becomes −0.4', () => {
    const base = { id: 'gat' as const, tau: 1, slope: 0.2, aq: [f64([1, 1])] };
    expect(s.gatScore({ ...base, ak: [f64([1, 0, 0])] }, 0, q, [1, 0, -1])).toBe(4);
    expect(s.gatScore({ ...base, ak: [f64([-5, 0, 0])] }, 0, q, [1, 0, -1])).toBeCloseTo(-0.4, 15);
  });

  it('hamming: (b − 2·hamming(sign Rq, sign Rk))/(b·τ) is the sign agreement of SimHash codes', () => {
    // R rows (1,0), (0,1), (1,1), (1,−1); b = 4
    const metric = { id: 'hamming' as const, tau: 1, bits: 4, R: [f64([1, 0, 0, 1, 1, 1, 1, -1])] };
    // Rq = (1, 2, 3, −1) → + + + −;  k = (3, −1): Rk = (3, −1, 2, 4) → + − + +
    // agree on bits 1, 3; differ on 2, 4: hamming 2 → (4 − 4)/4 = 0 (two agree − two disagree)
    expect(s.hammingScore(metric, 0, q, k)).toBe(0);
    // k = (1, 1): Rk = (1, 1, 2, 0) → + + + + (a zero projection counts as +): hamming 1 → (4 − 2)/4 = 0.5
    expect(s.hammingScore(metric, 0, q, [1, 1])).toBe(0.5);
    // the same code scores 1/τ
    expect(s.hammingScore({ ...metric, tau: 0.5 }, 0, q, q)).toBe(2);
  });

  it('score() dispatches on the metric id', () => {
    expect(s.score({ id: 'rbf', tau: 1 }, 0, q, k)).toBe(-6.5);
    expect(s.score({ id: 'dot', c: 2 }, 0, q, k)).toBe(2);
  });
});

describe('score functions agree where the SPEC says they coincide', () => {
  it('mahalanobis with M = identity equals rbf', () => {
    const rng = new Rng(3, 'test/mahalanobis');
    const rows = (n: number) => Array.from({ length: n }, () => Array.from({ length: 3 }, () => rng.gaussian()));
    const qs = rows(4);
    const ks = rows(6);
    const eye = f64([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const maha = referenceAttention(problem({ q: qs, k: ks, metric: { id: 'mahalanobis', tau: 0.7, M: [eye] } }));
    const rbf = referenceAttention(problem({ q: qs, k: ks, metric: { id: 'rbf', tau: 0.7 } }));
    for (let x = 0; x < rbf.scores.length; x++) expect(maha.scores[x]).toBeCloseTo(rbf.scores[x], 12);
    for (let x = 0; x < rbf.weights.length; x++) expect(maha.weights[x]).toBeCloseTo(rbf.weights[x], 12);
  });

  it('hamming with many bits approaches 1 − 2θ/π (SimHash is an LSH view of the angle θ)', () => {
    const bits = 4000;
    const R = new Float64Array(bits * 2);
    const rng = new Rng(5, 'test/simhash');
    for (let x = 0; x < R.length; x++) R[x] = rng.gaussian();
    // q and k at 60°: P(sign differs) = θ/π = 1/3, so the score → 1 − 2/3 = 1/3
    const score = s.hammingScore({ id: 'hamming', tau: 1, bits, R: [R] }, 0, [1, 0], [0.5, Math.sqrt(3) / 2]);
    expect(score).toBeGreaterThan(1 / 3 - 0.06);
    expect(score).toBeLessThan(1 / 3 + 0.06);
  });
});

describe('score function shape checks', () => {
  it('a metric that needs equal widths says so when dq ≠ dk', () => {
    expect(() => referenceAttention(problem({ q: [[1, 2]], k: [[1, 2, 3]], metric: { id: 'dot', c: 1 } }))).toThrow(
      /'dot' compares queries and keys of the same width, got 2 and 3/,
    );
  });

  it('a per-head parameter of the wrong size names the metric, the parameter and the head', () => {
    const W = [f64([1, 0, 0, 1]), f64([1, 0, 0])];
    expect(() => referenceAttention(problem({ q: [[1, 2, 3, 4]], heads: 2, metric: { id: 'bilinear', tau: 1, W } }))).toThrow(
      /bilinear: W of head 1 has 3 values, expected 2×2 = 4/,
    );
  });
});
