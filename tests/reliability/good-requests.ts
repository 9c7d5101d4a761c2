/**
 * One or more well-formed requests per IPC operation: the seeds the fuzzer mutates and the
 * shapes the security tests grow past each operation's size limit. An operation added to
 * src-shared/api/requests.ts without an entry here fails tests/reliability (on purpose:
 * every door into main is fuzzed).
 */
import type { OperationName } from '../../src-shared/api/requests';

export const ABS = process.platform === 'win32' ? 'C:\\data\\emb.npy' : '/data/emb.npy';
export const JOB = {
  embeddings: {
    inline: {
      tokens: ['a', 'b', 'c'],
      vectors: [
        [1, 0],
        [0, 1],
        [0.5, 0.5],
      ],
    },
  },
  metric: { id: 'cosine', tau: 0.5 },
  mask: [{ id: 'causal' }],
};
export const SESSION = { job: JOB, view: { theme: 'dark', head: 0, panels: ['heatmap', 'entropy'] } };

export const GOOD_REQUESTS: Record<OperationName, unknown[]> = {
  openEmbeddings: [{}, { path: ABS }, { path: ABS, part: 'wte' }],
  captureModel: [
    { path: '/models/model.onnx', captureId: 'cap-1', text: 'the cat sat' },
    { path: '/models/model.onnx', captureId: 'cap-2', ids: '464, 2068 7586' },
  ],
  lookupSentence: [{ sourceId: 'src-1', sentence: 'the cat sat on the mat' }],
  runJob: [
    { runId: 'run-1', job: JOB },
    { runId: 'run-2', job: JOB, channel: 'main' },
  ],
  cancelJob: [{ runId: 'run-1' }],
  fetchTile: [
    { runId: 'run-1', head: 0, rows: [0, 64], cols: [0, 64] },
    { runId: 'run-2', head: 1, rows: [100, 612], cols: [0, 512] },
  ],
  modelPattern: [
    { runId: 'run-1', head: 0 },
    { runId: 'run-2', head: 3 },
  ],
  runExperiment: [
    { runId: 'exp-1', name: 'scaling', options: { dims: [64, 1024], n: 16, trials: 2, seed: 0 } },
    { runId: 'exp-2', name: 'temperature', job: JOB, options: { taus: [0.1, 1, 10] } },
    { runId: 'exp-3', name: 'compare', job: JOB, options: { metrics: ['dot', 'cosine'], k: 1 } },
    { runId: 'exp-4', name: 'geometry', job: JOB, options: { query: 1 } },
    { runId: 'exp-5', name: 'decoding', job: JOB, options: {} },
    { runId: 'exp-6', name: 'knn', job: JOB, options: { query: 0, head: 0, k: 2 } },
  ],
  exportRun: [
    { runId: 'run-1', format: 'png', scale: 2 },
    { runId: 'run-1', format: 'svg', view: { matrix: 'scores', colormap: 'magma', scale: 'log', head: 1 }, path: ABS, caption: 'cosine τ=0.5' },
  ],
  saveSession: [{ session: SESSION }, { session: SESSION, path: ABS, embedData: true }, { session: SESSION, saveAs: true }],
  openSession: [{}, { path: ABS }],
  grantSessionFiles: [{ paths: [] }, { paths: [ABS] }],
  autosave: [{ session: SESSION }],
  recoverSession: [undefined, null],
  recentFiles: [undefined],
  appInfo: [undefined],
  grantDroppedPath: [{ path: ABS }],
};
