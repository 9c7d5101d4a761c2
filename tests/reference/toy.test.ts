/**
 * SPEC §2 on the textbook 2-D toy: six keys in two clusters and a query near cluster A.
 * Each score function believes in a different geometry, and the toy shows how sharply each
 * one picks the query's own cluster.
 */
import { describe, expect, it } from 'vitest';
import { referenceAttention } from '../../src-shared/reference';
import { problem, sum } from './helpers';
import type { ResolvedMetric } from '../../src-shared/job/problem';

const clusterA = [
  [0.9, 0.1],
  [1.0, 0.0],
  [0.8, 0.2],
];
const clusterB = [
  [0.1, 0.9],
  [0.0, 1.0],
  [0.2, 0.8],
];
const keys = [...clusterA, ...clusterB];
const query = [[0.8, 0.15]];

function clusterAMass(metric: ResolvedMetric): number {
  const r = referenceAttention(problem({ q: query, k: keys, metric }));
  expect(sum(r.weights)).toBeCloseTo(1, 12);
  return sum(r.weights.subarray(0, 3));
}

describe('SPEC §2 score functions on two clusters', () => {
  it('dot (c = 1) puts 0.627148 of the weight on cluster A, as computed by hand', () => {
    // q·k:  A: 0.72+0.015 = 0.735, 0.8, 0.64+0.03 = 0.67      B: 0.08+0.135 = 0.215, 0.15, 0.16+0.12 = 0.28
    // exp:  A: 2.085482, 2.225541, 1.954237 → 6.265260         B: 1.239862, 1.161834, 1.323130 → 3.724826
    // mass A = 6.265260 / (6.265260 + 3.724826) = 6.265260 / 9.990086 = 0.627148
    // (the inputs are rounded to float32 first, which moves this by ~2e-10)
    expect(clusterAMass({ id: 'dot', c: 1 })).toBeCloseTo(0.627148, 6);
  });

  it('the default 1/sqrt(d) scale flattens dot further: less than 0.627 but still most on A', () => {
    const scaled = clusterAMass({ id: 'dot', c: 1 / Math.sqrt(2) });
    expect(scaled).toBeGreaterThan(0.5);
    expect(scaled).toBeLessThan(0.627148);
  });

  it('cosine at τ = 0.5 puts more on cluster A than dot, and rbf at τ = 0.5 more still', () => {
    // cosine/τ: A ≈ 1.994, 1.966, 1.996; B ≈ 0.583, 0.369, 0.834 → mass A ≈ 0.798
    // rbf: −‖q−k‖²/(2·0.25) = −2‖q−k‖²: A: −0.025, −0.125, −0.005; B: −2.105, −2.725, −1.565 → mass A ≈ 0.878
    const dot = clusterAMass({ id: 'dot', c: 1 });
    const cosine = clusterAMass({ id: 'cosine', tau: 0.5 });
    const rbf = clusterAMass({ id: 'rbf', tau: 0.5 });
    expect(cosine).toBeCloseTo(0.797712, 5);
    expect(rbf).toBeCloseTo(0.87798, 5);
    expect(dot).toBeLessThan(cosine);
    expect(cosine).toBeLessThan(rbf);
  });

  it('the output is the weighted centroid of the values, pulled towards cluster A', () => {
    const r = referenceAttention(problem({ q: query, k: keys, metric: { id: 'rbf', tau: 0.5 } }));
    // more weight on A (first coordinate large) than B
    expect(r.output[0]).toBeGreaterThan(r.output[1]);
    expect(r.argmax[0]).toBe(2); // (0.8, 0.2) is the nearest key: ‖q−k‖² = 0.0025
  });
});
