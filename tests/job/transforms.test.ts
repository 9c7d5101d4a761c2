/**
 * `position` and `quantize` in the JobSpec: defaults, where each applies (once, in the
 * resolver, in the documented order), and messages that name the field.
 */
import { describe, expect, it } from 'vitest';
import { resolveJob } from '../../src-shared/job/resolve';
import { parseJobSpec, JobSpecError, type JobSpec } from '../../src-shared/job/spec';
import { applyRope, quantizeMatrix } from '../../src-shared/job/transforms';
import { matrix } from '../../src-shared/linalg/matrix';

const vectors = Array.from({ length: 6 }, (_, i) => Array.from({ length: 8 }, (_, c) => Math.sin(1 + i * 7 + c * 3)));
const base: JobSpec = { embeddings: { inline: { vectors } }, heads: 2 };
const resolve = (spec: JobSpec) => resolveJob(parseJobSpec({ ...base, ...spec }));
const fails = (spec: unknown): string => {
  try {
    resolveJob(parseJobSpec({ ...base, ...(spec as object) }));
  } catch (e) {
    expect(e).toBeInstanceOf(JobSpecError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
};

describe('position and quantize in the JobSpec', () => {
  it('RoPE defaults: base 10000, half layout, every dimension of the head; q and k rotate, v does not', () => {
    const plain = resolve({});
    const p = resolve({ position: { id: 'rope' } });
    expect(Array.from(p.q.data)).toEqual(Array.from(applyRope(plain.q, 2, { base: 10000, layout: 'half', dims: 4 }, 0).data));
    expect(Array.from(p.k.data)).toEqual(Array.from(p.q.data));
    expect(p.v.data).toEqual(plain.v.data);
    expect(p.bias).toBeUndefined();
  });

  it('RoPE offsets the queries by Tk − Tq (a suffix of the sequence sits at its own positions)', () => {
    const p = resolve({ queries: { inline: { vectors: vectors.slice(4) } }, keys: { inline: { vectors } }, position: { id: 'rope', layout: 'interleaved', dims: 2 } });
    const q = matrix(2, 8, Float32Array.from(vectors.slice(4).flat()));
    expect(Array.from(p.q.data)).toEqual(Array.from(applyRope(q, 2, { base: 10000, layout: 'interleaved', dims: 2 }, 4).data));
    // row 0 of the queries is row 4 of the keys, at the same position: same vector
    expect(Array.from(p.q.data.subarray(0, 8))).toEqual(Array.from(p.k.data.subarray(32, 40)));
  });

  it('ALiBi leaves q and k alone and becomes the score bias, geometric slopes by default', () => {
    const p = resolve({ position: { id: 'alibi' }, heads: 4 });
    expect(p.q.data).toEqual(resolve({ heads: 4 }).q.data);
    expect(p.bias).toEqual({ id: 'alibi', slopes: [0.25, 0.0625, 0.015625, 0.00390625], offset: 0 });
    expect(resolve({ position: { id: 'alibi', slopes: [1, 0.5] } }).bias?.slopes).toEqual([1, 0.5]);
  });

  it('sinusoidal is added to the embeddings before the projection', () => {
    const plain = resolve({});
    const p = resolve({ position: { id: 'sinusoidal' } });
    expect(p.q.data[0]).toBeCloseTo(plain.q.data[0] + Math.sin(0), 6);
    expect(p.q.data[1]).toBeCloseTo(plain.q.data[1] + Math.cos(0), 6);
    expect(p.v.data[8 + 2]).toBeCloseTo(plain.v.data[8 + 2] + Math.sin(1 / Math.pow(10000, 2 / 8)), 6);
  });

  it('quantize defaults: int8, one scale per head, q and k only; positions come first', () => {
    const roped = resolve({ position: { id: 'rope' } });
    const p = resolve({ position: { id: 'rope' }, quantize: { id: 'int' } });
    expect(Array.from(p.q.data)).toEqual(Array.from(quantizeMatrix(roped.q, 2, { id: 'int', bits: 8, group: 'tensor' }).data));
    expect(Array.from(p.k.data)).toEqual(Array.from(quantizeMatrix(roped.k, 2, { id: 'int', bits: 8, group: 'tensor' }).data));
    expect(p.v.data).toEqual(roped.v.data);
    const withV = resolve({ quantize: { id: 'float16', apply: ['v'] } });
    expect(withV.q.data).toEqual(resolve({}).q.data);
    expect(withV.v.data).not.toEqual(resolve({}).v.data);
  });

  it('bad parameters get a message naming the field', () => {
    expect(fails({ position: { id: 'rope', dims: 6 }, heads: 1, embeddings: { inline: { vectors: vectors.map((r) => r.slice(0, 5)) } } })).toBe(
      'position.dims: expected an even number ≤ 5, got 6',
    );
    expect(fails({ position: { id: 'rope', dims: 3 } })).toBe('position.dims: expected an even number ≤ 4, got 3');
    expect(fails({ position: { id: 'rope', dims: 6 } })).toBe('position.dims: expected an even number ≤ 4, got 6');
    expect(fails({ position: { id: 'rope', layout: 'zigzag' } })).toMatch(/^position\.layout: expected one of "half", "interleaved"/);
    expect(fails({ position: { id: 'rope', base: 0 } })).toMatch(/^position\.base: expected a number > 1/);
    expect(fails({ position: { id: 'alibi', slopes: [1, 2, 3] } })).toBe('position.slopes: expected 2 slopes (one per head), got 3');
    expect(fails({ position: { id: 'alibi', slopes: [1, -2] } })).toBe('position.slopes.1: expected a slope ≥ 0, got -2');
    expect(fails({ position: { id: 'alibi', slopes: 'linear' } })).toMatch(/^position\.slopes: expected one of "geometric" or a list of numbers/);
    expect(fails({ position: { id: 'learned' } })).toMatch(/^position\.id: expected a position id: one of none, rope, alibi, sinusoidal/);
    expect(fails({ quantize: { id: 'int', bits: 9 } })).toMatch(/^quantize\.bits: expected an integer ≤ 8, got 9/);
    expect(fails({ quantize: { id: 'int', bits: 1 } })).toMatch(/^quantize\.bits: expected an integer ≥ 2/);
    expect(fails({ quantize: { id: 'int', group: 'block' } })).toMatch(/^quantize\.group: expected one of "tensor", "channel", "token"/);
    expect(fails({ quantize: { id: 'int', apply: ['q', 'x'] } })).toMatch(/^quantize\.apply\.1: expected one of "q", "k", "v"/);
    expect(fails({ quantize: { id: 'float16', apply: ['q', 'q'] } })).toMatch(/^quantize\.apply: expected each of "q", "k", "v" at most once/);
    expect(fails({ quantize: { id: 'float16', bits: 8 } })).toMatch(/^quantize\.bits/);
    expect(fails({ quantize: { id: 'int8' } })).toMatch(/^quantize\.id: expected a quantizer id: one of none, int, float16, bfloat16/);
  });
});
