import { describe, expect, it } from 'vitest';
import { Rng, gaussianMatrix, fnv1a32 } from '../../src-shared/random';

describe('seeded random numbers', () => {
  it('fnv1a32 matches the published test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('the same (seed, label) gives the same stream; another label another stream', () => {
    const a = gaussianMatrix(7, 'projection/q', 4, 4, 1);
    const b = gaussianMatrix(7, 'projection/q', 4, 4, 1);
    const c = gaussianMatrix(7, 'projection/k', 4, 4, 1);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('gaussians have mean ≈ 0 and std ≈ 1 over 200k draws', () => {
    const rng = new Rng(1, 'moments');
    let s = 0;
    let s2 = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const g = rng.gaussian();
      s += g;
      s2 += g * g;
    }
    const mean = s / n;
    const std = Math.sqrt(s2 / n - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(std - 1)).toBeLessThan(0.01);
  });

  it('uniforms lie in (0, 1]', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 10_000; i++) {
      const u = rng.uniform();
      expect(u > 0 && u <= 1).toBe(true);
    }
  });
});
