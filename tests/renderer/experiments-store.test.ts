/**
 * The experiments store against a fake LabApi (unit tests only): what it sends to
 * runExperiment, progress, Cancel, errors placed on fields, staleness, and the pickers that
 * re-run Geometry and k-NN. The fake answers with results of the real experiment code.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { nextTick } from 'vue';
import { provideLabApi } from '../../src-renderer/src/host';
import { useExperimentsStore } from '../../src-renderer/src/stores/experiments';
import { useJobStore } from '../../src-renderer/src/stores/job';
import { useConfigStore } from '../../src-renderer/src/stores/config';
import { useRunStore } from '../../src-renderer/src/stores/run';
import type { ExperimentRequest } from '../../src-shared/api/lab-api';
import { runDecoding, runGeometry, runScaling } from '../../src-shared/experiments';
import { inputOf, referenceContext, TOY, sequenceJob } from '../experiments/helpers';
import { FakeLabApi, replyOf, resultOf } from './fake-lab-api';

interface Pending {
  req: ExperimentRequest;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** A fake whose experiments wait until the test answers them; Cancel rejects like the service. */
class PendingApi extends FakeLabApi {
  pending: Pending[] = [];
  constructor() {
    super();
    this.experimentHandler = (req) =>
      new Promise((resolve, reject) => {
        this.pending.push({ req, resolve, reject });
      });
  }
  override async cancelJob(req: { runId: string }) {
    await super.cancelJob(req);
    const p = this.pending.find((x) => x.req.runId === req.runId);
    if (p) {
      const e = new Error('the experiment was cancelled');
      e.name = 'AbortError';
      p.reject(e);
    }
  }
  last(): Pending {
    return this.pending[this.pending.length - 1];
  }
  async answer(p: Pending, result: unknown) {
    p.resolve({ runId: p.req.runId, name: p.req.name, result, backend: 'fake', timing: { computeMs: 1, totalMs: 2, runs: 3 } });
    await flush();
  }
}

async function flush() {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await nextTick();
}

let api: PendingApi;
beforeEach(() => {
  api = new PendingApi();
  provideLabApi(api);
  setActivePinia(createPinia());
});

/** Give the run store a finished main result (the pickers' ranges come from it). */
async function mainResult(rows: number, cols: number, heads = 1) {
  const run = useRunStore();
  const p = run.runNow({ embeddings: { inline: { vectors: [[1]] } } });
  const r = api.runs[api.runs.length - 1];
  r.resolve(
    replyOf(
      r.runId,
      resultOf(
        Array.from({ length: rows }, () => Array.from({ length: cols }, () => 1 / cols)),
        heads,
      ),
    ),
  );
  await p;
}

describe('running an experiment', () => {
  it('scaling sends its parsed options and no JobSpec; the reply becomes the view’s record', async () => {
    const ex = useExperimentsStore();
    ex.forms.scaling.dims = '4, 16';
    ex.forms.scaling.trials = 2;
    const done = ex.run('scaling');
    expect(ex.busy).toBe(true);
    expect(ex.status.scaling).toBe('running');
    const p = api.last();
    expect(p.req).toEqual({ runId: expect.stringMatching(/^exp-scaling-/), name: 'scaling', options: { dims: [4, 16], n: 64, trials: 2, seed: 0 } });
    const result = await runScaling(referenceContext(), { dims: [4, 16], n: 8, trials: 1, seed: 0 });
    await api.answer(p, result);
    await done;
    expect(ex.status.scaling).toBe('done');
    expect(ex.busy).toBe(false);
    expect(ex.record('scaling')!.reply.result).toBe(result);
    expect(ex.record('scaling')!.options.dims).toEqual([4, 16]);
    expect(ex.stale('scaling')).toBe(false);
  });

  it('every other experiment runs over the current JobSpec, and goes stale when it changes', async () => {
    const ex = useExperimentsStore();
    const job = useJobStore();
    expect(job.job).not.toBeNull();
    void ex.run('temperature');
    const p = api.last();
    expect(p.req.name).toBe('temperature');
    expect((p.req as { job?: unknown }).job).toEqual(job.job);
    expect(p.req.options).toEqual({ taus: expect.arrayContaining([0.05, 1, 20]) });
    await api.answer(p, { metric: 'dot', taus: [1], heads: 1, Tq: 1, Tk: 1, rows: [], flatEntropy: [0], tokens: { queries: null, keys: null } });
    expect(ex.stale('temperature')).toBe(false);
    expect(ex.record('temperature')!.caption).toMatch(/^dot/);
    useConfigStore().setMetric('cosine');
    await nextTick();
    expect(ex.stale('temperature')).toBe(true);
  });

  it('progress reports for its own run id only', async () => {
    const ex = useExperimentsStore();
    void ex.run('scaling');
    const id = api.last().req.runId;
    api.emitProgress({ runId: 'someone-else', stage: 'computing', fraction: 0.9 });
    expect(ex.progress).toBeNull();
    api.emitProgress({ runId: id, stage: 'computing', fraction: 0.25 });
    expect(ex.progress).toBe(0.25);
    await api.answer(api.last(), await runScaling(referenceContext(), { dims: [2], n: 4, trials: 1, seed: 0 }));
    expect(ex.progress).toBeNull();
  });
});

describe('cancel and errors', () => {
  it('Cancel stops the run through cancelJob; the last result stays on show', async () => {
    const ex = useExperimentsStore();
    void ex.run('scaling');
    const first = await runScaling(referenceContext(), { dims: [2], n: 4, trials: 1, seed: 0 });
    await api.answer(api.last(), first);
    void ex.run('scaling');
    const id = api.last().req.runId;
    await ex.cancel();
    await flush();
    expect(api.cancelled).toContain(id);
    expect(ex.status.scaling).toBe('cancelled');
    expect(ex.busy).toBe(false);
    expect(ex.record('scaling')!.reply.result).toBe(first);
    expect(ex.errors.scaling).toBeUndefined();
  });

  it('starting another experiment cancels the one running', async () => {
    const ex = useExperimentsStore();
    void ex.run('scaling');
    const id = api.last().req.runId;
    void ex.run('decoding');
    await flush();
    expect(api.cancelled).toEqual([id]);
    expect(ex.status.scaling).toBe('cancelled');
    expect(ex.current?.name).toBe('decoding');
  });

  it('a bad field never reaches the lab: its message is shown under the field', () => {
    const ex = useExperimentsStore();
    ex.forms.scaling.dims = '4, x';
    expect(ex.blocker('scaling')).toBe('fix the fields marked below');
    void ex.run('scaling');
    expect(api.experiments).toEqual([]);
    expect(ex.fieldErrors('scaling')).toEqual({ dims: '"x" is not a whole number' });
  });

  it('the service’s option errors land on their field; other errors above the view', async () => {
    const ex = useExperimentsStore();
    void ex.run('knn');
    api.last().reject(new Error("Error invoking remote method 'runExperiment': ExperimentOptionError: options.k: expected an integer from 1 to 4096, got 5000"));
    await flush();
    expect(ex.status.knn).toBe('error');
    expect(ex.fieldErrors('knn')).toEqual({ k: 'expected an integer from 1 to 4096, got 5000' });
    void ex.run('temperature');
    api.last().reject(new Error('the engine ran out of memory'));
    await flush();
    expect(ex.errors.temperature).toBe('the engine ran out of memory');
  });

  it('an experiment over the configuration waits while the configuration has an error', async () => {
    const ex = useExperimentsStore();
    useConfigStore().setMetricValue('scale', 'banana');
    await nextTick();
    expect(useJobStore().job).toBeNull();
    expect(ex.blocker('geometry')).toMatch(/configuration has an error/);
    await ex.run('geometry');
    expect(api.experiments).toEqual([]);
    expect(ex.errors.geometry).toMatch(/configuration has an error/);
    // scaling needs no configuration
    expect(ex.blocker('scaling')).toBeNull();
  });
});

describe('pickers', () => {
  it('a Geometry query pick re-runs the view once it has a result, not before', async () => {
    await mainResult(1, 6);
    const ex = useExperimentsStore();
    ex.pick('geometry', 'query', 0);
    expect(api.experiments).toHaveLength(0);
    void ex.run('geometry');
    await api.answer(api.last(), await runGeometry(referenceContext(), inputOf(TOY), { query: 0 }));
    await mainResult(3, 6);
    ex.pick('geometry', 'query', 2);
    expect(api.experiments).toHaveLength(2);
    expect(api.last().req.options).toEqual({ query: 2, head: 0 });
  });

  it('picks are clamped to the current result’s rows and heads before a run', async () => {
    await mainResult(4, 4, 2);
    const ex = useExperimentsStore();
    ex.forms.knn.query = 9;
    ex.forms.knn.head = 5;
    void ex.run('knn');
    expect(api.last().req.options).toEqual({ query: 3, head: 1, k: 3 });
  });

  it('the decoding slider stays inside the steps it has', async () => {
    const ex = useExperimentsStore();
    void ex.run('decoding');
    await api.answer(api.last(), await runDecoding(referenceContext(), inputOf(sequenceJob(4, 2, 1)), {}));
    const steps = ex.record('decoding')!.reply.result.steps.length;
    ex.view('decoding', 't', 2, steps);
    expect(ex.views.decoding.t).toBe(2);
    ex.view('decoding', 't', 40, steps);
    expect(ex.views.decoding.t).toBe(3);
    ex.view('decoding', 't', -1, steps);
    expect(ex.views.decoding.t).toBe(0);
  });
});
