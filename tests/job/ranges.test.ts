/**
 * Every parameter's range is checked before anything runs, with the field named: a τ that
 * makes the float32 constants overflow is refused by the schema; one that overflows only
 * with this data (|q·k|/τ) when the job is resolved (src-shared/job/score-bounds.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseJobSpec, JobSpecError, type JobSpec } from '../../src-shared/job/spec';
import { resolveJob } from '../../src-shared/job/resolve';
import { CATALOGUE } from '../../src-shared/metrics/catalogue';
import { MAX_INLINE_NUMBERS } from '../../src-shared/job/limits';
import { FLOAT32_MAX } from '../../src-shared/job/score-bounds';

const refusal = (spec: unknown, stage: 'parse' | 'resolve' = 'parse'): string => {
  try {
    const parsed = parseJobSpec(spec);
    if (stage === 'resolve') resolveJob(parsed);
  } catch (e) {
    expect(e).toBeInstanceOf(JobSpecError);
    return (e as Error).message;
  }
  throw new Error('expected the JobSpec to be refused');
};
const pair = (x: number) => ({
  embeddings: {
    inline: {
      vectors: [
        [x, 0],
        [0, x],
      ],
    },
  },
});

describe('parameter ranges in the schema', () => {
  it('tau: 1e-300 is refused at validation, naming the field, for every score with a τ', () => {
    expect(refusal({ metric: { id: 'cosine', tau: 1e-300 } })).toBe('metric.tau: expected ≥ 1e-38 (a smaller τ makes scores overflow float32), got 1e-300');
    expect(refusal({ metric: { id: 'rbf', tau: 1e-20 } })).toBe('metric.tau: expected ≥ 1e-19 (a smaller τ makes scores overflow float32), got 1e-20');
    expect(refusal({ metric: { id: 'cosine', tau: -1 } })).toBe('metric.tau: expected a number > 0, got -1');
    for (const entry of CATALOGUE.filter((e) => e.kind === 'score' && e.params.some((p) => p.name === 'tau'))) {
      expect(refusal({ metric: { id: entry.id, tau: 1e-300 } }), entry.id).toMatch(/^metric\.tau: expected ≥ 1e-(38|19) \(a smaller τ makes scores overflow float32\)/);
    }
    // a normaliser's τ (rank: exp(−r/τ)) is fed as 1/τ in float32 too
    for (const entry of CATALOGUE.filter((e) => e.kind === 'normalizer' && e.params.some((p) => p.name === 'tau'))) {
      expect(refusal({ normalizer: { id: entry.id, tau: 1e-300 } }), entry.id).toMatch(/^normalizer\.tau: expected ≥ 1e-38 \(a smaller τ makes scores overflow float32\)/);
    }
  });

  it('every number and integer parameter of the catalogue has a finite range', () => {
    for (const entry of CATALOGUE) {
      for (const p of entry.params.filter((q) => q.kind === 'number' || q.kind === 'integer' || (q.kind === 'choice' && q.allowNumber))) {
        expect(p.min, `${entry.id}.${p.name}`).toBeDefined();
        expect(p.max, `${entry.id}.${p.name}`).toBeDefined();
        expect(Number.isFinite(p.max! - p.min!), `${entry.id}.${p.name}`).toBe(true);
      }
    }
  });

  it('numbers fed as float32 stay inside float32, each refusal naming its field', () => {
    expect(refusal({ metric: { id: 'dot', scale: 1e39 } })).toBe('metric.scale: expected a number ≤ 1e+38, got 1e+39');
    expect(refusal({ metric: { id: 'dot', scale: 'big' } })).toMatch(/^metric\.scale: expected one of "sqrt_d", "none", "tau" or a number/);
    expect(refusal({ metric: { id: 'polynomial', a: -1e300 } })).toBe('metric.a: expected a number ≥ -1e+38, got -1e+300');
    expect(refusal({ metric: { id: 'mahalanobis', matrix: 'diagonal', diagonal: [1, 1e39] } })).toBe('metric.diagonal.1: expected a number within float32 (±3.4e38), got 1e+39');
    expect(refusal({ embeddings: { inline: { vectors: [[1, 1e300]] } } })).toBe('embeddings.inline.vectors.0.1: expected a number within float32 (±3.4e38), got 1e+300');
  });

  it('integers stored as int32 are refused past 2^31 − 1, not wrapped', () => {
    expect(refusal({ mask: [{ id: 'segments', ids: [0, 2 ** 32] }] })).toBe('mask.0.ids.1: expected an integer ≤ 2147483647, got 4294967296');
    expect(refusal({ mask: [{ id: 'window', size: 1e300 }] })).toBe('mask.0.size: expected an integer ≤ 2147483647, got 1e+300');
    expect(refusal({ mask: [{ id: 'causal', offset: -1e20 }] })).toBe('mask.0.offset: expected an integer ≥ -2147483647, got -100000000000000000000');
  });

  it('inline tokens with control characters are refused, naming the token', () => {
    expect(refusal({ embeddings: { inline: { tokens: ['a', 'b\u0000'], vectors: [[1], [2]] } } })).toBe(
      'embeddings.inline.tokens.1: the token holds the control character U+0000 (NUL) at character 2; tokens may not hold control characters, got "b\\u0000"',
    );
  });

  it('inline vectors past 1 Mi numbers are refused with advice to use a file', () => {
    const row = new Array(1024).fill(0.5);
    const vectors = Array.from({ length: MAX_INLINE_NUMBERS / 1024 + 1 }, () => row);
    expect(refusal({ embeddings: { inline: { vectors } } })).toMatch(
      /^embeddings\.inline\.vectors: expected at most 1048576 numbers inline; save the vectors to a file .* "path" instead of "inline"/,
    );
    expect(() => parseJobSpec({ embeddings: { inline: { vectors: vectors.slice(1) } } })).not.toThrow();
  });
});

describe('scores that would overflow float32 with this data', () => {
  it('dot with scale "tau": |q·k| = 100 and τ = 1e-37 would give 1e39; refused before any run, τ suggested', () => {
    const spec: JobSpec = { ...pair(10), metric: { id: 'dot', scale: 'tau', tau: 1e-37 } };
    expect(refusal(spec, 'resolve')).toBe(
      'metric.tau: 1e-37 makes scores overflow float32: with these vectors |q·k| reaches 100, so they could reach 1.0e+39, beyond 3.4e38; use τ ≥ 3e-37',
    );
    // the suggested τ passes, and its largest score is finite in float32
    const ok = resolveJob(parseJobSpec({ ...pair(10), metric: { id: 'dot', scale: 'tau', tau: 3e-37 } }));
    expect(ok.metric.id === 'dot' && Math.fround(100 * ok.metric.c)).toBeLessThan(Infinity);
  });

  it('dot with a numeric scale names metric.scale', () => {
    expect(refusal({ ...pair(1e20), metric: { id: 'dot', scale: 1 } }, 'resolve')).toMatch(
      /^metric\.scale: with these vectors \(‖q‖ up to 1\.0e\+20, ‖k‖ up to 1\.0e\+20\) the scale 1 lets dot scores reach 1\.0e\+40, beyond float32/,
    );
  });

  it('rbf: distances of 1e10 with τ = 1e-10 overflow; the default τ does not', () => {
    expect(refusal({ ...pair(1e10), metric: { id: 'rbf', tau: 1e-10 } }, 'resolve')).toMatch(/^metric\.tau: 1e-10 makes scores overflow float32: .*use τ ≥ /);
    expect(() => resolveJob(parseJobSpec({ ...pair(1e10), metric: { id: 'rbf' } }))).not.toThrow();
  });

  it('polynomial: a power beyond float32 names metric.p', () => {
    expect(refusal({ ...pair(1e3), metric: { id: 'polynomial', a: 1, p: 16 } }, 'resolve')).toMatch(
      /^metric\.p: with these vectors \(a·q·k \+ r\)\^p can reach .*use a smaller p, a or r$/,
    );
  });

  it('the kernel normaliser sums Tk scores, so its bound is Tk times tighter', () => {
    const tau = 4 / FLOAT32_MAX; // cosine scores up to 1/τ = 8.5e37: fine alone, 1.7e38 summed over 2 keys is fine, not over 8
    const keys = (n: number) => ({ embeddings: { inline: { vectors: Array.from({ length: n }, (_, i) => [1, i]) } } });
    expect(() => resolveJob(parseJobSpec({ ...keys(2), metric: { id: 'cosine', tau }, normalizer: 'kernel' }))).not.toThrow();
    expect(refusal({ ...keys(8), metric: { id: 'cosine', tau }, normalizer: 'kernel' }, 'resolve')).toMatch(
      /^metric\.tau: .*\(kernel sums 8 of them, so each must stay under 4\.3e\+37\); use τ ≥ /,
    );
  });

  it('ordinary jobs are untouched', () => {
    for (const id of ['dot', 'cosine', 'rbf', 'laplacian', 'euclidean', 'mahalanobis', 'polynomial', 'bilinear', 'additive', 'gat', 'hamming']) {
      expect(() => resolveJob(parseJobSpec({ ...pair(3), metric: { id, tau: 0.01 } })), id).not.toThrow();
    }
  });
});
