import { describe, expect, it } from 'vitest';
import { CATALOGUE, catalogueEntry, type ParamKind } from '../../src-shared/metrics/catalogue';
import {
  defaultFormValues,
  fieldFor,
  formToParams,
  fromSliderPosition,
  isVisible,
  paramsToForm,
  parseEdgeList,
  parseMatrix,
  paramValue,
  toSliderPosition,
  visibleFields,
  type FieldControl,
} from '../../src-renderer/src/logic/form';
import { buildJobSpec, defaultConfig, emptySources, scoreEntry, type ConfigState } from '../../src-renderer/src/logic/jobspec';
import { sample } from '../../src-renderer/src/logic/samples';

const ALL_KINDS: ParamKind[] = ['number', 'integer', 'boolean', 'choice', 'integerList', 'numberList', 'edgeList', 'matrix', 'path', 'choiceList', 'numberOrList', 'matrixSource'];
const EXPECTED: Record<ParamKind, FieldControl[]> = {
  number: ['number', 'slider'],
  integer: ['integer', 'slider'],
  boolean: ['checkbox'],
  choice: ['select'],
  integerList: ['list'],
  numberList: ['list'],
  edgeList: ['list'],
  matrix: ['matrix'],
  path: ['path'],
  choiceList: ['checklist'],
  numberOrList: ['list'],
  matrixSource: ['path'],
};

const sentence = () => ({ ...emptySources(), embeddings: { kind: 'inline' as const, name: 's', data: sample('sentence').embeddings! } });

describe('the catalogue-driven form', () => {
  it('every parameter of every catalogue entry maps to a field description by its kind', () => {
    const seen = new Set<ParamKind>();
    for (const entry of CATALOGUE) {
      for (const p of entry.params) {
        const f = fieldFor(p);
        seen.add(p.kind);
        expect(EXPECTED[p.kind], `${entry.id}.${p.name}`).toContain(f.control);
        expect(f.label).toBe(p.label);
        expect(f.help).toBe(p.help);
        if (p.slider) expect(f.control).toBe('slider');
        if (p.kind === 'choice') expect(f.choices).toEqual(p.choices);
      }
    }
    // the catalogue uses every kind, so the form is exercised on all of them
    expect([...seen].sort()).toEqual([...ALL_KINDS].sort());
  });

  it('τ is a logarithmic slider with numeric entry; its help is the tooltip', () => {
    const tau = scoreEntry('cosine').params.find((p) => p.name === 'tau')!;
    const f = fieldFor(tau);
    expect(f.control).toBe('slider');
    expect(f.slider).toEqual({ min: 0.01, max: 10, log: true });
    expect(f.help).toMatch(/temperature/);
  });

  it('log slider positions map back to 3-significant-digit values', () => {
    const range = { min: 0.01, max: 10, log: true };
    expect(fromSliderPosition(0, range)).toBe(0.01);
    expect(fromSliderPosition(1000, range)).toBe(10);
    expect(fromSliderPosition(toSliderPosition(1, range), range)).toBeCloseTo(1, 2);
    expect(toSliderPosition(0.1, range)).toBe(333);
    const linear = { min: -5, max: 5, log: false };
    expect(fromSliderPosition(500, linear)).toBe(0);
    expect(toSliderPosition(null, linear)).toBe(0);
  });

  it('changing τ changes the JobSpec', () => {
    const config: ConfigState = { ...defaultConfig(), metric: { id: 'cosine', values: defaultFormValues(scoreEntry('cosine')) } };
    const before = buildJobSpec(sentence(), config).job!;
    expect(before.metric).toEqual({ id: 'cosine', tau: 1 });
    const after = buildJobSpec(sentence(), { ...config, metric: { id: 'cosine', values: { tau: 0.05 } } }).job!;
    expect(after.metric).toEqual({ id: 'cosine', tau: 0.05 });
  });

  it('a bad τ is an instant error on metric.tau, worded by the shared schema', () => {
    const { job, errors } = buildJobSpec(sentence(), { ...defaultConfig(), metric: { id: 'rbf', values: { tau: -1 } } });
    expect(job).toBeNull();
    expect(errors).toEqual({ 'metric.tau': 'expected a number > 0, got -1' });
    const text = buildJobSpec(sentence(), { ...defaultConfig(), metric: { id: 'rbf', values: { tau: 'abc' } } });
    expect(text.errors['metric.tau']).toMatch(/expected a number/);
  });

  it('`when` hides parameters that do not apply, and hidden ones stay out of the JobSpec', () => {
    const dot = scoreEntry('dot');
    const tau = dot.params.find((p) => p.name === 'tau')!;
    expect(isVisible(dot, tau, { scale: 'sqrt_d', tau: 0.5 })).toBe(false);
    expect(isVisible(dot, tau, { scale: 'tau', tau: 0.5 })).toBe(true);
    expect(visibleFields(dot, { scale: 'sqrt_d' }).map((f) => f.name)).toEqual(['scale']);
    expect(formToParams(dot, { scale: 'sqrt_d', tau: 0.5 }).params).toEqual({ scale: 'sqrt_d' });
    expect(formToParams(dot, { scale: 'tau', tau: 0.5 }).params).toEqual({ scale: 'tau', tau: 0.5 });

    const mahalanobis = scoreEntry('mahalanobis');
    expect(visibleFields(mahalanobis, defaultFormValues(mahalanobis)).map((f) => f.name)).toEqual(['tau', 'matrix']);
    expect(visibleFields(mahalanobis, { ...defaultFormValues(mahalanobis), matrix: 'diagonal' }).map((f) => f.name)).toEqual(['tau', 'matrix', 'diagonal']);
  });

  it('a choice that allows a number takes one (dot scale = 0.5)', () => {
    const dot = scoreEntry('dot');
    expect(formToParams(dot, { scale: '0.5' }).params).toEqual({ scale: 0.5 });
    const { job } = buildJobSpec(sentence(), { ...defaultConfig(), metric: { id: 'dot', values: { scale: '0.5' } } });
    expect(job!.metric).toEqual({ id: 'dot', scale: 0.5 });
  });

  it('lists, edges and matrices are typed as text and parsed', () => {
    expect(parseEdgeList('0-1, 1-2, 2 0')).toEqual([
      [0, 1],
      [1, 2],
      [2, 0],
    ]);
    expect(parseEdgeList('[[0,1],[3,4]]')).toEqual([
      [0, 1],
      [3, 4],
    ]);
    expect(parseEdgeList('0-x')).toMatch(/not an edge/);
    expect(parseMatrix('1 0\n0 1')).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(parseMatrix('[[1,2],[3,4]]')).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(parseMatrix('1 2\n3')).toMatch(/different lengths/);
  });

  it('params → form → params is the identity for every kind the graph mask uses', () => {
    const graph = CATALOGUE.find((e) => e.kind === 'mask' && e.id === 'graph')!;
    const params = {
      edges: [
        [0, 1],
        [2, 3],
      ],
      adjacency: [
        [0, 1],
        [1, 0],
      ],
      path: '/m/adj.npy',
      directed: true,
      selfLoops: false,
    };
    expect(formToParams(graph, paramsToForm(graph, params)).params).toEqual(params);
  });
});

describe('the kinds recurrences added', () => {
  const beta = catalogueEntry('recurrence', 'delta')!.params.find((p) => p.name === 'beta')!;
  const gates = catalogueEntry('recurrence', 'selective')!.params.find((p) => p.name === 'gates')!;

  it('one number or a list (delta’s β): one number stays a number, several a list, and back', () => {
    expect(paramValue(beta, '0.5')).toEqual({ value: 0.5 });
    expect(paramValue(beta, '0.5, 0.25 1')).toEqual({ value: [0.5, 0.25, 1] });
    expect(paramValue(beta, 'x').error).toBeDefined();
    expect(paramsToForm(catalogueEntry('recurrence', 'delta')!, { beta: [0.5, 0.25] }).beta).toBe('0.5, 0.25');
  });

  it('a matrix source (selective gates) is a file in the form; inline gates show no path', () => {
    expect(fieldFor(gates).control).toBe('path');
    expect(paramValue(gates, ' g.npy ')).toEqual({ value: { path: 'g.npy' } });
    expect(paramValue(gates, '')).toEqual({});
    const entry = catalogueEntry('recurrence', 'selective')!;
    expect(paramsToForm(entry, { gates: { path: 'g.npy' } }).gates).toBe('g.npy');
    expect(paramsToForm(entry, { gates: { inline: [[0.5]] } }).gates).toBe('');
  });
});
