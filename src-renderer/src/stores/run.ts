/**
 * Running jobs: debounced auto-runs, one run at a time (a newer run cancels the older),
 * progress, cancel, the last good result (kept on screen through errors and cancels) and
 * the last error, placed by field.
 */
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import type { ProgressEvent, RunReply } from '../../../src-shared/api/lab-api';
import type { JobSpec } from '../../../src-shared/job/spec';
import { labApi } from '../host';
import { debounce } from '../logic/debounce';
import { afterNextPaint } from '../logic/frames';
import { isCancellation, locateError, type LocatedError } from '../logic/errors';

/**
 * Changes within this many ms collapse into one run. The first change after a quiet spell (no
 * run in flight, none waiting, no change for this long) runs at once: a single step answers in
 * the engine's time, not the debounce's; a drag's later changes wait and then supersede it.
 */
export const RUN_DEBOUNCE_MS = 150;
/** A run slower than this ("a blink") shows the progress bar and the Cancel button. */
export const BLINK_MS = 120;
/** The LabApi channel of the app's main run: a newer run on it cancels the older one. */
export const RUN_CHANNEL = 'main';

export type RunStatus = 'idle' | 'waiting' | 'running' | 'done' | 'error' | 'cancelled';

export const useRunStore = defineStore('run', () => {
  const status = ref<RunStatus>('idle');
  /** the run in flight, or null */
  const current = ref<string | null>(null);
  const progress = ref<{ fraction: number; stage: ProgressEvent['stage'] } | null>(null);
  /** the run has taken longer than a blink: show the progress bar */
  const slow = ref(false);
  /** the last good result, and the JobSpec that produced it */
  const reply = shallowRef<RunReply | null>(null);
  const replyJob = shallowRef<JobSpec | null>(null);
  /**
   * The reply the panels around the map draw (the entropy charts, the heads' thumbnails):
   * `reply`, once the frame after it has been painted. A change's map is painted in the frame
   * after its reply comes; those panels (~50 ms of charts at T = 2048) redraw after that, in a
   * background task, not before it. Cleared with `reply` at once.
   */
  const panelReply = shallowRef<RunReply | null>(null);
  const toPanels = afterNextPaint();
  /** the last run's error (cleared by the next good result) */
  const error = ref<LocatedError | null>(null);
  /** the job waiting for the debounce */
  const queued = shallowRef<JobSpec | null>(null);
  /** how many runs were started (the tests count them) */
  const started = ref(0);

  let counter = 0;
  /** when schedule() was last called (Date.now) */
  let lastScheduled = -Infinity;
  let blinkTimer: ReturnType<typeof setTimeout> | null = null;
  let unsubscribe: (() => void) | null = null;
  const cancelled = new Set<string>();

  const busy = computed(() => current.value !== null);
  const hasResult = computed(() => reply.value !== null);

  function listen() {
    if (unsubscribe) return;
    unsubscribe = labApi().onProgress((e) => {
      if (e.runId !== current.value) return;
      progress.value = { fraction: Math.max(0, Math.min(1, e.fraction)), stage: e.stage };
    });
  }

  function stopBlink() {
    if (blinkTimer) clearTimeout(blinkTimer);
    blinkTimer = null;
  }

  async function start(job: JobSpec): Promise<RunReply | null> {
    const api = labApi();
    listen();
    const previous = current.value;
    if (previous) {
      cancelled.add(previous);
      api.cancelJob({ runId: previous }).catch(() => undefined);
    }
    const runId = `run-${Date.now().toString(36)}-${++counter}`;
    current.value = runId;
    started.value++;
    status.value = 'running';
    progress.value = null;
    slow.value = false;
    stopBlink();
    blinkTimer = setTimeout(() => {
      if (current.value === runId) slow.value = true;
    }, BLINK_MS);
    try {
      const r = await api.runJob({ runId, job, channel: RUN_CHANNEL });
      if (current.value !== runId) return null;
      reply.value = markRaw(r);
      replyJob.value = job;
      toPanels(() => {
        panelReply.value = reply.value;
      });
      error.value = null;
      status.value = 'done';
      return r;
    } catch (e) {
      if (current.value !== runId) return null;
      if (cancelled.has(runId) || isCancellation(e)) {
        status.value = 'cancelled';
      } else {
        error.value = locateError(e);
        status.value = 'error';
      }
      return null;
    } finally {
      cancelled.delete(runId);
      if (current.value === runId) {
        current.value = null;
        slow.value = false;
        progress.value = null;
        stopBlink();
      }
    }
  }

  const debounced = debounce((job: JobSpec) => {
    queued.value = null;
    void start(job);
  }, RUN_DEBOUNCE_MS);

  /**
   * Run this job now if all is quiet (nothing running or waiting, no change for RUN_DEBOUNCE_MS),
   * else after RUN_DEBOUNCE_MS unless another schedule() comes first; the run it then starts
   * cancels the one in flight.
   */
  function schedule(job: JobSpec) {
    const now = Date.now();
    const quiet = !current.value && !queued.value && now - lastScheduled >= RUN_DEBOUNCE_MS;
    lastScheduled = now;
    if (quiet) {
      void start(job);
      return;
    }
    queued.value = job;
    if (!current.value) status.value = 'waiting';
    debounced(job);
  }

  /** Forget a job still waiting for the debounce (the running one goes on). */
  function dropQueued() {
    if (!queued.value) return;
    debounced.cancel();
    queued.value = null;
    if (!current.value) status.value = reply.value ? 'done' : 'idle';
  }

  /** Run now: the queued job, or the given one (Ctrl+Enter). */
  function runNow(job?: JobSpec): Promise<RunReply | null> {
    debounced.cancel();
    const next = job ?? queued.value ?? replyJob.value;
    queued.value = null;
    if (!next) return Promise.resolve(null);
    return start(next);
  }

  /** Cancel the waiting or running job (Esc); the last good result stays. */
  async function cancel(): Promise<void> {
    const hadQueued = queued.value !== null;
    debounced.cancel();
    queued.value = null;
    const id = current.value;
    if (!id) {
      if (hadQueued) status.value = reply.value ? 'done' : 'idle';
      return;
    }
    cancelled.add(id);
    current.value = null;
    slow.value = false;
    progress.value = null;
    stopBlink();
    status.value = 'cancelled';
    await labApi()
      .cancelJob({ runId: id })
      .catch(() => undefined);
  }

  function clearError() {
    error.value = null;
  }

  /** Forget everything (a new session). */
  function reset() {
    debounced.cancel();
    queued.value = null;
    reply.value = null;
    replyJob.value = null;
    toPanels.cancel();
    panelReply.value = null;
    error.value = null;
    status.value = 'idle';
  }

  function dispose() {
    debounced.cancel();
    toPanels.cancel();
    stopBlink();
    unsubscribe?.();
    unsubscribe = null;
  }

  return {
    status,
    current,
    progress,
    slow,
    reply,
    panelReply,
    replyJob,
    error,
    queued,
    started,
    busy,
    hasResult,
    schedule,
    dropQueued,
    runNow,
    cancel,
    clearError,
    reset,
    dispose,
  };
});
