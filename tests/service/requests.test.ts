/**
 * The request table (src-shared/api/requests.ts): every operation accepts a well-formed
 * request and refuses malformed and oversized ones before the service sees them.
 */
import { describe, expect, it } from 'vitest';
import { OPERATIONS, RequestError, parseRequest, payloadBytes, type OperationName } from '../../src-shared/api/requests';
import { dispatch, OPERATION_NAMES } from '../../src-main/service/dispatch';

const abs = process.platform === 'win32' ? 'C:\\data\\emb.npy' : '/data/emb.npy';
const job = {
  embeddings: {
    inline: {
      tokens: ['a', 'b'],
      vectors: [
        [1, 0],
        [0, 1],
      ],
    },
  },
  metric: { id: 'cosine', tau: 0.5 },
  mask: [{ id: 'causal' }],
};
const session = { job, view: { theme: 'dark', head: 0 } };

/** One good request per operation, and malformed ones with the field the message must name. */
const CASES: Record<OperationName, { good: unknown[]; bad: [unknown, RegExp][] }> = {
  openEmbeddings: {
    good: [{}, { path: abs }, { path: abs, part: 'wte' }],
    bad: [
      [{ path: 3 }, /path: expected a file path/],
      [{ path: '' }, /path: expected a file path/],
      [{ path: `${abs}\0.png` }, /NUL/],
      [{ path: abs, extra: true }, /unknown field "extra"/],
      [null, /expected Object|got null/],
      ['open', /got "open"/],
    ],
  },
  captureModel: {
    good: [
      { path: abs, captureId: 'cap-1', text: 'the cat sat' },
      { path: abs, captureId: 'cap-2', ids: '3, 14 15' },
    ],
    bad: [
      [{ path: abs, captureId: 'cap-1' }, /either a text or token ids, one of the two/],
      [{ path: abs, captureId: 'cap-1', text: 'a', ids: '1' }, /either a text or token ids, one of the two/],
      [{ path: abs, captureId: '../x', ids: '1' }, /captureId: expected a capture id made of/],
      [{ path: abs, captureId: 'cap-1', text: '' }, /text: expected a text to tokenize/],
      [{ path: abs, captureId: 'cap-1', ids: [1, 2] }, /ids: expected token ids as text/],
      [{ path: abs, captureId: 'cap-1', ids: '1', layers: [0] }, /unknown field "layers"/],
    ],
  },
  lookupSentence: {
    good: [{ sourceId: 'src-1', sentence: 'the cat sat' }],
    bad: [
      [{ sourceId: 'src-1' }, /sentence/],
      [{ sourceId: '../x', sentence: 'a' }, /sourceId: expected a source id made of/],
      [{ sourceId: 'src-1', sentence: 'a'.repeat(20_001) }, /sentence: expected a sentence of at most 20000/],
    ],
  },
  runJob: {
    good: [
      { runId: 'run-1', job },
      { runId: 'run-2', job, channel: 'main' },
    ],
    bad: [
      [{ runId: 'run-1' }, /job/],
      [{ runId: 'run 1', job }, /runId/],
      [{ runId: 'run-1', job: { ...job, metric: { id: 'cosine', tau: 'hot' } } }, /job\.metric\.tau: expected a number/],
      [{ runId: 'run-1', job: { ...job, metric: { id: 'nope' } } }, /job\.metric.*score function id/],
      [{ runId: 'run-1', job: { ...job, mask: [{ id: 'window', size: -1 }] } }, /job\.mask\.0\.size/],
      [{ runId: 'run-1', job: { ...job, colour: 'red' } }, /unknown field "colour"/],
      [{ runId: 'run-1', job: { embeddings: { path: 7 } } }, /job\.embeddings\.path: expected a file path/],
      [{ runId: 'run-1', job, channel: 5 }, /channel/],
    ],
  },
  runExperiment: {
    good: [
      { runId: 'exp-1', name: 'scaling', options: { dims: [64, 1024], n: 16, trials: 2, seed: 0 } },
      { runId: 'exp-2', name: 'temperature', job, options: { taus: [0.1, 1, 10] } },
      { runId: 'exp-3', name: 'compare', job, options: { metrics: ['dot', 'cosine'], k: 1 } },
      { runId: 'exp-4', name: 'geometry', job, options: { query: 1 } },
      { runId: 'exp-5', name: 'decoding', job, options: {} },
      { runId: 'exp-6', name: 'knn', job, options: { query: 0, head: 0, k: 2 } },
    ],
    bad: [
      [{ runId: 'exp-1', name: 'speed', options: {} }, /expected an experiment name/],
      [{ runId: 'exp-1', name: 'scaling', options: { dims: [70000], n: 16, trials: 2, seed: 0 } }, /options\.dims\.0: expected a width ≤ 65536/],
      [{ runId: 'exp-1', name: 'temperature', options: { taus: [1] } }, /job/],
      [{ runId: 'exp-1', name: 'knn', job, options: { query: 0, k: 0 } }, /options\.k: expected k ≥ 1/],
    ],
  },
  modelPattern: {
    good: [
      { runId: 'run-1', head: 0 },
      { runId: 'run-1', head: 1023 },
    ],
    bad: [
      [{ runId: 'run-1', head: 1024 }, /head: expected a head index ≤ 1023/],
      [{ runId: 'run-1', head: 0.5 }, /head: expected an integer/],
      [{ runId: 'run 1', head: 0 }, /runId: expected a run id made of letters/],
      [{ runId: 'run-1' }, /missing field "head"/],
      [{ runId: 'run-1', head: 0, layer: 2 }, /unknown field "layer"/],
    ],
  },
  fetchTile: {
    good: [
      { runId: 'run-1', head: 0, rows: [0, 512], cols: [100, 612] },
      { runId: 'run-1', head: 11, rows: [16000, 16001], cols: [0, 1] },
    ],
    bad: [
      [{ runId: 'run-1', head: 0, rows: [0, 513], cols: [0, 1] }, /rows: expected at most 512 rows/],
      [{ runId: 'run-1', head: 0, rows: [0, 1], cols: [5, 5] }, /cols: expected \[start, end\) of columns with start < end/],
      [{ runId: 'run-1', head: -1, rows: [0, 1], cols: [0, 1] }, /head: expected a head index ≥ 0/],
      [{ runId: 'run-1', head: 0, rows: [0.5, 1], cols: [0, 1] }, /rows\.0: expected an integer index/],
      [{ runId: 'run-1', head: 0, rows: [0, 1] }, /missing field "cols"/],
      [{ runId: 'run-1', head: 0, rows: [0, 1], cols: [0, 1], weights: true }, /unknown field "weights"/],
    ],
  },
  cancelJob: {
    good: [{ runId: 'run-1' }],
    bad: [
      [{}, /runId/],
      [{ runId: 'x'.repeat(129) }, /runId: expected a run id of at most 128/],
    ],
  },
  exportRun: {
    good: [
      { runId: 'run-1', format: 'png', scale: 2 },
      { runId: 'run-1', format: 'svg', view: { matrix: 'scores', colormap: 'magma', scale: 'log', head: 1 }, path: abs, caption: 'cosine τ=0.5' },
      { runId: 'run-1', format: 'npy' },
      { runId: 'run-1', format: 'png', picture: { kind: 'grid' } },
      { runId: 'run-1', format: 'svg', picture: { kind: 'region', rows: [1000, 1512], cols: [0, 64] } },
    ],
    bad: [
      [{ runId: 'run-1', format: 'gif' }, /format: expected one of png, svg, csv, npy, json/],
      [{ runId: 'run-1', format: 'png', picture: { kind: 'all' } }, /picture/],
      [{ runId: 'run-1', format: 'png', picture: { kind: 'region', rows: [0, 513], cols: [0, 8] } }, /picture\.rows: expected at most 512 rows/],
      [{ runId: 'run-1', format: 'png', picture: { kind: 'grid', rows: [0, 8] } }, /unknown field "rows"/],
      [{ runId: 'run-1', format: 'png', scale: 3 }, /scale: expected a PNG scale of 1, 2 or 4/],
      [{ runId: 'run-1', format: 'png', view: { matrix: 'weights', colormap: 'x', scale: 'linear', head: -1 } }, /view\.head/],
      [{ runId: 'run-1', format: 'png', view: { matrix: 'weights', colormap: 'x', scale: 'linear', head: 0, js: 1 } }, /unknown field "js"/],
    ],
  },
  saveSession: {
    good: [{ session }, { session, path: abs, embedData: true }, { session, saveAs: true }],
    bad: [
      [{ session: { view: {} } }, /session\.job/],
      [{ session: { job, view: [] } }, /session\.view: expected the view state as an object/],
      [{ session: { job: { metric: { id: 'dot', scale: {} } }, view: {} } }, /session\.job\.metric\.scale/],
      [{ session, saveAs: 'yes' }, /saveAs/],
    ],
  },
  openSession: {
    good: [{}, { path: abs }],
    bad: [
      [{ path: ['a'] }, /path: expected a file path/],
      [{ file: abs }, /unknown field "file"/],
    ],
  },
  grantSessionFiles: {
    good: [{ paths: [] }, { paths: [abs, abs] }],
    bad: [
      [{}, /paths/],
      [{ paths: abs }, /paths: expected a list of file paths/],
      [{ paths: ['a\0b'] }, /NUL/],
      [{ paths: Array(65).fill(abs) }, /at most 64 file paths/],
      [{ paths: [abs], grant: 'dialog' }, /unknown field "grant"/],
    ],
  },
  autosave: {
    good: [{ session }],
    bad: [
      [{}, /session/],
      [{ session: { ...session, savedAt: 'now' } }, /unknown field "savedAt"/],
    ],
  },
  recoverSession: {
    good: [undefined, null],
    bad: [
      [{ path: abs }, /expected no arguments/],
      [1, /expected no arguments/],
    ],
  },
  recentFiles: { good: [undefined], bad: [[{}, /expected no arguments/]] },
  appInfo: { good: [undefined], bad: [['x', /expected no arguments/]] },
  grantDroppedPath: {
    good: [{ path: abs }],
    bad: [
      [{}, /path/],
      [{ path: abs, read: true }, /unknown field "read"/],
    ],
  },
};

describe('the request table', () => {
  it('has a test case for every operation and a distinct channel each', () => {
    expect(Object.keys(CASES).sort()).toEqual([...OPERATION_NAMES].sort());
    const channels = OPERATION_NAMES.map((n) => OPERATIONS[n].channel);
    expect(new Set(channels).size).toBe(channels.length);
    for (const n of OPERATION_NAMES) expect(OPERATIONS[n].name).toBe(n);
  });

  for (const name of Object.keys(CASES) as OperationName[]) {
    describe(name, () => {
      it('accepts well-formed requests', () => {
        for (const good of CASES[name].good) expect(() => parseRequest(name, good)).not.toThrow();
      });

      it('refuses malformed requests with a message naming the field', () => {
        for (const [bad, message] of CASES[name].bad) {
          let error: unknown;
          try {
            parseRequest(name, bad);
          } catch (e) {
            error = e;
          }
          expect(error, `${name} accepted ${JSON.stringify(bad)?.slice(0, 80)}`).toBeInstanceOf(RequestError);
          expect((error as Error).message).toMatch(message);
          expect((error as Error).message.startsWith(`${name}: `)).toBe(true);
        }
      });

      it(`refuses requests over its ${OPERATIONS[name].maxBytes}-byte limit before validating them`, () => {
        const limit = OPERATIONS[name].maxBytes;
        // a well-formed request padded past the limit (the padding is in a field the schema would refuse anyway,
        // so the size check must be what fires: its message says so)
        const good = CASES[name].good.find((g) => g && typeof g === 'object') as Record<string, unknown> | undefined;
        const oversized = { ...(good ?? {}), padding: 'x'.repeat(limit + 1) };
        expect(() => parseRequest(name, oversized)).toThrow(/larger than .* this operation accepts/);
      });
    });
  }

  it('refuses a JobSpec with more inline numbers than runJob accepts', () => {
    const rows = 1100;
    const big = Array.from({ length: rows }, () => new Array(1000).fill(0.5));
    expect(payloadBytes({ runId: 'r', job: { embeddings: { inline: { vectors: big } } } })).toBeGreaterThan(OPERATIONS.runJob.maxBytes / 8);
    const huge = { runId: 'r', job: { embeddings: { inline: { vectors: Array.from({ length: 8500 }, () => big[0]) } } } };
    expect(() => parseRequest('runJob', huge)).toThrow(/larger than the 8 MiB this operation accepts.*name it with "path"/);
  });

  it('counts cyclic or absurdly deep payloads as oversized, never looping', () => {
    const cyclic: Record<string, unknown> = { runId: 'r' };
    cyclic.job = cyclic;
    expect(payloadBytes(cyclic, 1e9)).toBe(Infinity);
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(() => parseRequest('cancelJob', { runId: deep })).toThrow(RequestError);
    expect(payloadBytes(() => 1)).toBe(Infinity);
  });

  it('refuses unknown operations', () => {
    expect(() => parseRequest('deleteEverything' as OperationName, {})).toThrow(/unknown operation/);
    expect(() => parseRequest('toString' as OperationName, {})).toThrow(/unknown operation/);
  });

  it('the dispatcher answers in an envelope and never reaches the service with a bad request', async () => {
    let called = 0;
    const ops = Object.fromEntries(OPERATION_NAMES.map((n) => [n, async () => void called++])) as never;
    const bad = await dispatch(ops, 'runJob', { runId: 'r', job: { metric: { id: 'dot', scale: -1, x: 1 } } });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.name).toBe('RequestError');
    expect(called).toBe(0);
    const good = await dispatch(ops, 'cancelJob', { runId: 'r' });
    expect(good).toEqual({ ok: true, value: undefined });
    expect(called).toBe(1);
  });
});
