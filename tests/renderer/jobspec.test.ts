import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src-shared/job/spec';
import {
  buildJobSpec,
  sentenceGuidance,
  defaultConfig,
  emptySources,
  moveMask,
  newMask,
  paddedPositions,
  stateFromJob,
  togglePadding,
  usesRecurrence,
  type ConfigState,
  type SourcesState,
} from '../../src-renderer/src/logic/jobspec';
import { paramsToForm } from '../../src-renderer/src/logic/form';
import { catalogueEntry } from '../../src-shared/metrics/catalogue';
import { SAMPLES, sample, sentenceVectors, SAMPLE_DIM, SAMPLE_WORDS, TOY_KEYS, TOY_QUERY } from '../../src-renderer/src/logic/samples';
import { sourceInfo } from './fake-lab-api';

function sentenceSources(): SourcesState {
  const s = sample('sentence');
  return { ...emptySources(), embeddings: { kind: 'inline', name: s.label, data: s.embeddings! } };
}

function toySources(): SourcesState {
  const s = sample('toy2d');
  return {
    mode: 'separate',
    capture: null,
    embeddings: null,
    queries: { kind: 'inline', name: 'q', data: s.queries! },
    keys: { kind: 'inline', name: 'k', data: s.keys! },
    values: null,
  };
}

describe('the built-in samples', () => {
  it('the sentence sample is 8 tokens × 16 dims, deterministic and finite', () => {
    const v = sentenceVectors();
    expect(v).toHaveLength(SAMPLE_WORDS.length);
    expect(SAMPLE_WORDS.length).toBe(8);
    expect(v.every((row) => row.length === SAMPLE_DIM && row.every(Number.isFinite))).toBe(true);
    expect(sentenceVectors()).toEqual(v);
  });

  it('related words share directions: cat is closer to mouse than to kitchen', () => {
    const v = sentenceVectors();
    const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0) / Math.hypot(...a) / Math.hypot(...b);
    const [cat, mouse, kitchen] = [v[1], v[4], v[7]];
    expect(cos(cat, mouse)).toBeGreaterThan(cos(cat, kitchen));
    // the three "the" differ only by the small position signal
    expect(cos(v[0], v[3])).toBeGreaterThan(0.95);
    expect(v[0]).not.toEqual(v[3]);
  });

  it('the textbook 2-D toy has the six keys in two clusters and the query (0.8, 0.15)', () => {
    const toy = sample('toy2d');
    expect(toy.keys!.vectors).toEqual(TOY_KEYS);
    expect(toy.queries!.vectors).toEqual([TOY_QUERY]);
    expect(SAMPLES.map((s) => s.id)).toEqual(['sentence', 'toy2d']);
  });
});

describe('the JobSpec builder', () => {
  it('the default sample and configuration give a JobSpec that parseJobSpec accepts', () => {
    const { job, errors } = buildJobSpec(sentenceSources(), defaultConfig());
    expect(errors).toEqual({});
    expect(job).not.toBeNull();
    expect(() => parseJobSpec(job)).not.toThrow();
    expect(job!.embeddings).toMatchObject({ inline: { tokens: SAMPLE_WORDS } });
    expect(job!.metric).toEqual({ id: 'dot', scale: 'sqrt_d' });
    expect(job!.mask).toEqual([]);
    expect(job!.outputs).toEqual(['weights', 'scores', 'entropy']);
  });

  it('the toy is a separate queries / keys job (values default to the keys)', () => {
    const { job, errors } = buildJobSpec(toySources(), defaultConfig());
    expect(errors).toEqual({});
    expect(job!.queries).toEqual({ inline: { tokens: ['q'], vectors: [[0.8, 0.15]] } });
    expect(job!.keys).toMatchObject({ inline: { vectors: TOY_KEYS } });
    expect(job!.values).toBeUndefined();
    expect(job!.embeddings).toBeUndefined();
  });

  it('no data → an error on the embeddings field, no job', () => {
    const { job, errors } = buildJobSpec(emptySources(), defaultConfig());
    expect(job).toBeNull();
    expect(errors.embeddings).toMatch(/no embeddings/);
  });

  it('a loaded file becomes {"path": …}; a vocabulary file needs a sentence', () => {
    const info = sourceInfo();
    const built = buildJobSpec({ ...emptySources(), embeddings: { kind: 'file', info } }, defaultConfig());
    expect(built.job!.embeddings).toEqual({ path: '/data/emb.npy' });

    const vocab = sourceInfo({ vocabulary: true, T: 400000, tokens: null, name: 'glove.txt', path: '/g/glove.txt' });
    const noSentence = buildJobSpec({ ...emptySources(), embeddings: { kind: 'file', info: vocab } }, defaultConfig());
    expect(noSentence.job).toBeNull();
    expect(noSentence.errors['embeddings.sentence']).toMatch(/type a sentence/);
    // the same words are the data panel's guidance (styled as a next step, not an error)
    expect(sentenceGuidance({ kind: 'file', info: vocab })).toBe(noSentence.errors['embeddings.sentence']);
    expect(sentenceGuidance({ kind: 'file', info: vocab, sentence: 'the cat' })).toBeNull();
    expect(sentenceGuidance({ kind: 'file', info })).toBeNull();

    const withSentence = buildJobSpec(
      { ...emptySources(), embeddings: { kind: 'file', info: vocab, sentence: 'the cat sat', lookup: { indices: [0, 5, 9], tokens: ['the', 'cat', 'sat'], outOfVocabulary: [] } } },
      defaultConfig(),
    );
    expect(withSentence.job!.embeddings).toEqual({ path: '/g/glove.txt', sentence: 'the cat sat' });
  });

  it('padding toggles become a padding mask with positions, and clearing them removes it', () => {
    let masks = togglePadding([], 5);
    masks = togglePadding(masks, 2);
    expect(paddedPositions(masks)).toEqual([2, 5]);
    const config: ConfigState = { ...defaultConfig(), masks };
    const { job } = buildJobSpec(sentenceSources(), config);
    expect(job!.mask).toEqual([{ id: 'padding', positions: [2, 5] }]);

    masks = togglePadding(togglePadding(masks, 2), 5);
    expect(masks).toEqual([]);
  });

  it('padding toggles edit an existing padding mask in place (and keep it when emptied)', () => {
    const start = [newMask('causal'), newMask('padding')];
    const masks = togglePadding(start, 3);
    expect(masks.map((m) => m.id)).toEqual(['causal', 'padding']);
    expect(paddedPositions(masks)).toEqual([3]);
    expect(togglePadding(masks, 3).map((m) => m.id)).toEqual(['causal', 'padding']);
  });

  it('the mask stack is the JobSpec mask list, in order; reordering moves it', () => {
    const masks = [newMask('causal'), newMask('window'), newMask('topk')];
    const config: ConfigState = { ...defaultConfig(), masks };
    expect(buildJobSpec(sentenceSources(), config).job!.mask!.map((m) => m.id)).toEqual(['causal', 'window', 'topk']);
    const moved = moveMask(masks, 2, 0);
    expect(moved.map((m) => m.id)).toEqual(['topk', 'causal', 'window']);
    expect(buildJobSpec(sentenceSources(), { ...config, masks: moved }).job!.mask).toEqual([{ id: 'topk', k: 4 }, { id: 'causal' }, { id: 'window', size: 2 }]);
    expect(moveMask(masks, 0, 99).map((m) => m.id)).toEqual(['window', 'topk', 'causal']);
    expect(masks.map((m) => m.id)).toEqual(['causal', 'window', 'topk']);
  });

  it('a bad parameter is an error on its dotted field (mask.1.size), as parseJobSpec names it', () => {
    const masks = [newMask('causal'), newMask('window')];
    masks[1].values.size = -3;
    const { job, errors } = buildJobSpec(sentenceSources(), { ...defaultConfig(), masks });
    expect(job).toBeNull();
    expect(Object.keys(errors)).toEqual(['mask.1.size']);
    expect(errors['mask.1.size']).toMatch(/≥ 0/);
  });

  it('text that is not a list is an error on that field before validation', () => {
    const masks = [newMask('padding')];
    masks[0].values.positions = '1, two';
    const { errors } = buildJobSpec(sentenceSources(), { ...defaultConfig(), masks });
    expect(errors['mask.0.positions']).toMatch(/"two" is not a number/);
  });

  it('big matrices ask for a pooled overview instead of the full weights', () => {
    const big = sourceInfo({ T: 5000, tokens: null, shape: [5000, 8] });
    const { job } = buildJobSpec({ ...emptySources(), embeddings: { kind: 'file', info: big } }, defaultConfig());
    expect(job!.outputs).toEqual(['overview', 'entropy']);
    expect(job!.overview).toEqual({ rows: 512, cols: 512, pool: 'mean' });
  });

  it('projection, heads, normaliser and transpose reach the JobSpec', () => {
    const config = defaultConfig();
    config.projection = { id: 'random', seed: 7, width: 16, q: '', k: '', v: '' };
    config.heads = 2;
    config.normalizer = { id: 'sparsemax', values: {} };
    config.transpose = true;
    const { job } = buildJobSpec(sentenceSources(), config);
    expect(job).toMatchObject({ projection: { id: 'random', seed: 7, width: 16 }, heads: 2, normalizer: 'sparsemax', transpose: true });
  });

  it('a normaliser with parameters becomes the object form; its bad value is an error under normalizer.<param>; it round-trips', () => {
    const info = sourceInfo();
    const sources = { ...emptySources(), embeddings: { kind: 'file' as const, info } };
    const config: ConfigState = { ...defaultConfig(), normalizer: { id: 'rank', values: { tau: 0.5 } } };
    const { job } = buildJobSpec(sources, config);
    expect(job!.normalizer).toEqual({ id: 'rank', tau: 0.5 });
    expect(stateFromJob(job!, [info]).config.normalizer).toEqual({ id: 'rank', values: { tau: 0.5 } });
    const bad = buildJobSpec(sources, { ...config, normalizer: { id: 'sinkhorn', values: { iterations: 0 } } });
    expect(bad.job).toBeNull();
    expect(bad.errors['normalizer.iterations']).toMatch(/expected an integer ≥ 1/);
    // a session saved with a plain id opens with that normaliser's defaults
    expect(stateFromJob({ ...job!, normalizer: 'sinkhorn' }, [info]).config.normalizer).toEqual({ id: 'sinkhorn', values: { iterations: 20 } });
  });

  it('a session JobSpec restores to the same panel state (round trip)', () => {
    const info = sourceInfo();
    const masks = [newMask('causal'), newMask('window')];
    masks[1].values.size = 3;
    const config: ConfigState = { ...defaultConfig(), metric: { id: 'cosine', values: { tau: 0.25 } }, masks, heads: 2, normalizer: { id: 'sparsemax', values: {} } };
    const first = buildJobSpec({ ...emptySources(), embeddings: { kind: 'file', info } }, config).job!;
    const restored = stateFromJob(first, [info]);
    expect(restored.problems).toEqual([]);
    const again = buildJobSpec(restored.sources, restored.config).job!;
    expect(again).toEqual(first);
  });

  it('a session whose file was not reopened says so; embedded data stands in for it', () => {
    const job = { embeddings: { path: '/gone.npy' }, metric: { id: 'dot' } };
    expect(stateFromJob(job, []).problems[0]).toMatch(/\/gone.npy/);
    const withData = stateFromJob(job, [], {
      '/gone.npy': {
        tokens: ['x', 'y'],
        vectors: [
          [1, 0],
          [0, 1],
        ],
      },
    });
    expect(withData.problems).toEqual([]);
    expect(withData.sources.embeddings).toMatchObject({ kind: 'inline', data: { tokens: ['x', 'y'] } });
  });
});

describe('the Recurrence section', () => {
  const withRecurrence = (id: string, values: Record<string, string | number | boolean | null> = {}): ConfigState => ({
    ...defaultConfig(),
    masks: [newMask('causal')],
    recurrence: { id, values: { ...paramsToForm(catalogueEntry('recurrence', id)!, {}), ...values } },
  });

  it('a recurrence replaces metric and normalizer in the JobSpec (their panels keep their state); the engine schema accepts it', () => {
    const { job, errors } = buildJobSpec(sentenceSources(), withRecurrence('retention', { gamma: 'multiscale' }));
    expect(errors).toEqual({});
    expect(job!.recurrence).toEqual({ id: 'retention', gamma: 'multiscale' });
    expect(job!.metric).toBeUndefined();
    expect(job!.normalizer).toBeUndefined();
    expect(job!.mask).toEqual([{ id: 'causal' }]);
    expect(usesRecurrence(withRecurrence('retention'))).toBe(true);
    expect(usesRecurrence(defaultConfig())).toBe(false);
  });

  it('"none" sends no recurrence, and the metric and normaliser again', () => {
    const { job } = buildJobSpec(sentenceSources(), withRecurrence('none'));
    expect(job!.recurrence).toBeUndefined();
    expect(job!.metric?.id).toBe('dot');
    expect(job!.normalizer).toBe('softmax');
  });

  it('delta’s β takes one number or one per token; a session restores the section', () => {
    const one = buildJobSpec(sentenceSources(), withRecurrence('delta', { beta: '0.25' }));
    expect(one.job!.recurrence).toEqual({ id: 'delta', beta: 0.25, normalizeKeys: true });
    const restored = stateFromJob(one.job!, []);
    expect(restored.config.recurrence.id).toBe('delta');
    expect(restored.config.recurrence.values.beta).toBe('0.25');
    expect(buildJobSpec(sentenceSources(), restored.config).job!.recurrence).toEqual(one.job!.recurrence);
  });

  it('a bad parameter is a field error under recurrence', () => {
    const { job, errors } = buildJobSpec(sentenceSources(), withRecurrence('retention', { gamma: '1.5' }));
    expect(job).toBeNull();
    expect(errors['recurrence.gamma']).toBe('expected a number in (0, 1], got 1.5');
  });
});
