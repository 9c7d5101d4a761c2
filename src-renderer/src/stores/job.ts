/**
 * The JobSpec of the panels (sources + configuration), its field errors, and the automatic
 * re-run: every change to the JobSpec schedules a debounced run.
 */
import { defineStore } from 'pinia';
import { computed, watch, type WatchStopHandle } from 'vue';
import { describeJob } from '../../../src-shared/charts/caption';
import { buildJobSpec, type FieldErrors } from '../logic/jobspec';
import { useConfigStore } from './config';
import { useRunStore } from './run';
import { useSourcesStore } from './sources';

export const useJobStore = defineStore('job', () => {
  const sources = useSourcesStore();
  const config = useConfigStore();
  const run = useRunStore();

  const build = computed(() => buildJobSpec(sources.state, config.state));
  /** the valid JobSpec, or null while a field has an error */
  const job = computed(() => build.value.job);
  /** the JobSpec as far as it goes (sessions, autosave) */
  const draft = computed(() => build.value.draft);
  /** a stable text of the valid JobSpec: a run is scheduled whenever it changes */
  const key = computed(() => (job.value ? JSON.stringify(job.value) : null));

  /**
   * Field errors to show: the panels' own (instant) errors first; otherwise the last run's
   * error, if it names a field.
   */
  const fieldErrors = computed<FieldErrors>(() => {
    const local = build.value.errors;
    if (Object.keys(local).length > 0) return local;
    const e = run.error;
    return e && e.field ? { [e.field]: e.message } : {};
  });

  /** a run error that names no field (shown above the heatmaps) */
  const generalError = computed(() => (run.error && !run.error.field ? run.error.message : null));

  const caption = computed(() => {
    const j = run.replyJob ?? job.value;
    if (!j) return '';
    try {
      return describeJob(j);
    } catch {
      return '';
    }
  });

  let stop: WatchStopHandle | null = null;

  /** Re-run automatically (debounced) whenever the JobSpec changes; runs the current one now. */
  function startAutoRun() {
    if (stop) return;
    stop = watch(
      key,
      () => {
        // an invalid configuration drops a run still waiting for its debounce: it is obsolete
        if (job.value) run.schedule(job.value);
        else run.dropQueued();
      },
      { immediate: true },
    );
  }

  function stopAutoRun() {
    stop?.();
    stop = null;
  }

  /** Ctrl+Enter: run the current JobSpec at once. */
  function runNow() {
    if (job.value) return run.runNow(job.value);
    return Promise.resolve(null);
  }

  return { build, job, draft, key, fieldErrors, generalError, caption, startAutoRun, stopAutoRun, runNow };
});
