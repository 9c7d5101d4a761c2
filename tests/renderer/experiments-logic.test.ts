/**
 * The Experiments tab's plain logic, read from the registry: each form starts from its
 * module's defaults (the default τ sweep, the configuration's own score function first),
 * form values → options through the module's schema (messages by field), errors placed on
 * fields, the pickers, decoding's costs, and the CSV / JSON files the views download.
 * Results come from the real experiment code over the float64 reference.
 */
import { describe, expect, it } from 'vitest';
import { defaultForm, defaultForms, experimentFile, experimentOptions, placeExperimentError, rowChoices } from '../../src-renderer/src/logic/experiments';
import { optionFieldFor } from '../../src-renderer/src/logic/form';
import { clampIndex, EXPERIMENTS, EXPERIMENT_NAMES, logSpaced, moduleOf, optionFields, parseFieldText, runDecoding, runScaling } from '../../src-shared/experiments';
import { defaultCompareMetrics } from '../../src-shared/experiments/compare';
import { decodingCost, decodingRow } from '../../src-shared/experiments/decoding';
import { SCORE_FUNCTIONS } from '../../src-shared/metrics/catalogue';
import { inputOf, referenceContext, sequenceJob } from '../experiments/helpers';

const field = (name: string, option: string) => optionFields(moduleOf(name as never)).find((f) => f.name === option)!;

describe('text → values', () => {
  it('reads commas, spaces and semicolons between numbers', () => {
    expect(parseFieldText(field('scaling', 'dims'), '1, 2 3;4')).toEqual({ value: [1, 2, 3, 4] });
    expect(parseFieldText(field('compare', 'metrics'), 'dot,cosine')).toEqual({ value: ['dot', 'cosine'] });
  });

  it('says what is wrong with the first bad value', () => {
    expect(parseFieldText(field('scaling', 'dims'), '')).toEqual({ error: 'expected a comma-separated list' });
    expect(parseFieldText(field('temperature', 'taus'), '4, x')).toEqual({ error: '"x" is not a number' });
    expect(parseFieldText(field('scaling', 'dims'), '4, 2.5')).toEqual({ error: '"2.5" is not a whole number' });
    expect(parseFieldText(field('compare', 'metrics'), 'dot, nope')).toMatchObject({ error: expect.stringMatching(/^"nope" is not one of dot, /) });
    expect(parseFieldText(field('knn', 'k'), '')).toMatchObject({ error: expect.any(String) });
  });

  it('the default τ sweep runs from 0.05 to 20, 13 values evenly spaced on a log axis', () => {
    const taus = parseFieldText(field('temperature', 'taus'), String(defaultForm('temperature').taus)) as { value: number[] };
    expect(taus.value).toHaveLength(13);
    expect(taus.value[0]).toBe(0.05);
    expect(taus.value[taus.value.length - 1]).toBe(20);
    const ratios = taus.value.slice(1).map((t, i) => t / taus.value[i]);
    for (const r of ratios) expect(r).toBeCloseTo(ratios[0], 1);
    expect(logSpaced(1, 100, 3)).toEqual([1, 10, 100]);
  });
});

describe('forms → options', () => {
  it('scaling: each bad field named', () => {
    expect(experimentOptions('scaling', { dims: '4, 16, 64', n: 32, trials: 2, seed: 7 })).toEqual({ ok: true, options: { dims: [4, 16, 64], n: 32, trials: 2, seed: 7 } });
    const bad = experimentOptions('scaling', { dims: '4, -1', n: 0, trials: '', seed: 1.5 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(Object.keys(bad.errors).sort()).toEqual(['dims', 'n', 'seed', 'trials']);
    const range = experimentOptions('scaling', { dims: '4, 70000', n: 0, trials: 1, seed: 0 });
    expect(range).toEqual({ ok: false, errors: { dims: 'value 2: expected a width ≤ 65536', n: 'expected a token count ≥ 1' } });
  });

  it('scaling: n × the widest width is bounded like the service bounds it, under n', () => {
    const o = experimentOptions('scaling', { dims: '65536', n: 1024, trials: 1, seed: 0 });
    expect(o).toEqual({ ok: false, errors: { n: expect.stringMatching(/use n ≤ 256/) } });
  });

  it('temperature: τ must be > 0, the message on its value', () => {
    expect(experimentOptions('temperature', { taus: '2, 0.5, 1' })).toEqual({ ok: true, options: { taus: [2, 0.5, 1] } });
    expect(experimentOptions('temperature', { taus: '1, -2' })).toEqual({ ok: false, errors: { taus: 'value 2: expected a τ > 0' } });
  });

  it('compare: known score functions only; k bounded', () => {
    expect(experimentOptions('compare', { metrics: 'dot, rbf', k: 2 })).toEqual({ ok: true, options: { metrics: ['dot', 'rbf'], k: 2 } });
    expect(experimentOptions('compare', { metrics: 'dot, nope', k: 0 })).toEqual({
      ok: false,
      errors: { metrics: expect.stringMatching(/"nope" is not one of/), k: 'expected k ≥ 1' },
    });
    expect(experimentOptions('compare', { metrics: 'dot', k: 0 })).toEqual({ ok: false, errors: { k: 'expected k ≥ 1' } });
  });

  it('k-NN and geometry pass the picks; every experiment has a form with defaults that validate', () => {
    expect(experimentOptions('knn', { query: 2, head: 1, k: 3 })).toEqual({ ok: true, options: { query: 2, head: 1, k: 3 } });
    expect(experimentOptions('geometry', { query: 2, head: null })).toEqual({ ok: true, options: { query: 2 } });
    const forms = defaultForms({ embeddings: { inline: { vectors: [[1]] } }, metric: { id: 'cosine' } });
    for (const name of EXPERIMENT_NAMES) expect(experimentOptions(name, forms[name]).ok, name).toBe(true);
    expect(EXPERIMENTS.filter((e) => !e.needsJob).map((e) => e.id)).toEqual(['scaling', 'recurrence']);
  });

  it('the metric checklist is the catalogue’s score functions, the configuration’s own first by default', () => {
    const metrics = optionFieldFor(field('compare', 'metrics'));
    expect(metrics.control).toBe('checklist');
    expect(metrics.choices).toEqual(SCORE_FUNCTIONS.map((e) => e.id));
    expect(defaultForm('compare', { embeddings: { inline: { vectors: [[1]] } }, metric: { id: 'laplacian' } }).metrics).toBe('laplacian, dot, cosine');
    expect(defaultCompareMetrics('laplacian')).toEqual(['laplacian', 'dot', 'cosine']);
    expect(defaultCompareMetrics('dot')).toEqual(['dot', 'cosine', 'rbf']);
    expect(defaultCompareMetrics('no-such')).toEqual(['dot', 'cosine', 'rbf']);
  });

  it('a query or head picker becomes a select over the current result’s rows or heads', () => {
    const query = optionFieldFor(field('geometry', 'query'), { count: 3, labels: ['0 · a', '1 · b', '2 · c'] });
    expect(query).toMatchObject({ control: 'select', choices: ['0', '1', '2'], choiceLabels: ['0 · a', '1 · b', '2 · c'] });
    expect(optionFieldFor(field('knn', 'k')).control).toBe('integer');
  });

  it('k-NN’s query starts as “last”: the empty first choice of its select, the placeholder of its box before a run', () => {
    expect(defaultForm('knn').query).toBeNull();
    expect(optionFieldFor(field('knn', 'query'), { count: 2, labels: ['0 · a', '1 · b'] })).toMatchObject({
      control: 'select',
      choices: ['', '0', '1'],
      choiceLabels: ['last', '0 · a', '1 · b'],
    });
    expect(optionFieldFor(field('knn', 'query'))).toMatchObject({ control: 'integer', placeholder: 'last' });
    expect(experimentOptions('knn', { query: null, head: null, k: 3 })).toEqual({ ok: true, options: { k: 3 } });
    expect(defaultForm('geometry').query).toBe(0);
  });
});

describe('errors and pickers', () => {
  it('an option error goes under its field, anything else above the view', () => {
    expect(placeExperimentError('options.taus.2: expected a τ > 0 and ≤ 1000000, got 0')).toEqual({ field: 'taus', message: 'value 3: expected a τ > 0 and ≤ 1000000, got 0' });
    expect(placeExperimentError('options.k: expected an integer from 1 to 4096, got 0')).toEqual({ field: 'k', message: 'expected an integer from 1 to 4096, got 0' });
    expect(placeExperimentError('job.metric.id: the score function "x" has no temperature τ to sweep')).toEqual({
      field: null,
      message: 'job.metric.id: the score function "x" has no temperature τ to sweep',
    });
  });

  it('row choices keep repeated tokens apart by index; indices are clamped into range', () => {
    expect(rowChoices(['the', 'cat', 'the'], 3)).toEqual([
      { value: 0, label: '0 · the' },
      { value: 1, label: '1 · cat' },
      { value: 2, label: '2 · the' },
    ]);
    expect(rowChoices(null, 2).map((c) => c.label)).toEqual(['0', '1']);
    expect(clampIndex(9, 4)).toBe(3);
    expect(clampIndex(-2, 4)).toBe(0);
    expect(clampIndex(3, 0)).toBe(0);
  });
});

describe('decoding bookkeeping', () => {
  it('cells per step with the cache (t + 1) and recomputing ((t+1)(t+2)/2), and their running totals', async () => {
    const result = await runDecoding(referenceContext(), inputOf(sequenceJob(5, 4, 3)), {});
    const c = decodingCost(result, 3)!;
    expect(c).toEqual({ t: 3, incremental: 4, recompute: 10, totalIncremental: 1 + 2 + 3 + 4, totalRecompute: 1 + 3 + 6 + 10, ratio: 2.5 });
    expect(decodingCost(result, 99)!.t).toBe(4);
    const row = decodingRow(result, 2, 0);
    expect(row).toHaveLength(3);
    expect(Array.from(row).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });
});

describe('files', () => {
  it('the CSV is the experiment’s table; the JSON carries the options and the result', async () => {
    const result = await runScaling(referenceContext(), { dims: [2, 8], n: 6, trials: 1, seed: 1 });
    const csv = experimentFile('scaling', result, 'csv');
    expect(csv.filename).toBe('qklab-scaling.csv');
    expect(csv.mime).toMatch(/^text\/csv/);
    const text = String(csv.data);
    expect(text.split('\r\n')[0]).toBe('dim,unscaled,scaled,max');
    expect(text.split('\r\n').filter(Boolean)).toHaveLength(3);
    const json = experimentFile('scaling', result, 'json', { options: result.options });
    const body = JSON.parse(String(json.data));
    expect(json.filename).toBe('qklab-scaling.json');
    expect(body).toMatchObject({ experiment: 'scaling', options: { dims: [2, 8], n: 6 }, result: { rows: [{ dim: 2 }, { dim: 8 }] } });
  });
});
