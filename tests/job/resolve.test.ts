import { describe, expect, it } from 'vitest';
import { resolveJob, fileRefs } from '../../src-shared/job/resolve';
import { parseJobSpec, JobSpecError, type JobSpec } from '../../src-shared/job/spec';
import type { ResolvedMask } from '../../src-shared/job/problem';

const toy = {
  tokens: ['a', 'b', 'c', 'd'],
  vectors: [
    [1, 0, 0.5, 0],
    [0, 1, 0, 0.5],
    [0.5, 0.5, 1, 0],
    [0.2, 0.1, 0, 1],
  ],
};

const resolve = (spec: JobSpec) => resolveJob(parseJobSpec(spec));
const fails = (spec: JobSpec): string => {
  try {
    resolve(spec);
  } catch (e) {
    expect(e).toBeInstanceOf(JobSpecError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
};
const mask = (spec: JobSpec, i = 0) => resolve(spec).masks[i] as ResolvedMask;

describe('resolving a JobSpec', () => {
  it('self-attention: embeddings feed queries, keys and values; dot defaults to 1/sqrt(d_h)', () => {
    const p = resolve({ embeddings: { inline: toy }, heads: 2 });
    expect(p.q.rows).toBe(4);
    expect(p.k.data).toEqual(p.q.data);
    expect(p.metric).toEqual({ id: 'dot', c: 1 / Math.sqrt(2) });
    expect(p.tokens.queries).toEqual(toy.tokens);
    expect(p.outputs).toEqual(['weights', 'output', 'entropy']);
  });

  it('a width that H heads cannot split is an error that says so', () => {
    expect(fails({ embeddings: { inline: toy }, heads: 3 })).toBe('heads: the queries are 4 wide, which 3 heads cannot split evenly (4 / 3 is not a whole number)');
  });

  it('transpose swaps the roles of queries and keys', () => {
    const q = { vectors: [[1, 0]] };
    const k = {
      vectors: [
        [0, 1],
        [1, 1],
        [2, 2],
      ],
    };
    const p = resolve({ queries: { inline: q }, keys: { inline: k }, values: { inline: { vectors: [[5]] } }, transpose: true });
    expect(p.q.rows).toBe(3);
    expect(p.k.rows).toBe(1);
    expect(Array.from(p.k.data)).toEqual([1, 0]);
    // without transpose the same values are one row short of the keys
    expect(fails({ queries: { inline: q }, keys: { inline: k }, values: { inline: { vectors: [[5]] } } })).toBe(
      'values: the values have 1 rows but there are 3 keys; they must match',
    );
  });

  it('random projections are seeded: same seed same matrices, entries with std 1/sqrt(d_in)', () => {
    const big = { vectors: Array.from({ length: 64 }, (_, i) => Array.from({ length: 64 }, (_, j) => (i === j ? 1 : 0))) };
    const a = resolve({ embeddings: { inline: big }, projection: { id: 'random', seed: 3 } });
    const b = resolve({ embeddings: { inline: big }, projection: { id: 'random', seed: 3 } });
    const c = resolve({ embeddings: { inline: big }, projection: { id: 'random', seed: 4 } });
    expect(a.q.data).toEqual(b.q.data);
    expect(a.q.data).not.toEqual(c.q.data);
    // X = I, so Q = Wq: its entries' spread is the documented std 1/8
    let s2 = 0;
    for (const x of a.q.data) s2 += x * x;
    expect(Math.sqrt(s2 / a.q.data.length)).toBeCloseTo(1 / 8, 2);
    // q, k and v use separate streams
    expect(a.q.data).not.toEqual(a.k.data);
  });

  it('cosine needs equal widths; bilinear accepts dq ≠ dk', () => {
    const spec = {
      queries: { inline: { vectors: [[1, 2, 3]] } },
      keys: {
        inline: {
          vectors: [
            [1, 2],
            [3, 4],
          ],
        },
      },
    };
    expect(fails({ ...spec, metric: { id: 'cosine' } })).toContain('metric.id: cosine compares queries and keys of equal width, but they are 3 and 2');
    const p = resolve({ ...spec, metric: { id: 'bilinear', seed: 1 } });
    expect(p.metric.id === 'bilinear' && p.metric.W[0].length).toBe(6);
  });

  it('causal offset defaults to Tk − Tq (decoding view)', () => {
    const spec = { queries: { inline: { vectors: [[1], [2]] } }, keys: { inline: { vectors: [[1], [2], [3], [4], [5]] } }, mask: [{ id: 'causal' }] };
    expect(mask(spec)).toEqual({ id: 'causal', offset: 3 });
  });

  it('padding combines positions and a trailing count', () => {
    const m = mask({ embeddings: { inline: toy }, mask: [{ id: 'padding', positions: [0], trailing: 1 }] });
    expect(m.id === 'padding' && Array.from(m.keep)).toEqual([0, 1, 1, 0]);
    expect(fails({ embeddings: { inline: toy }, mask: [{ id: 'padding', positions: [9] }] })).toBe('mask.0.positions.0: position 9 is past the last key (4 keys)');
  });

  it('graph edges count both ways unless directed, and self loops are on by default', () => {
    const m = mask({ embeddings: { inline: toy }, mask: [{ id: 'graph', edges: [[0, 2]] }] });
    const on = (i: number, j: number) => m.id === 'graph' && m.allowed[i * 4 + j] === 1;
    expect([on(0, 2), on(2, 0), on(1, 1), on(0, 1)]).toEqual([true, true, true, false]);
    const d = mask({ embeddings: { inline: toy }, mask: [{ id: 'graph', edges: [[0, 2]], directed: true, selfLoops: false }] });
    expect(d.id === 'graph' && Array.from(d.allowed).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('segments of a block size are block-diagonal ids', () => {
    const m = mask({ embeddings: { inline: toy }, mask: [{ id: 'segments', size: 2 }] });
    expect(m.id === 'segments' && Array.from(m.keyIds)).toEqual([0, 0, 1, 1]);
  });

  it('topk masks go after every other mask, whatever the stack order', () => {
    const p = resolve({ embeddings: { inline: toy }, mask: [{ id: 'topk', k: 2 }, { id: 'causal' }] });
    expect(p.masks.map((m) => m.id)).toEqual(['causal', 'topk']);
  });

  it('mahalanobis refuses a matrix that is not symmetric PSD', () => {
    const e = {
      embeddings: {
        inline: {
          vectors: [
            [1, 0],
            [0, 1],
          ],
        },
      },
    };
    expect(
      fails({
        ...e,
        metric: {
          id: 'mahalanobis',
          matrix: 'inline',
          inline: [
            [1, 2],
            [2, 1],
          ],
        },
      }),
    ).toContain('not positive semi-definite');
    expect(
      fails({
        ...e,
        metric: {
          id: 'mahalanobis',
          matrix: 'inline',
          inline: [
            [1, 0.5],
            [0, 1],
          ],
        },
      }),
    ).toContain('not symmetric');
    expect(fails({ ...e, metric: { id: 'mahalanobis', matrix: 'diagonal', diagonal: [1, -1] } })).toContain('not positive semi-definite');
    expect(resolve({ ...e, metric: { id: 'mahalanobis', matrix: 'diagonal', diagonal: [1, 0] } }).metric.id).toBe('mahalanobis');
  });

  it('whiten is the inverse covariance of the keys: M·Σ ≈ I', () => {
    const keys = [
      [1, 2],
      [2, 1],
      [3, 5],
      [0, -1],
      [4, 4],
    ];
    const p = resolve({ embeddings: { inline: { vectors: keys } }, metric: { id: 'mahalanobis', matrix: 'whiten' } });
    if (p.metric.id !== 'mahalanobis') throw new Error();
    const M = p.metric.M[0];
    // population covariance by hand
    const n = keys.length;
    const mean = [0, 1].map((c) => keys.reduce((a, k) => a + k[c], 0) / n);
    const cov = [0, 1].map((i) => [0, 1].map((j) => keys.reduce((a, k) => a + (k[i] - mean[i]) * (k[j] - mean[j]), 0) / n));
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) expect(M[i * 2] * cov[0][j] + M[i * 2 + 1] * cov[1][j]).toBeCloseTo(i === j ? 1 : 0, 4);
  });

  it('lists the files a JobSpec needs, each once per part', () => {
    const refs = fileRefs({
      embeddings: { path: 'x.npy' },
      keys: { path: 'w.safetensors', part: 'k' },
      projection: { id: 'file', q: 'wq.npy' },
      mask: [{ id: 'custom', path: 'm.csv' }],
    });
    expect(refs.map((r) => r.key)).toEqual(['x.npy', 'w.safetensors#k', 'wq.npy', 'm.csv']);
  });
});
