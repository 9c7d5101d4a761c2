/** SPEC §5: argmax (lowest index of the max) and the per-row top-k (descending, ties to the lower index). */
import { describe, expect, it } from 'vitest';
import { argmax, topK } from '../../src-shared/stats';

describe('argmax', () => {
  it('the lowest index among equal maxima', () => {
    expect(argmax([0.1, 0.4, 0.1, 0.4])).toBe(1);
    expect(argmax([3])).toBe(0);
    expect(argmax([-2, -1, -1])).toBe(1);
  });

  it('−1 for an empty array', () => {
    expect(argmax([])).toBe(-1);
  });
});

describe('topK', () => {
  it('descending, ties to the lower index', () => {
    const t = topK([0.1, 0.3, 0.2, 0.3, 0.1], 3);
    expect(Array.from(t.indices)).toEqual([1, 3, 2]);
    expect(Array.from(t.values)).toEqual([0.3, 0.3, 0.2]);
  });

  it('pads with index −1, value 0 when fewer than k entries are positive (blocked keys are 0)', () => {
    const t = topK([0, 0.6, 0, 0.4], 4);
    expect(Array.from(t.indices)).toEqual([1, 3, -1, -1]);
    expect(Array.from(t.values)).toEqual([0.6, 0.4, 0, 0]);
  });

  it('with the row visibility given, a visible key of weight 0 is listed and a blocked one is not', () => {
    const t = topK([0.75, 0, 0.25, 0], 4, [1, 1, 1, 0]);
    expect(Array.from(t.indices)).toEqual([0, 2, 1, -1]);
    expect(Array.from(t.values)).toEqual([0.75, 0.25, 0, 0]);
  });

  it('ranks negative scores too when candidates are given', () => {
    expect(Array.from(topK([-3, -1, -2], 2, [1, 1, 1]).indices)).toEqual([1, 2]);
  });

  it('k = 0 gives empty arrays; a bad k is refused', () => {
    expect(topK([1, 2], 0).indices.length).toBe(0);
    expect(() => topK([1, 2], -1)).toThrow(/whole number k/);
  });
});
