import { describe, expect, it } from 'vitest';
import { describeEntry, describeJob } from '../../src-shared/charts/caption';
import { MASKS, SCORE_FUNCTIONS } from '../../src-shared/metrics/catalogue';

describe('describeJob: the configuration in words', () => {
  it('"cosine τ=0.5 · causal + window 3 · softmax · 2 heads"', () => {
    expect(describeJob({ metric: { id: 'cosine', tau: 0.5 }, mask: [{ id: 'causal' }, { id: 'window', size: 3 }], normalizer: 'softmax', heads: 2 })).toBe(
      'cosine τ=0.5 · causal + window 3 · softmax · 2 heads',
    );
  });

  it('says what the defaults are when the job leaves everything out', () => {
    expect(describeJob({})).toBe('dot · no mask · softmax · 1 head');
    // a capture names its file and layer instead of a head count (its heads are the model's)
    expect(describeJob({ capture: { path: '/data/caps.safetensors', layer: 1 }, mask: [{ id: 'causal' }] })).toBe('dot · causal · softmax · capture caps.safetensors layer 1');
    expect(describeJob({ capture: { path: 'caps.npz', layer: 0, heads: [2, 0] } })).toBe('dot · no mask · softmax · capture caps.npz layer 0 heads 2, 0');
  });

  it('a normaliser with parameters shows them, as a score function does', () => {
    expect(describeJob({ normalizer: { id: 'rank', tau: 0.5 } })).toBe('dot · no mask · rank τ=0.5 · 1 head');
    expect(describeJob({ normalizer: { id: 'sinkhorn', iterations: 5 } })).toBe('dot · no mask · sinkhorn iterations=5 · 1 head');
  });

  it('names projections and the transpose', () => {
    expect(describeJob({ metric: { id: 'rbf', tau: 2 }, projection: { id: 'random', seed: 3 }, transpose: true, normalizer: 'sparsemax' })).toBe(
      'rbf τ=2 · no mask · sparsemax · 1 head · random projection (seed 3) · transposed (keys ask queries)',
    );
    expect(describeJob({ projection: { id: 'file', q: 'dir/wq.npy' } })).toContain('projection Wq=wq.npy');
  });

  it('summarises lists, matrices, files and booleans instead of printing them', () => {
    expect(
      describeEntry('mask', {
        id: 'graph',
        edges: [
          [0, 1],
          [1, 2],
        ],
        directed: true,
      }),
    ).toBe('graph edges=2 edges, directed');
    expect(
      describeEntry('mask', {
        id: 'custom',
        matrix: [
          [1, 0],
          [1, 1],
        ],
      }),
    ).toBe('custom matrix=2×2');
    expect(describeEntry('mask', { id: 'padding', positions: [4, 5] })).toBe('padding positions=[4, 5]');
    expect(describeEntry('score', { id: 'mahalanobis', matrix: 'file', path: '/x/y/m.npy' })).toBe('mahalanobis M=file, M file=m.npy');
  });

  it('takes every name and parameter label from the catalogue (nothing is listed by hand)', () => {
    for (const entry of [...SCORE_FUNCTIONS, ...MASKS]) {
      const numeric = entry.params.find((p) => p.kind === 'number' || p.kind === 'integer');
      const spec = numeric ? { id: entry.id, [numeric.name]: 7 } : { id: entry.id };
      const text = describeEntry(entry.kind, spec);
      expect(text.startsWith(entry.id)).toBe(true);
      if (numeric) expect(text).toContain(entry.kind === 'mask' ? `${entry.id} 7` : `${numeric.label}=7`);
    }
    expect(describeEntry('score', { id: 'not-in-catalogue' })).toBe('not-in-catalogue');
  });

  it('names the data (file and rows, or inline) and the pooling of a job that keeps only the overview', () => {
    expect(describeJob({ embeddings: { path: '/data/glove.6B.50d.txt', rows: Array.from({ length: 2048 }, (_, i) => i) } })).toBe(
      'dot · no mask · softmax · 1 head · data glove.6B.50d.txt rows 0–2047',
    );
    expect(describeJob({ embeddings: { inline: { vectors: [[1], [2], [3]] } } })).toBe('dot · no mask · softmax · 1 head · data inline (3 tokens)');
    expect(describeJob({ queries: { path: 'q.npy' }, keys: { path: 'm.safetensors', part: 'k', rows: [3, 9] } })).toBe(
      'dot · no mask · softmax · 1 head · queries q.npy, keys m.safetensors#k 2 rows',
    );
    expect(describeJob({ outputs: ['overview', 'entropy'], overview: { pool: 'max' } })).toBe('dot · no mask · softmax · 1 head · pooled overview (max of blocks)');
  });
});

describe('describeJob: positions and quantization', () => {
  it('names the position and the quantizer with the parameters the job sets', () => {
    expect(describeJob({ position: { id: 'rope', dims: 32 }, quantize: { id: 'int', bits: 4, group: 'token' } })).toBe(
      'dot · no mask · softmax · rope dims=32 · int bits b=4, group=token · 1 head',
    );
    expect(describeJob({ position: { id: 'none' }, quantize: { id: 'bfloat16' } })).toBe('dot · no mask · softmax · bfloat16 · 1 head');
  });
});

describe('describeJob: recurrences', () => {
  it('names the recurrence and its parameters in place of score, masks and normaliser', () => {
    expect(describeJob({ recurrence: { id: 'retention', gamma: 'multiscale' }, mask: [{ id: 'causal' }], heads: 4 })).toBe(
      'retention γ=multiscale recurrence (implicit A, causal) · 4 heads',
    );
    expect(describeJob({ recurrence: { id: 'selective', gates: { path: '/d/gates.npy' } } })).toBe('selective gates a_t=gates.npy recurrence (implicit A, causal) · 1 head');
    expect(describeJob({ recurrence: { id: 'selective', gates: { inline: [[0.5, 0.9, 1]] } } })).toBe('selective gates a_t=1×3 recurrence (implicit A, causal) · 1 head');
    expect(describeJob({ recurrence: { id: 'none' }, metric: { id: 'cosine' } })).toMatch(/^cosine · no mask · softmax/);
  });
});
