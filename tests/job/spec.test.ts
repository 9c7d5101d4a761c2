import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseJobSpec, JobSpecError } from '../../src-shared/job/spec';
import { SCORE_FUNCTIONS, MASKS } from '../../src-shared/metrics/catalogue';
import { resolveJob } from '../../src-shared/job/resolve';

const message = (input: unknown): string => {
  try {
    parseJobSpec(input);
  } catch (e) {
    expect(e).toBeInstanceOf(JobSpecError);
    return (e as Error).message;
  }
  throw new Error('expected the JobSpec to be rejected');
};

describe('JobSpec validation', () => {
  it('accepts the public contract example of the engine issue', () => {
    const spec = {
      embeddings: { path: 'tokens.npy' },
      queries: { inline: { tokens: ['q'], vectors: [[0.8, 0.15]] } },
      keys: { path: 'k.csv' },
      values: { inline: { vectors: [[0.74, 0.28]] } },
      projection: { id: 'identity' },
      heads: 1,
      metric: { id: 'cosine', tau: 0.5 },
      mask: [{ id: 'causal' }, { id: 'window', size: 3 }],
      normalizer: 'softmax',
      transpose: false,
      outputs: ['weights', 'output', 'entropy'],
    };
    expect(parseJobSpec(spec)).toEqual(spec);
  });

  it('names the field of a wrong value', () => {
    expect(message({ metric: { id: 'cosine', tau: -1 } })).toBe('metric.tau: expected a number > 0, got -1');
    expect(message({ mask: [{ id: 'causal' }, { id: 'window', size: 2.5 }] })).toBe('mask.1.size: expected an integer, got 2.5');
    expect(message({ queries: { inline: { vectors: [[1, 'a']] } } })).toBe('queries.inline.vectors.0.1: expected a number, got "a"');
    expect(message({ heads: 0 })).toBe('heads: expected an integer ≥ 1, got 0');
  });

  it('lists the valid ids when an id is unknown', () => {
    const m = message({ metric: { id: 'cosin' } });
    expect(m.startsWith('metric.id: expected a score function id: one of dot, cosine')).toBe(true);
    expect(message({ mask: [{ id: 'causl' }] })).toContain('mask.0.id: expected a mask id: one of none, causal');
    expect(message({ normalizer: 'soft' })).toContain('normalizer: expected one of softmax, kernel, sparsemax');
  });

  it('rejects unknown fields, at the top and inside a metric', () => {
    expect(message({ embedding: { path: 'x.npy' } })).toBe('embedding: unknown field "embedding"');
    expect(message({ metric: { id: 'cosine', tauu: 1 } })).toBe('metric.tauu: unknown field "tauu"');
  });

  it('dot takes "sqrt_d", "none", "tau" or a number as its scale', () => {
    for (const scale of ['sqrt_d', 'none', 'tau', 0.25]) expect(parseJobSpec({ metric: { id: 'dot', scale } })).toBeTruthy();
    expect(message({ metric: { id: 'dot', scale: 'sqrt' } })).toContain('metric.scale');
  });

  it('every catalogue entry with its defaults is a valid metric or mask', () => {
    for (const e of SCORE_FUNCTIONS) expect(parseJobSpec({ metric: { id: e.id } }).metric?.id).toBe(e.id);
    for (const e of MASKS) expect(parseJobSpec({ mask: [{ id: e.id }] }).mask?.[0].id).toBe(e.id);
  });

  it('never throws anything but a JobSpecError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (input) => {
        try {
          parseJobSpec(input);
        } catch (e) {
          expect(e).toBeInstanceOf(JobSpecError);
        }
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});

// the normaliser as a plain id (saved sessions) or an object with parameters; ranknet's widths
const vectors = [
  [1, 0, 2],
  [0, 1, -1],
  [2, 2, 0],
];
const base = { embeddings: { inline: { vectors } } };

describe('normalizer', () => {
  it('keeps the plain ids that saved sessions hold', () => {
    for (const id of ['softmax', 'kernel', 'sparsemax']) expect(parseJobSpec({ normalizer: id }).normalizer).toBe(id);
    const p = resolveJob(parseJobSpec({ ...base, normalizer: 'sparsemax' }));
    expect([p.normalizer, p.normalizerParams]).toEqual(['sparsemax', undefined]);
  });

  it('takes objects with parameters, defaulted from the catalogue', () => {
    expect(resolveJob(parseJobSpec({ ...base, normalizer: { id: 'rank', tau: 0.5 } }))).toMatchObject({ normalizer: 'rank', normalizerParams: { tau: 0.5 } });
    expect(resolveJob(parseJobSpec({ ...base, normalizer: { id: 'rank' } })).normalizerParams).toEqual({ tau: 1 });
    expect(resolveJob(parseJobSpec({ ...base, normalizer: { id: 'sinkhorn' } })).normalizerParams).toEqual({ iterations: 20 });
    expect(resolveJob(parseJobSpec({ ...base, normalizer: 'sinkhorn' })).normalizerParams).toEqual({ iterations: 20 });
    expect(resolveJob(parseJobSpec({ ...base, normalizer: { id: 'softmax' } })).normalizer).toBe('softmax');
  });

  it('names the field of a bad parameter', () => {
    expect(message({ normalizer: { id: 'rank', tau: 0 } })).toBe('normalizer.tau: expected a number > 0, got 0');
    expect(message({ normalizer: { id: 'sinkhorn', iterations: 0 } })).toBe('normalizer.iterations: expected an integer ≥ 1, got 0');
    expect(message({ normalizer: { id: 'sinkhorn', iterations: 2.5 } })).toBe('normalizer.iterations: expected an integer, got 2.5');
    expect(message({ normalizer: { id: 'rank', iterations: 3 } })).toBe('normalizer.iterations: unknown field "iterations"');
    expect(message({ normalizer: { id: 'sorted' } })).toMatch(/^normalizer\.id: expected a normalizer id: one of softmax, kernel, sparsemax, rank, sinkhorn/);
    expect(message({ normalizer: 'soft' })).toMatch(/^normalizer: expected one of softmax, kernel, sparsemax, rank, sinkhorn/);
  });
});

describe('ranknet', () => {
  it('resolves seeded W (m × 3d), b and u per head; the same seed gives the same numbers', () => {
    const spec = parseJobSpec({ ...base, metric: { id: 'ranknet', hidden: 4, seed: 3 } });
    const a = resolveJob(spec).metric;
    const b = resolveJob(spec).metric;
    expect(a).toEqual(b);
    if (a.id !== 'ranknet') throw new Error('expected ranknet');
    expect([a.m, a.tau, a.W[0].length, a.b[0].length, a.u[0].length]).toEqual([4, 1, 4 * 9, 4, 4]);
    const other = resolveJob(parseJobSpec({ ...base, metric: { id: 'ranknet', hidden: 4, seed: 4 } })).metric;
    expect(other).not.toEqual(a);
  });

  it('refuses queries and keys of different widths, naming the field', () => {
    const spec = parseJobSpec({
      queries: { inline: { vectors } },
      keys: {
        inline: {
          vectors: [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
        },
      },
      metric: { id: 'ranknet' },
    });
    expect(() => resolveJob(spec)).toThrow(/^metric\.id: ranknet compares queries and keys of equal width, but they are 3 and 2 per head/);
  });
});
