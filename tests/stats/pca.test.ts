/** SPEC §6 Geometry: the 2-D PCA of the joint query/key set, deterministic in sign. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pca2, principalPlane } from '../../src-shared/stats';
import { Rng } from '../../src-shared/random';

describe('pca2', () => {
  it('points on a line in 3-D: axis 1 is the line, axis 2 is zero', () => {
    // x_t = t·(1, 2, 2)/3 for t = −2..2: centred, unit direction (1, 2, 2)/3 (largest entry positive)
    const pts = [-2, -1, 0, 1, 2].flatMap((t) => [t / 3, (2 * t) / 3, (2 * t) / 3]);
    const plane = principalPlane(pts, 5, 3);
    expect(Array.from(plane.axes.subarray(0, 3)).map((x) => x * 3)).toEqual([1, 2, 2].map((x) => expect.closeTo(x, 9)));
    expect(Array.from(plane.axes.subarray(3))).toEqual([0, 0, 0]);
    const c = pca2(pts, 5, 3);
    expect(Array.from(c)).toEqual([-2, 0, -1, 0, 0, 0, 1, 0, 2, 0].map((x) => expect.closeTo(x, 9)));
    // variance along the line: mean of t² = (4 + 1 + 0 + 1 + 4)/5 = 2
    expect(plane.variances[0]).toBeCloseTo(2, 9);
  });

  it('a rectangle of points: the long side is axis 1, the short side axis 2', () => {
    // corners (±3, ±1): covariance diag(9, 1) → axes e₁ and e₂, coordinates the points themselves
    const pts = [3, 1, -3, 1, -3, -1, 3, -1];
    expect(Array.from(pca2(pts, 4, 2))).toEqual(pts.map((x) => expect.closeTo(x, 9)));
  });

  it('the sign is deterministic: the largest-|component| entry of each axis is positive', () => {
    const pts = [-3, -1, 3, 1, -3, 1, 3, -1].map((x) => -x);
    const { axes } = principalPlane(pts, 4, 2);
    expect(axes[0]).toBeCloseTo(1, 9);
    expect(axes[3]).toBeCloseTo(1, 9);
  });

  it('identical points (no variance) give all-zero coordinates, no NaN', () => {
    expect(Array.from(pca2([1, 2, 1, 2, 1, 2], 3, 2))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('agrees with numpy’s eigendecomposition of the covariance on anisotropic Gaussian data', () => {
    const rng = new Rng(9, 'test/pca');
    const n = 40;
    const d = 5;
    const scales = [4, 2, 1, 0.5, 0.25];
    const pts = Array.from({ length: n * d }, (_, x) => rng.gaussian() * scales[x % d] + (x % d));
    const script = String.raw`
import json, sys
import numpy as np
P = json.load(sys.stdin)
X = np.array(P['points']).reshape(P['n'], P['d'])
Xc = X - X.mean(0)
vals, vecs = np.linalg.eigh(Xc.T @ Xc / P['n'])
axes = vecs[:, ::-1][:, :2].T
for a in axes:
    if a[np.argmax(np.abs(a))] < 0:
        a *= -1
json.dump({'coords': (Xc @ axes.T).ravel().tolist(), 'variances': vals[::-1][:2].tolist()}, sys.stdout)
`;
    const ref = JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify({ points: pts, n, d }), encoding: 'utf8' }));
    const ours = pca2(pts, n, d);
    for (let x = 0; x < ours.length; x++) expect(ours[x]).toBeCloseTo(ref.coords[x], 7);
    const { variances } = principalPlane(pts, n, d);
    expect(variances[0]).toBeCloseTo(ref.variances[0], 9);
    expect(variances[1]).toBeCloseTo(ref.variances[1], 9);
  });

  it('a wrong number of values is an error', () => {
    expect(() => pca2([1, 2, 3], 2, 2)).toThrow(/expected 2×2/);
  });
});
