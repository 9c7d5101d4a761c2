/**
 * The q/k transforms against numpy (tests/fixtures/transforms.json, written by
 * scripts/make-transform-fixtures.py from the formulas in docs/semantics.md): the reference's
 * own float64 implementation, the resolver's matrix implementation (what the engine is fed),
 * and whole problems resolved from a JobSpec and run by the reference.
 */
import { describe, expect, it } from 'vitest';
import { addSinusoidal, applyRope, geometricSlopes, quantizeMatrix, toBfloat16, toFloat16 } from '../../src-shared/job/transforms';
import { resolveJob } from '../../src-shared/job/resolve';
import { matrix, type Matrix } from '../../src-shared/linalg/matrix';
import { FIXTURE, fixtureJob } from './transform-fixture';
import { bfloat16RoundTrip, biasAt, float16RoundTrip, quantizeIntGroup, referenceAttention, ropeVector, sinusoidalVector } from '../../src-shared/reference';

const toMatrix = (rows: number[][]): Matrix => matrix(rows.length, rows[0].length, Float32Array.from(rows.flat()));
const worst = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('RoPE', () => {
  for (const c of FIXTURE.rope) {
    it(`${c.layout}, base ${c.base}, dims ${c.dims} of 8, offset ${c.offset}: the reference and the resolver give numpy's rotation`, () => {
      const x = toMatrix(FIXTURE.x);
      const w = x.cols / c.heads;
      const ref = FIXTURE.x.flatMap((row, t) =>
        Array.from({ length: c.heads }, (_, h) => Array.from(ropeVector(row.slice(h * w, (h + 1) * w).map(Math.fround), t + c.offset, c.base, c.dims, c.layout))).flat(),
      );
      expect(worst(ref, c.expected.flat())).toBeLessThan(1e-12);
      // the resolver rounds once to float32
      expect(worst(applyRope(x, c.heads, c, c.offset).data, c.expected.flat())).toBeLessThan(1e-6);
    });
  }

  it('keeps lengths and leaves the dimensions past `dims` as they were', () => {
    const x = toMatrix(FIXTURE.x);
    const y = applyRope(x, 2, { base: 100, layout: 'half', dims: 4 }, 3);
    for (let t = 0; t < x.rows; t++) {
      for (const c of [4, 5, 6, 7, 12, 13, 14, 15]) expect(y.data[t * 16 + c]).toBe(x.data[t * 16 + c]);
      const norm = (m: Matrix, from: number) => Math.hypot(...Array.from(m.data.subarray(t * 16 + from, t * 16 + from + 8)));
      expect(norm(y, 0)).toBeCloseTo(norm(x, 0), 5);
    }
  });

  it('scores depend only on the relative position: q_{p+s}·k_{p′+s} = q_p·k_{p′}', () => {
    const q = FIXTURE.x[0].slice(0, 8);
    const k = FIXTURE.x[1].slice(0, 8);
    const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
    for (const layout of ['half', 'interleaved'] as const) {
      const base = dot(ropeVector(q, 5, 10000, 8, layout), ropeVector(k, 2, 10000, 8, layout));
      expect(dot(ropeVector(q, 105, 10000, 8, layout), ropeVector(k, 102, 10000, 8, layout))).toBeCloseTo(base, 10);
    }
  });
});

describe('sinusoidal positions', () => {
  for (const c of FIXTURE.sinusoidal) {
    it(`d = ${c.d}, positions from ${c.offset}: PE(p, 2r) = sin(p/10000^(2r/d)), PE(p, 2r+1) = cos(…)`, () => {
      const ref = Array.from({ length: c.T }, (_, t) => Array.from(sinusoidalVector(t + c.offset, c.d))).flat();
      expect(worst(ref, c.expected.flat())).toBeLessThan(1e-12);
      const added = addSinusoidal(matrix(c.T, c.d), c.offset);
      expect(worst(added.data, c.expected.flat())).toBeLessThan(1e-6);
    });
  }
});

describe('ALiBi', () => {
  it('geometric slopes are 2^(−8(h+1)/H), as numpy computes them', () => {
    expect(worst(geometricSlopes(4), FIXTURE.alibi.slopes4)).toBe(0);
    expect(worst(geometricSlopes(3), FIXTURE.alibi.slopes3)).toBeLessThan(1e-15);
    expect(geometricSlopes(8)).toEqual([0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625]);
  });

  it('the bias is −m_h·|i′ − j| with i′ = i + Tk − Tq', () => {
    const bias = { id: 'alibi' as const, slopes: FIXTURE.alibi.slopes3, offset: 3 };
    const got = [0, 1, 2].flatMap((h) => [0, 1].flatMap((i) => [0, 1, 2, 3, 4].map((j) => biasAt(bias, h, i, j))));
    expect(worst(got, FIXTURE.alibi.bias_h3_Tq2_Tk5.flat(2))).toBeLessThan(1e-15);
  });
});

describe('integer quantization', () => {
  for (const c of FIXTURE.int) {
    it(`${c.bits} bits per ${c.group} (${c.input}, ${c.heads} head${c.heads > 1 ? 's' : ''}): symmetric, ties to even, as numpy's rint`, () => {
      const rows = FIXTURE[c.input];
      const x = toMatrix(rows);
      const got = quantizeMatrix(x, c.heads, { id: 'int', bits: c.bits, group: c.group });
      expect(worst(got.data, c.expected.flat())).toBeLessThan(1e-6);
      // the reference, one group at a time
      const T = rows.length;
      const w = rows[0].length / c.heads;
      const ref = rows.map((r) => r.map(() => NaN));
      const put = (cells: [number, number][]) => {
        const q = quantizeIntGroup(
          cells.map(([t, col]) => Math.fround(rows[t][col])),
          c.bits,
        );
        cells.forEach(([t, col], n) => (ref[t][col] = q[n]));
      };
      for (let h = 0; h < c.heads; h++) {
        const cols = Array.from({ length: w }, (_, n) => h * w + n);
        const ts = Array.from({ length: T }, (_, t) => t);
        if (c.group === 'tensor') put(ts.flatMap((t) => cols.map((col): [number, number] => [t, col])));
        else if (c.group === 'channel') cols.forEach((col) => put(ts.map((t): [number, number] => [t, col])));
        else ts.forEach((t) => put(cols.map((col): [number, number] => [t, col])));
      }
      expect(worst(ref.flat(), c.expected.flat())).toBeLessThan(1e-12);
    });
  }

  it('at most 2^b − 1 distinct levels per group, symmetric around 0', () => {
    const x = toMatrix(FIXTURE.qx);
    const y = quantizeMatrix(x, 1, { id: 'int', bits: 3, group: 'tensor' });
    expect(new Set(y.data).size).toBeLessThanOrEqual(7);
  });
});

describe('float16 and bfloat16 round trips', () => {
  it('the resolver and the reference give numpy float16 (ties to even, subnormals, overflow to ∞)', () => {
    for (let i = 0; i < FIXTURE.floats.length; i++) {
      const x = Math.fround(FIXTURE.floats[i]);
      const want = FIXTURE.float16[i] ?? Infinity; // JSON writes ∞ as null
      expect(toFloat16(x), `x = ${x}`).toBe(want);
      expect(float16RoundTrip(x), `x = ${x}`).toBe(want);
    }
  });

  it('the resolver and the reference give numpy bfloat16 (the top 16 bits, rounded to even)', () => {
    for (let i = 0; i < FIXTURE.floats.length; i++) {
      const x = Math.fround(FIXTURE.floats[i]);
      const want = FIXTURE.bfloat16[i] ?? Infinity;
      expect(toBfloat16(x), `x = ${x}`).toBe(want);
      expect(bfloat16RoundTrip(x), `x = ${x}`).toBe(want);
    }
  });
});

describe('whole problems, resolved from a JobSpec, against numpy', () => {
  for (const name of ['rope_int4_causal', 'alibi_bfloat16', 'sinusoidal_cross_causal']) {
    it(name, () => {
      const { spec, weights } = fixtureJob(name);
      const ref = referenceAttention(resolveJob(spec));
      expect(worst(ref.weights, weights)).toBeLessThan(1e-9);
    });
  }
});
