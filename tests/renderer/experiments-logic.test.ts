/**
 * The Experiments tab's plain logic: forms → options (with messages by field), the default
 * τ sweep, the catalogue-driven metric list, errors placed on fields, decoding's costs, and
 * the CSV / JSON files the views download. Results come from the real experiment code over
 * the float64 reference (tests/experiments/helpers), not hand-made fixtures.
 */
import { describe, expect, it } from 'vitest';
import {
  clampIndex,
  compareOptions,
  decodingCost,
  decodingRow,
  DEFAULT_TAUS,
  defaultCompareMetrics,
  defaultForms,
  EXPERIMENTS,
  experimentFile,
  experimentOptions,
  knnOptions,
  logSpaced,
  parseNumberList,
  parseWhole,
  placeExperimentError,
  rowChoices,
  scalingOptions,
  scoreFunctionChoices,
  sweepsTemperature,
  temperatureOptions,
} from '../../src-renderer/src/logic/experiments';
import { EXPERIMENT_NAMES, runDecoding, runScaling } from '../../src-shared/experiments';
import { SCORE_FUNCTIONS } from '../../src-shared/metrics/catalogue';
import { inputOf, referenceContext, sequenceJob } from '../experiments/helpers';

describe('number lists and whole numbers', () => {
  it('reads commas, spaces and semicolons between numbers', () => {
    expect(parseNumberList('1, 2 3;4', { what: 'a width' })).toEqual({ ok: true, value: [1, 2, 3, 4] });
  });

  it('says what is wrong with the first bad value', () => {
    expect(parseNumberList('', { what: 'a width' })).toEqual({ ok: false, error: 'expected at least one width' });
    expect(parseNumberList('4, x', { what: 'a width' })).toEqual({ ok: false, error: '"x" is not a number' });
    expect(parseNumberList('4, 2.5', { integer: true, what: 'a width' })).toEqual({ ok: false, error: 'expected a width as a whole number, got 2.5' });
    expect(parseNumberList('0.1, 0', { min: 0, exclusiveMin: true, what: 'a τ' })).toEqual({ ok: false, error: 'expected a τ > 0, got 0' });
    expect(parseNumberList('70000', { max: 65536, what: 'a width' })).toEqual({ ok: false, error: 'expected a width ≤ 65536, got 70000' });
    expect(parseNumberList('1 2 3', { maxCount: 2, what: 'a width' })).toEqual({ ok: false, error: 'expected at most 2 values, got 3' });
  });

  it('whole numbers in a range, from a number or the text of an input', () => {
    expect(parseWhole(3, 1, 5, 'k')).toEqual({ ok: true, value: 3 });
    expect(parseWhole('4', 1, 5, 'k')).toEqual({ ok: true, value: 4 });
    expect(parseWhole('', 1, 5, 'k')).toEqual({ ok: false, error: 'expected k' });
    expect(parseWhole(2.5, 1, 5, 'k').ok).toBe(false);
    expect(parseWhole(9, 1, 5, 'k')).toEqual({ ok: false, error: 'expected k from 1 to 5, got 9' });
  });

  it('the default τ sweep runs from 0.05 to 20, evenly spaced on a log axis', () => {
    expect(DEFAULT_TAUS[0]).toBe(0.05);
    expect(DEFAULT_TAUS[DEFAULT_TAUS.length - 1]).toBe(20);
    const ratios = DEFAULT_TAUS.slice(1).map((t, i) => t / DEFAULT_TAUS[i]);
    for (const r of ratios) expect(r).toBeCloseTo(ratios[0], 1);
    expect(logSpaced(1, 100, 3)).toEqual([1, 10, 100]);
  });
});

describe('forms → options', () => {
  it('scaling: widths sorted and de-duplicated; each bad field named', () => {
    expect(scalingOptions({ dims: '64, 4, 16, 4', n: 32, trials: 2, seed: 7 })).toEqual({ ok: true, options: { dims: [4, 16, 64], n: 32, trials: 2, seed: 7 } });
    const bad = scalingOptions({ dims: '4, -1', n: 0, trials: '', seed: 1.5 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(Object.keys(bad.errors).sort()).toEqual(['dims', 'n', 'seed', 'trials']);
  });

  it('scaling: n × the widest width is bounded like the service bounds it', () => {
    const o = scalingOptions({ dims: '65536', n: 1024, trials: 1, seed: 0 });
    expect(o).toEqual({ ok: false, errors: { n: expect.stringMatching(/use n ≤ 256/) } });
  });

  it('temperature: τ sorted ascending (sharpest first); τ must be > 0', () => {
    expect(temperatureOptions({ taus: '2, 0.5, 1' })).toEqual({ ok: true, options: { taus: [0.5, 1, 2] } });
    expect(temperatureOptions({ taus: '1, -2' })).toEqual({ ok: false, errors: { taus: 'expected a τ > 0, got -2' } });
  });

  it('compare: at least two score functions, in catalogue order; unknown ids refused', () => {
    expect(compareOptions({ metrics: ['rbf', 'dot'], k: 2, head: 0, query: 0 })).toEqual({ ok: true, options: { metrics: ['dot', 'rbf'], k: 2 } });
    expect(compareOptions({ metrics: ['dot'], k: 2, head: 0, query: 0 })).toEqual({ ok: false, errors: { metrics: 'choose at least two score functions to compare' } });
    expect(compareOptions({ metrics: ['dot', 'nope'], k: 0, head: 0, query: 0 })).toEqual({
      ok: false,
      errors: { metrics: 'unknown score function "nope"', k: 'expected k from 1 to 4096, got 0' },
    });
  });

  it('k-NN and geometry pass the picks; every experiment has a form with defaults that validate', () => {
    expect(knnOptions({ query: 2, head: 1, k: 3 })).toEqual({ ok: true, options: { query: 2, head: 1, k: 3 } });
    const forms = defaultForms('cosine');
    for (const name of EXPERIMENT_NAMES) expect(experimentOptions(name, forms).ok, name).toBe(true);
    expect(EXPERIMENTS.map((e) => e.name)).toEqual([...EXPERIMENT_NAMES]);
    expect(EXPERIMENTS.filter((e) => !e.usesJob).map((e) => e.name)).toEqual(['scaling']);
  });

  it('the metric checklist is the catalogue’s score functions, the configuration’s own first by default', () => {
    expect(scoreFunctionChoices().map((c) => c.id)).toEqual(SCORE_FUNCTIONS.map((e) => e.id));
    expect(defaultCompareMetrics('laplacian')).toEqual(['laplacian', 'dot', 'cosine']);
    expect(defaultCompareMetrics('dot')).toEqual(['dot', 'cosine', 'rbf']);
    expect(defaultCompareMetrics('no-such')).toEqual(['dot', 'cosine', 'rbf']);
    expect(sweepsTemperature('dot')).toBe(true);
    expect(sweepsTemperature('cosine')).toBe(true);
    expect(sweepsTemperature('no-such')).toBe(false);
  });
});

describe('errors and pickers', () => {
  it('an option error goes under its field, anything else above the view', () => {
    expect(placeExperimentError('options.taus.2: expected a τ > 0 and ≤ 1000000, got 0')).toEqual({ field: 'taus', message: 'value 3: expected a τ > 0 and ≤ 1000000, got 0' });
    expect(placeExperimentError('options.k: expected an integer from 1 to 4096, got 0')).toEqual({ field: 'k', message: 'expected an integer from 1 to 4096, got 0' });
    expect(placeExperimentError('job.metric.id: the score function "x" has no temperature τ to sweep')).toEqual({ field: null, message: 'job.metric.id: the score function "x" has no temperature τ to sweep' });
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
    expect(csv.text.split('\r\n')[0]).toBe('dim,unscaled,scaled,max');
    expect(csv.text.split('\r\n').filter(Boolean)).toHaveLength(3);
    const json = experimentFile('scaling', result, 'json', { options: result.options });
    const body = JSON.parse(json.text);
    expect(json.filename).toBe('qklab-scaling.json');
    expect(body).toMatchObject({ experiment: 'scaling', options: { dims: [2, 8], n: 6 }, result: { rows: [{ dim: 2 }, { dim: 8 }] } });
  });
});
