/** SPEC §3 / docs/semantics.md: which keys each query may see, and that blocked keys get exactly 0. */
import { describe, expect, it } from 'vitest';
import { referenceAttention } from '../../src-shared/reference';
import type { ResolvedMask } from '../../src-shared/job/problem';
import { Rng } from '../../src-shared/random';
import { allowedWhere, graphAllowed, problem, rowOf, sum } from './helpers';

const rng = new Rng(11, 'test/masks');
const randomRows = (n: number, d: number) => Array.from({ length: n }, () => Array.from({ length: d }, () => rng.gaussian()));
const T = 7;
const X = randomRows(T, 3);

/** The set of keys with non-zero weight in each row of head 0 (softmax: exactly the visible ones). */
function supports(masks: ResolvedMask[], q = X, k = X): number[][] {
  const r = referenceAttention(problem({ q, k, masks }));
  return Array.from({ length: r.Tq }, (_, i) => rowOf(r.weights, 0, i, r.Tq, r.Tk).flatMap((w, j) => (w > 0 ? [j] : [])));
}

/** The keys a predicate lets row i see. */
const expected = (Tq: number, Tk: number, visible: (i: number, j: number) => boolean) =>
  Array.from({ length: Tq }, (_, i) => Array.from({ length: Tk }, (_, j) => j).filter((j) => visible(i, j)));

describe('SPEC §3 masks', () => {
  it('causal: rows are lower-triangular and each sums to one', () => {
    const r = referenceAttention(problem({ q: X, masks: [{ id: 'causal', offset: 0 }] }));
    for (let i = 0; i < T; i++) {
      const row = rowOf(r.weights, 0, i, T, T);
      for (let j = i + 1; j < T; j++) expect(row[j]).toBe(0);
      expect(sum(row)).toBeCloseTo(1, 14);
      expect(r.visible[i]).toBe(i + 1);
      for (let j = i + 1; j < T; j++) expect(r.scores[i * T + j]).toBe(-Infinity);
    }
  });

  it('causal with offset Tk − Tq: the queries are the last Tq positions of a decoding view', () => {
    // 2 queries over 4 keys, offset 2: query 0 is position 2 (sees 0..2), query 1 is position 3 (sees 0..3)
    expect(supports([{ id: 'causal', offset: 2 }], X.slice(0, 2), X.slice(0, 4))).toEqual([
      [0, 1, 2],
      [0, 1, 2, 3],
    ]);
  });

  it('masked keys get exactly 0 weight and a −∞ score', () => {
    const keep = Uint8Array.from([1, 0, 1, 1, 0, 1, 1]);
    const r = referenceAttention(problem({ q: X, masks: [{ id: 'padding', keep }] }));
    for (let i = 0; i < T; i++) {
      for (const j of [1, 4]) {
        expect(r.weights[i * T + j]).toBe(0);
        expect(r.scores[i * T + j]).toBe(-Infinity);
      }
      expect(sum(rowOf(r.weights, 0, i, T, T))).toBeCloseTo(1, 14);
    }
  });

  it('padding (trailing 2): the last two keys are invisible to every query', () => {
    const keep = Uint8Array.from({ length: T }, (_, j) => (j < T - 2 ? 1 : 0));
    expect(supports([{ id: 'padding', keep }])).toEqual(expected(T, T, (_i, j) => j < T - 2));
  });

  it('window: |i − j| ≤ w', () => {
    expect(supports([{ id: 'window', size: 2 }])).toEqual(expected(T, T, (i, j) => Math.abs(i - j) <= 2));
  });

  it('window + causal gives 0 ≤ i − j ≤ w', () => {
    const masks: ResolvedMask[] = [
      { id: 'causal', offset: 0 },
      { id: 'window', size: 2 },
    ];
    expect(supports(masks)).toEqual(expected(T, T, (i, j) => i - j >= 0 && i - j <= 2));
    expect(supports(masks)[5]).toEqual([3, 4, 5]);
  });

  it('dilated: (i − j) mod s = 0, in both directions', () => {
    expect(supports([{ id: 'dilated', stride: 3 }])[4]).toEqual([1, 4]);
    expect(supports([{ id: 'dilated', stride: 2 }])).toEqual(expected(T, T, (i, j) => Math.abs(i - j) % 2 === 0));
  });

  it('segments: only the same segment id (block-diagonal)', () => {
    const ids = Int32Array.from([0, 0, 0, 1, 1, 2, 2]);
    expect(supports([{ id: 'segments', queryIds: ids, keyIds: ids }])).toEqual([
      [0, 1, 2],
      [0, 1, 2],
      [0, 1, 2],
      [3, 4],
      [3, 4],
      [5, 6],
      [5, 6],
    ]);
  });

  it('graph: an undirected edge counts both ways, and self-loops are visible', () => {
    // path graph 0 — 1 — 2, node 3 isolated
    const allowed = graphAllowed(4, [
      [0, 1],
      [1, 2],
    ]);
    expect(supports([{ id: 'graph', allowed }], X.slice(0, 4), X.slice(0, 4))).toEqual([[0, 1], [0, 1, 2], [1, 2], [3]]);
  });

  it('graph: directed and without self-loops, an isolated node is an empty row', () => {
    const allowed = graphAllowed(
      3,
      [
        [0, 1],
        [1, 2],
      ],
      true,
      false,
    );
    const r = referenceAttention(problem({ q: X.slice(0, 3), masks: [{ id: 'graph', allowed }] }));
    expect(r.emptyRows[0]).toEqual([2]);
    expect(rowOf(r.weights, 0, 0, 3, 3)).toEqual([0, 1, 0]);
  });

  it('custom: the 0/1 matrix as given', () => {
    const allowed = allowedWhere(T, T, (i, j) => (i + j) % 3 === 0);
    expect(supports([{ id: 'custom', allowed }])).toEqual(expected(T, T, (i, j) => (i + j) % 3 === 0));
  });

  it('buckets: same SimHash code, with each head using its own R', () => {
    // head 0: 1 bit, R = (1, 0) → bucket by the sign of the first coordinate
    // head 1: 1 bit, R = (0, 1) → bucket by the sign of the second coordinate
    const pts = [
      [1, 1, 1, 1],
      [2, -1, 2, -1],
      [-1, 1, -1, 1],
      [-3, -2, -3, -2],
    ];
    const R = [Float64Array.from([1, 0]), Float64Array.from([0, 1])];
    const r = referenceAttention(problem({ q: pts, heads: 2, masks: [{ id: 'buckets', bits: 1, R }] }));
    const support = (h: number, i: number) => rowOf(r.weights, h, i, 4, 4).flatMap((w, j) => (w > 0 ? [j] : []));
    expect([0, 1, 2, 3].map((i) => support(0, i))).toEqual([
      [0, 1],
      [0, 1],
      [2, 3],
      [2, 3],
    ]);
    expect([0, 1, 2, 3].map((i) => support(1, i))).toEqual([
      [0, 2],
      [1, 3],
      [0, 2],
      [1, 3],
    ]);
  });

  it('masks combine by AND', () => {
    const keep = Uint8Array.from([1, 1, 0, 1, 1, 1, 1]);
    const masks: ResolvedMask[] = [
      { id: 'causal', offset: 0 },
      { id: 'padding', keep },
      { id: 'dilated', stride: 2 },
    ];
    expect(supports(masks)).toEqual(expected(T, T, (i, j) => j <= i && j !== 2 && (i - j) % 2 === 0));
  });
});

describe('SPEC §3 topk mask', () => {
  // 1-D keys so the dot scores with q = 1 are the keys themselves
  const keys = [[1], [3], [3], [2], [3]];

  it('keeps the k best-scoring keys, ties to the lower key index', () => {
    expect(supports([{ id: 'topk', k: 2 }], [[1]], keys)).toEqual([[1, 2]]);
    expect(supports([{ id: 'topk', k: 3 }], [[1]], keys)).toEqual([[1, 2, 4]]);
    expect(supports([{ id: 'topk', k: 4 }], [[1]], keys)).toEqual([[1, 2, 3, 4]]);
  });

  it('all-equal scores keep the lowest indices', () => {
    expect(supports([{ id: 'topk', k: 2 }], [[1]], [[5], [5], [5], [5]])).toEqual([[0, 1]]);
  });

  it('is applied after the other masks, whatever the stack order', () => {
    // causal, 3 queries over the first 3 keys (scores 1, 3, 3): row 0 sees {0}, row 1 {0, 1}, row 2 {0, 1, 2}.
    // top-2 of what is visible: {0}, {0, 1}, {1, 2}. Had topk run first on all keys ({1, 2}),
    // row 0 would have been left empty.
    const q = [[1], [1], [1]];
    const three = keys.slice(0, 3);
    const after = supports(
      [
        { id: 'causal', offset: 0 },
        { id: 'topk', k: 2 },
      ],
      q,
      three,
    );
    const before = supports(
      [
        { id: 'topk', k: 2 },
        { id: 'causal', offset: 0 },
      ],
      q,
      three,
    );
    expect(after).toEqual([[0], [0, 1], [1, 2]]);
    expect(before).toEqual(after);
  });

  it('several topk masks run in stack order, each on what the previous left', () => {
    expect(
      supports(
        [
          { id: 'topk', k: 3 },
          { id: 'topk', k: 1 },
        ],
        [[1]],
        keys,
      ),
    ).toEqual([[1]]);
  });

  it('k larger than the visible keys keeps them all', () => {
    expect(supports([{ id: 'topk', k: 10 }], [[1]], keys)).toEqual([[0, 1, 2, 3, 4]]);
  });
});

describe('mask parameter checks', () => {
  it('a padding vector of the wrong length names the mask', () => {
    expect(() => referenceAttention(problem({ q: X, masks: [{ id: 'padding', keep: new Uint8Array(3).fill(1) }] }))).toThrow(
      /mask 'padding': keep has 3 entries, expected one per key \(7\)/,
    );
  });

  it('a stride below 1 is refused', () => {
    expect(() => referenceAttention(problem({ q: X, masks: [{ id: 'dilated', stride: 0 }] }))).toThrow(/stride/);
  });
});
