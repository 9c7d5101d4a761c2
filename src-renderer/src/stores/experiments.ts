/**
 * The Experiments tab (SPEC §6): which experiment is on show, each one's form, its last
 * result (with the JobSpec it ran over, so a view can say when the configuration has moved
 * on), and the one experiment run in flight with its progress and Cancel. Every number
 * comes from LabApi.runExperiment — the same engine as the heatmaps.
 */
import { defineStore } from 'pinia';
import { computed, markRaw, reactive, ref, shallowRef } from 'vue';
import type { ExperimentReplyOf } from '../../../src-shared/api/lab-api';
import { clampIndex, EXPERIMENT_NAMES, experimentModule, optionFields, type ExperimentName, type ExperimentOptionsMap } from '../../../src-shared/experiments';
import type { JobSpec } from '../../../src-shared/job/spec';
import { describeJob } from '../../../src-shared/charts/caption';
import { labApi } from '../host';
import { errorText, isCancellation } from '../logic/errors';
import { defaultForms, defaultViews, experimentOptions, placeExperimentError, type Forms, type Views } from '../logic/experiments';
import type { FormValue } from '../logic/form';
import { useJobStore } from './job';
import { useRunStore } from './run';

export type ExperimentStatus = 'idle' | 'running' | 'done' | 'error' | 'cancelled';

/** An experiment's finished run: the reply, what it ran over, and the options it used. */
export interface ExperimentRecord<N extends ExperimentName = ExperimentName> {
  reply: ExperimentReplyOf<N>;
  options: ExperimentOptionsMap[N];
  /** the JobSpec it ran over (null for one that needs none), its stable text, and in words */
  job: JobSpec | null;
  jobKey: string | null;
  caption: string;
}

type Records = { [N in ExperimentName]?: ExperimentRecord<N> };

const allIdle = () => Object.fromEntries(EXPERIMENT_NAMES.map((n) => [n, 'idle'])) as Record<ExperimentName, ExperimentStatus>;
const needsJob = (name: ExperimentName) => experimentModule(name)!.needsJob;

export const useExperimentsStore = defineStore('experiments', () => {
  const jobStore = useJobStore();
  const run = useRunStore();

  const active = ref<ExperimentName>(EXPERIMENT_NAMES[0]);
  const forms = reactive<Forms>(defaultForms(jobStore.job));
  /** what each view shows of its result (a head, a query, a step): no re-run */
  const views = reactive<Views>(defaultViews());
  const records = shallowRef<Records>({});
  const status = ref<Record<ExperimentName, ExperimentStatus>>(allIdle());
  /** a run's error that names no form field, per experiment */
  const errors = ref<Partial<Record<ExperimentName, string>>>({});
  /** a run's error that names a form field (`options.k` → k), per experiment */
  const runFieldErrors = ref<Partial<Record<ExperimentName, Record<string, string>>>>({});
  /** the experiment run in flight */
  const current = ref<{ name: ExperimentName; runId: string } | null>(null);
  /** its progress in [0, 1], or null before the first report */
  const progress = ref<number | null>(null);
  /** how many experiment runs were started (tests count them) */
  const started = ref(0);

  let counter = 0;
  let unsubscribe: (() => void) | null = null;

  const busy = computed(() => current.value !== null);

  /** The shape of the current result (the pickers' ranges): rows, keys, heads and tokens. */
  const shape = computed(() => {
    const r = run.reply;
    if (!r) return null;
    return { Tq: r.result.Tq, Tk: r.result.Tk, heads: r.result.heads, queries: r.tokens.queries, keys: r.tokens.keys };
  });

  /** The form's own messages for an experiment (before any run), by field. */
  function formErrors(name: ExperimentName): Record<string, string> {
    const o = experimentOptions(name, forms[name]);
    return o.ok ? {} : o.errors;
  }

  /** What to show under each field: the form's messages first, else the last run's. */
  function fieldErrors(name: ExperimentName): Record<string, string> {
    const local = formErrors(name);
    return Object.keys(local).length > 0 ? local : (runFieldErrors.value[name] ?? {});
  }

  /** Why the experiment cannot run now, or null. */
  function blocker(name: ExperimentName): string | null {
    if (Object.keys(formErrors(name)).length > 0) return 'fix the fields marked below';
    if (needsJob(name) && !jobStore.job) return 'the configuration has an error: fix it in the panels first';
    if (needsJob(name) && jobStore.job) return experimentModule(name)?.jobProblem?.(jobStore.job) ?? null;
    return null;
  }

  /** The experiment's record, if it has run. */
  function record<N extends ExperimentName>(name: N): ExperimentRecord<N> | null {
    return records.value[name] ?? null;
  }

  /** The configuration changed since the experiment ran (one without a JobSpec never goes stale). */
  function stale(name: ExperimentName): boolean {
    const r = records.value[name];
    if (!r || !needsJob(name)) return false;
    return r.jobKey !== jobStore.key;
  }

  function listen() {
    if (unsubscribe) return;
    unsubscribe = labApi().onProgress((e) => {
      if (!current.value || e.runId !== current.value.runId) return;
      progress.value = Math.max(0, Math.min(1, e.fraction));
    });
  }

  /** Keep every query and head picker inside the current result's shape. */
  function clampPicks() {
    const s = shape.value;
    if (!s) return;
    for (const name of EXPERIMENT_NAMES) {
      for (const f of optionFields(experimentModule(name)!)) {
        const value = forms[name][f.name];
        if (f.picker && typeof value === 'number') forms[name][f.name] = clampIndex(value, f.picker === 'query' ? s.Tq : s.heads);
      }
    }
  }

  /** Run an experiment (the one on show by default); a run in flight is cancelled first. */
  async function runExperiment<N extends ExperimentName>(name: N = active.value as N): Promise<ExperimentReplyOf<N> | null> {
    clampPicks();
    const o = experimentOptions(name, forms[name]);
    errors.value = { ...errors.value, [name]: undefined };
    runFieldErrors.value = { ...runFieldErrors.value, [name]: undefined };
    if (!o.ok) {
      status.value = { ...status.value, [name]: 'error' };
      return null;
    }
    const usesJob = needsJob(name);
    const job = usesJob ? jobStore.job : null;
    if (usesJob && !job) {
      errors.value = { ...errors.value, [name]: 'the configuration has an error: fix it in the panels first' };
      status.value = { ...status.value, [name]: 'error' };
      return null;
    }
    const api = labApi();
    listen();
    const previous = current.value;
    if (previous) {
      status.value = { ...status.value, [previous.name]: 'cancelled' };
      api.cancelJob({ runId: previous.runId }).catch(() => undefined);
    }
    const runId = `exp-${name}-${Date.now().toString(36)}-${++counter}`;
    current.value = { name, runId };
    progress.value = null;
    started.value++;
    status.value = { ...status.value, [name]: 'running' };
    const jobKey = usesJob ? jobStore.key : null;
    let caption = '';
    if (job) {
      try {
        caption = describeJob(job);
      } catch {
        caption = '';
      }
    }
    try {
      const req = { runId, name, options: o.options, ...(job ? { job } : {}) };
      const reply = await api.runExperiment<N>(req);
      if (current.value?.runId !== runId) return null;
      const rec: ExperimentRecord<N> = { reply: markRaw(reply), options: o.options, job, jobKey, caption };
      records.value = { ...records.value, [name]: markRaw(rec) };
      status.value = { ...status.value, [name]: 'done' };
      return reply;
    } catch (e) {
      if (current.value?.runId !== runId) return null;
      if (isCancellation(e)) {
        status.value = { ...status.value, [name]: 'cancelled' };
      } else {
        const placed = placeExperimentError(errorText(e));
        if (placed.field) runFieldErrors.value = { ...runFieldErrors.value, [name]: { [placed.field]: placed.message } };
        else errors.value = { ...errors.value, [name]: placed.message };
        status.value = { ...status.value, [name]: 'error' };
      }
      return null;
    } finally {
      if (current.value?.runId === runId) {
        current.value = null;
        progress.value = null;
      }
    }
  }

  /** Cancel the experiment in flight; its last result stays. */
  async function cancel(): Promise<void> {
    const c = current.value;
    if (!c) return;
    current.value = null;
    progress.value = null;
    status.value = { ...status.value, [c.name]: 'cancelled' };
    await labApi()
      .cancelJob({ runId: c.runId })
      .catch(() => undefined);
  }

  function setActive(name: ExperimentName) {
    active.value = name;
  }

  /** Set one option of an experiment's form; a picker (query, head) re-runs an experiment that has a result (each run is a row or two: a blink). */
  function pick(name: ExperimentName, field: string, value: FormValue) {
    const form = forms[name];
    if (form[field] === value) return;
    form[field] = value;
    const picker = optionFields(experimentModule(name)!).find((f) => f.name === field)?.picker;
    if (picker && records.value[name] && Object.keys(formErrors(name)).length === 0) void runExperiment(name);
  }

  /** What a view shows of its result (a head, a query, a step): kept inside [0, count − 1], no re-run. */
  function view(name: ExperimentName, key: string, value: number, count: number) {
    views[name][key] = clampIndex(value, count);
  }

  /** Forget every result (a new session) and the forms' values. */
  function reset() {
    void cancel();
    Object.assign(forms, defaultForms(jobStore.job));
    Object.assign(views, defaultViews());
    records.value = {};
    status.value = allIdle();
    errors.value = {};
    runFieldErrors.value = {};
  }

  function dispose() {
    unsubscribe?.();
    unsubscribe = null;
  }

  return {
    active,
    forms,
    views,
    records,
    status,
    errors,
    current,
    progress,
    started,
    busy,
    shape,
    formErrors,
    fieldErrors,
    blocker,
    record,
    stale,
    clampPicks,
    run: runExperiment,
    cancel,
    setActive,
    pick,
    view,
    reset,
    dispose,
  };
});
