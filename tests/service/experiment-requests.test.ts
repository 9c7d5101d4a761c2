/**
 * The runExperiment request schema (src-shared/api/requests.ts): every experiment's options
 * are bounded, scaling takes no JobSpec and the others need one, and oversized requests are
 * refused before the schema is even tried.
 */
import { describe, expect, it } from 'vitest';
import { OPERATIONS, parseRequest } from '../../src-shared/api/requests';
import { EXPERIMENT_LIMITS } from '../../src-shared/experiments';

const job = {
  embeddings: {
    inline: {
      vectors: [
        [1, 0],
        [0, 1],
      ],
    },
  },
};
const scaling = { dims: [256, 512], n: 64, trials: 5, seed: 0 };
const req = (name: string, options: unknown, withJob = name !== 'scaling') => ({ runId: 'e-1', name, ...(withJob ? { job } : {}), options });
const refuse = (payload: unknown, message: RegExp) => expect(() => parseRequest('runExperiment', payload)).toThrow(message);

describe('the runExperiment request', () => {
  it('accepts each experiment with its options, and fills nothing in', () => {
    expect(parseRequest('runExperiment', req('scaling', scaling))).toEqual(req('scaling', scaling));
    for (const [name, options] of [
      ['temperature', { taus: [0.05, 1e6] }],
      ['compare', { metrics: ['dot', 'cosine', 'rbf', 'hamming'], k: 4096 }],
      ['geometry', { query: 3, head: 1 }],
      ['geometry', { query: 0 }],
      ['decoding', {}],
      ['decoding', { steps: 4096 }],
      ['knn', { query: 0, k: 1 }],
    ] as const) {
      expect(parseRequest('runExperiment', req(name, options))).toEqual(req(name, options));
    }
  });

  it('scaling: every number bounded (dims ≤ 65536, n ≤ 4096, trials ≤ 100, ≤ 64 dims, n × dim ≤ 2^24)', () => {
    refuse(req('scaling', { ...scaling, dims: [65537] }), /options\.dims\.0: expected a width ≤ 65536/);
    refuse(req('scaling', { ...scaling, dims: [0] }), /options\.dims\.0: expected a width ≥ 1/);
    refuse(req('scaling', { ...scaling, dims: [2.5] }), /options\.dims\.0: expected a width \(an integer\)/);
    refuse(req('scaling', { ...scaling, dims: [] }), /options\.dims: expected at least one width/);
    refuse(req('scaling', { ...scaling, dims: Array(65).fill(8) }), /options\.dims: expected at most 64 widths/);
    refuse(req('scaling', { ...scaling, n: 4097 }), /options\.n: expected a token count ≤ 4096/);
    refuse(req('scaling', { ...scaling, trials: 101 }), /options\.trials: expected a trial count ≤ 100/);
    refuse(req('scaling', { ...scaling, seed: -1 }), /options\.seed/);
    refuse(req('scaling', { ...scaling, seed: 2 ** 32 }), /options\.seed/);
    refuse(req('scaling', { dims: [65536], n: 4096, trials: 1, seed: 0 }), /exceeds the 2\^24 numbers/);
    expect(EXPERIMENT_LIMITS.maxCells).toBe(2 ** 24);
    refuse(req('scaling', { ...scaling, dims: ['256'] }), /options\.dims\.0: expected a width/);
    refuse(req('scaling', { ...scaling, extra: 1 }), /unknown field "extra"/);
    refuse(req('scaling', { dims: [8], n: 4, trials: 1 }), /options\.seed/);
  });

  it('scaling takes no JobSpec; every other experiment needs one', () => {
    refuse(req('scaling', scaling, true), /unknown field "job"/);
    const good: Record<string, unknown> = { temperature: { taus: [1] }, compare: { metrics: ['dot'], k: 1 }, geometry: { query: 0 }, decoding: {}, knn: { query: 0, k: 1 } };
    for (const [name, options] of Object.entries(good)) refuse(req(name, options, false), /job: missing field "job"/);
  });

  it('the other experiments: τ > 0 and finite, ≤ 64 of them; known score functions, ≤ 16; k, query, head, steps bounded', () => {
    refuse(req('temperature', { taus: [0] }), /options\.taus\.0: expected a τ > 0/);
    refuse(req('temperature', { taus: [Infinity] }), /options\.taus\.0: expected a finite τ/);
    refuse(req('temperature', { taus: [1e7] }), /options\.taus\.0: expected a τ ≤ 1000000/);
    refuse(req('temperature', { taus: Array(65).fill(1) }), /options\.taus: expected at most 64/);
    refuse(req('compare', { metrics: ['dot', 'nope'], k: 1 }), /options\.metrics\.1: expected a score function id/);
    refuse(req('compare', { metrics: Array(17).fill('dot'), k: 1 }), /options\.metrics: expected at most 16/);
    refuse(req('compare', { metrics: ['dot'], k: 4097 }), /options\.k: expected k ≤ 4096/);
    refuse(req('geometry', { query: -1 }), /options\.query: expected a query index ≥ 0/);
    refuse(req('geometry', { query: 0, head: 1024 }), /options\.head: expected a head index ≤ 1023/);
    refuse(req('decoding', { steps: 4097 }), /options\.steps: expected a step count ≤ 4096/);
    refuse(req('knn', { query: 0 }), /options\.k/);
    refuse(req('knn', { query: 0, k: 1, tau: 2 }), /unknown field "tau"/);
    refuse({ ...req('knn', { query: 0, k: 1 }), runId: 'a b' }, /runId/);
    refuse({ ...req('geometry', { query: 0 }), job: { ...job, metric: { id: 'cosine', tau: -1 } } }, /job\.metric\.tau: expected a number > 0/);
  });

  it('refuses an unknown experiment and a request larger than a JobSpec may be (8 MiB)', () => {
    refuse(req('speed', {}), /name: expected an experiment name: one of scaling, temperature, compare, geometry, decoding, knn/);
    expect(OPERATIONS.runExperiment.maxBytes).toBe(8 * 2 ** 20);
    // (counted without serialising: a string costs its length)
    const big = { ...req('geometry', { query: 0 }), job: { embeddings: { inline: { tokens: ['x'.repeat(8 * 2 ** 20)], vectors: [[1]] } } } };
    refuse(big, /larger than the 8 MiB this operation accepts \(or nested too deeply\); save the vectors to a file/);
  });
});
