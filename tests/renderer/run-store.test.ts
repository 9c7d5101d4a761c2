import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { nextTick } from 'vue';
import { provideLabApi } from '../../src-renderer/src/host';
import { BLINK_MS, RUN_CHANNEL, RUN_DEBOUNCE_MS, useRunStore } from '../../src-renderer/src/stores/run';
import { useJobStore } from '../../src-renderer/src/stores/job';
import { useConfigStore } from '../../src-renderer/src/stores/config';
import type { JobSpec } from '../../src-shared/job/spec';
import { FakeLabApi, replyOf, resultOf } from './fake-lab-api';

const job = (tau: number): JobSpec => ({
  embeddings: {
    inline: {
      vectors: [
        [1, 0],
        [0, 1],
      ],
    },
  },
  metric: { id: 'cosine', tau },
});
const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

let api: FakeLabApi;

beforeEach(() => {
  vi.useFakeTimers();
  api = new FakeLabApi();
  provideLabApi(api);
  setActivePinia(createPinia());
});

afterEach(() => {
  vi.useRealTimers();
  provideLabApi(null);
});

describe('the run store', () => {
  it('a single change after a quiet spell runs at once, with no debounce', () => {
    const run = useRunStore();
    run.schedule(job(1));
    expect(api.runs).toHaveLength(1);
    expect(api.runs[0].job.metric).toEqual({ id: 'cosine', tau: 1 });
    expect(api.runs[0].channel).toBe(RUN_CHANNEL);
    expect(run.status).toBe('running');
  });

  it('a burst of changes (a slider drag) runs its first at once, then the last once the burst pauses, which cancels the superseded first', async () => {
    const run = useRunStore();
    for (const tau of [1, 0.5, 0.25, 0.125]) {
      run.schedule(job(tau));
      vi.advanceTimersByTime(RUN_DEBOUNCE_MS / 3);
    }
    expect(api.runs.map((r) => r.job.metric)).toEqual([{ id: 'cosine', tau: 1 }]);
    expect(run.status).toBe('running');
    vi.advanceTimersByTime(RUN_DEBOUNCE_MS);
    expect(api.runs.map((r) => r.job.metric)).toEqual([
      { id: 'cosine', tau: 1 },
      { id: 'cosine', tau: 0.125 },
    ]);
    expect(api.cancelled).toEqual([api.runs[0].runId]);
    expect(run.current).toBe(api.runs[1].runId);
    // the superseded run's late reply never reaches the screen
    api.runs[0].resolve(replyOf(api.runs[0].runId, resultOf([[1, 0]])));
    await flush();
    expect(run.reply).toBeNull();
    api.runs[1].resolve(replyOf(api.runs[1].runId, resultOf([[0.5, 0.5]])));
    await flush();
    expect(run.reply?.runId).toBe(api.runs[1].runId);
  });

  it("the panels' reply follows the map's once the map's frame is painted (timers here), and a reset clears both at once", async () => {
    const run = useRunStore();
    run.schedule(job(1));
    api.runs[0].resolve(replyOf(api.runs[0].runId, resultOf([[1, 0]])));
    await flush();
    expect(run.reply?.runId).toBe(api.runs[0].runId);
    expect(run.panelReply).toBeNull();
    vi.advanceTimersByTime(0);
    expect(run.panelReply).toBe(run.reply);
    // two replies before the panels' turn: they draw the last one
    run.runNow(job(2));
    api.runs[1].resolve(replyOf(api.runs[1].runId, resultOf([[0, 1]])));
    await flush();
    expect(run.panelReply?.runId).toBe(api.runs[0].runId);
    run.reset();
    expect(run.reply).toBeNull();
    expect(run.panelReply).toBeNull();
    vi.advanceTimersByTime(10);
    // the reply put off before the reset does not come back
    expect(run.panelReply).toBeNull();
  });

  it('a change soon after a finished run still waits for the debounce (a drag that outlasts a run)', async () => {
    api.autoReply = resultOf([[1]]);
    const run = useRunStore();
    run.schedule(job(1));
    await flush();
    expect(run.status).toBe('done');
    run.schedule(job(2));
    expect(api.runs).toHaveLength(1);
    vi.advanceTimersByTime(RUN_DEBOUNCE_MS);
    expect(api.runs).toHaveLength(2);
  });

  it('a newer run cancels the older one, and the older reply is ignored', async () => {
    const run = useRunStore();
    run.schedule(job(1));
    vi.advanceTimersByTime(RUN_DEBOUNCE_MS);
    const first = api.runs[0];
    run.schedule(job(2));
    vi.advanceTimersByTime(RUN_DEBOUNCE_MS);
    const second = api.runs[1];
    expect(api.cancelled).toEqual([first.runId]);
    expect(run.current).toBe(second.runId);

    second.resolve(replyOf(second.runId, resultOf([[0.5, 0.5]])));
    await flush();
    expect(run.reply?.runId).toBe(second.runId);
    expect(run.status).toBe('done');
    expect(run.error).toBeNull();
  });

  it('an error keeps the last good result on screen and says where it happened', async () => {
    const run = useRunStore();
    void run.runNow(job(1));
    api.runs[0].resolve(replyOf(api.runs[0].runId, resultOf([[1, 0]])));
    await flush();
    const good = run.reply;
    expect(good).not.toBeNull();

    void run.runNow(job(-1));
    api.runs[1].reject(new Error("Error invoking remote method 'lab:run-job': JobSpecError: metric.tau: expected a number > 0, got -1"));
    await flush();
    expect(run.status).toBe('error');
    expect(run.reply).toBe(good);
    expect(run.replyJob).toEqual(job(1));
    expect(run.error).toEqual({ field: 'metric.tau', area: 'config', message: 'expected a number > 0, got -1', full: 'metric.tau: expected a number > 0, got -1' });
  });

  it('Esc cancels the running job; the last good result stays', async () => {
    const run = useRunStore();
    void run.runNow(job(1));
    api.runs[0].resolve(replyOf(api.runs[0].runId, resultOf([[1, 0]])));
    await flush();
    const good = run.reply;
    void run.runNow(job(2));
    const id = api.runs[1].runId;
    await run.cancel();
    await flush();
    expect(api.cancelled).toContain(id);
    expect(run.status).toBe('cancelled');
    expect(run.busy).toBe(false);
    expect(run.reply).toBe(good);
    expect(run.error).toBeNull();
  });

  it('cancel also drops a job still waiting for the debounce', () => {
    const run = useRunStore();
    run.schedule(job(1));
    run.schedule(job(2));
    void run.cancel();
    vi.advanceTimersByTime(RUN_DEBOUNCE_MS * 2);
    expect(api.runs).toHaveLength(1);
    expect(api.cancelled).toEqual([api.runs[0].runId]);
  });

  it('shows progress only for its own run, and only after a blink', async () => {
    const run = useRunStore();
    void run.runNow(job(1));
    const id = api.runs[0].runId;
    expect(run.slow).toBe(false);
    vi.advanceTimersByTime(BLINK_MS + 1);
    expect(run.slow).toBe(true);
    api.emitProgress({ runId: 'someone-else', fraction: 0.9, stage: 'computing' });
    expect(run.progress).toBeNull();
    api.emitProgress({ runId: id, fraction: 0.4, stage: 'computing' });
    expect(run.progress).toEqual({ fraction: 0.4, stage: 'computing' });
    api.runs[0].resolve(replyOf(id, resultOf([[1]])));
    await flush();
    expect(run.progress).toBeNull();
    expect(run.slow).toBe(false);
  });

  it('a fast run never shows the progress bar', async () => {
    api.autoReply = resultOf([[1]]);
    const run = useRunStore();
    await run.runNow(job(1));
    vi.advanceTimersByTime(BLINK_MS * 2);
    expect(run.slow).toBe(false);
    expect(run.status).toBe('done');
  });
});

describe('automatic runs from the panels', () => {
  it('the default sample runs at start, and changing τ re-runs once after the debounce', async () => {
    const jobStore = useJobStore();
    const config = useConfigStore();
    jobStore.startAutoRun();
    vi.advanceTimersByTime(RUN_DEBOUNCE_MS);
    expect(api.runs).toHaveLength(1);
    expect(api.runs[0].job.embeddings).toMatchObject({ inline: { tokens: ['the', 'cat', 'chased', 'the', 'mouse', 'across', 'the', 'kitchen'] } });

    config.setMetric('cosine');
    await nextTick();
    config.setMetricValue('tau', 0.5);
    await nextTick();
    config.setMetricValue('tau', 0.2);
    await nextTick();
    vi.advanceTimersByTime(RUN_DEBOUNCE_MS);
    expect(api.runs).toHaveLength(2);
    expect(api.runs[1].job.metric).toEqual({ id: 'cosine', tau: 0.2 });
  });

  it('an invalid field does not run; it shows as a field error at once', async () => {
    const jobStore = useJobStore();
    const config = useConfigStore();
    jobStore.startAutoRun();
    vi.advanceTimersByTime(RUN_DEBOUNCE_MS);
    config.addMask('window');
    await nextTick();
    config.setMaskValue(0, 'size', -2);
    await nextTick();
    vi.advanceTimersByTime(RUN_DEBOUNCE_MS * 2);
    expect(jobStore.fieldErrors['mask.0.size']).toMatch(/≥ 0/);
    // the run queued for the (valid) window mask was dropped when the size became invalid
    expect(api.runs.map((r) => r.job.mask)).toEqual([[]]);
    config.setMaskValue(0, 'size', 1);
    await nextTick();
    vi.advanceTimersByTime(RUN_DEBOUNCE_MS);
    expect(api.runs.map((r) => r.job.mask)).toEqual([[], [{ id: 'window', size: 1 }]]);
  });

  it('an engine error naming a field shows on that field', async () => {
    const jobStore = useJobStore();
    const config = useConfigStore();
    jobStore.startAutoRun();
    vi.advanceTimersByTime(RUN_DEBOUNCE_MS);
    config.heads = 3;
    await nextTick();
    vi.advanceTimersByTime(RUN_DEBOUNCE_MS);
    const last = api.runs[api.runs.length - 1];
    last.reject(new Error('heads: the queries are 16 wide, which 3 heads cannot split evenly'));
    await flush();
    expect(jobStore.fieldErrors).toEqual({ heads: 'the queries are 16 wide, which 3 heads cannot split evenly' });
  });
});
