/**
 * Compare: pin the current configuration as A, change it (B is always the current result),
 * and see A, B, B − A and the per-row Jensen–Shannon divergence.
 */
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef, watch } from 'vue';
import type { RunReply } from '../../../src-shared/api/lab-api';
import type { JobSpec } from '../../../src-shared/job/spec';
import { compareResults } from '../../../src-shared/charts/compare';
import { labApi } from '../host';
import { errorText } from '../logic/errors';
import { modelAsRun, modelCaption, modelHeadProblem, type ModelSide } from '../logic/model-compare';
import { useRunStore } from './run';
import { useViewStore } from './view';

export interface PinnedRun {
  reply: RunReply;
  job: JobSpec | null;
  caption: string;
  /** A is a capture's own pattern of one head (model vs re-scored), not a run */
  model?: ModelSide;
}

/** Why two results cannot be compared cell by cell, or null if they can. */
export function incompatibility(a: RunReply, b: RunReply): string | null {
  const ra = a.result;
  const rb = b.result;
  if (ra.Tq !== rb.Tq || ra.Tk !== rb.Tk) return `A is ${ra.Tq}×${ra.Tk} and B is ${rb.Tq}×${rb.Tk}: compare needs the same tokens`;
  if (ra.heads !== rb.heads) return `A has ${ra.heads} heads and B has ${rb.heads}: compare needs the same number of heads`;
  if (!ra.weights || !rb.weights) return 'compare needs the full weights (this matrix is too large; only a pooled overview was computed)';
  return null;
}

export const useCompareStore = defineStore('compare', () => {
  const run = useRunStore();
  const view = useViewStore();
  const a = shallowRef<PinnedRun | null>(null);

  const active = computed(() => a.value !== null);
  const b = computed(() => run.reply);
  const head = computed(() => (b.value ? Math.min(view.head, b.value.result.heads - 1) : 0));
  /** a model pattern that could not be fetched, in words */
  const modelError = ref<string | null>(null);
  const problem = computed(() => {
    if (!a.value || !b.value) return null;
    return modelError.value ?? incompatibility(a.value.reply, b.value) ?? modelHeadProblem(a.value.model, head.value);
  });

  /** B − A and per-row JS divergence for the focused head, when A and B are comparable. */
  const comparison = computed(() => {
    if (!a.value || !b.value || problem.value) return null;
    return compareResults(a.value.reply.result, b.value.result, head.value);
  });

  /** Pin the current result as A. */
  function pin(caption = ''): boolean {
    if (!run.reply) return false;
    modelRequest++;
    modelError.value = null;
    a.value = markRaw({ reply: run.reply, job: run.replyJob, caption });
    return true;
  }

  let modelRequest = 0;
  /**
   * Pin the model's own pattern of the head in view as A (the run read a capture that holds
   * it): only that head crosses from main. Returns whether A is now the model's.
   */
  async function pinModel(): Promise<boolean> {
    const reply = run.reply;
    if (!reply) return false;
    const h = Math.min(view.head, reply.result.heads - 1);
    const request = ++modelRequest;
    try {
      const p = await labApi().modelPattern({ runId: reply.runId, head: h });
      if (request !== modelRequest) return false;
      const model: ModelSide = { head: p.head, modelHead: p.modelHead, layer: p.layer };
      modelError.value = null;
      a.value = markRaw({ reply: modelAsRun(reply, p), job: null, caption: modelCaption(model), model });
      return true;
    } catch (e) {
      if (request === modelRequest) modelError.value = `Could not read the model's pattern: ${errorText(e)}`;
      return false;
    }
  }

  // A follows the head in view and the layer of B while it is the model's pattern
  watch(
    () => [head.value, run.replyJob?.capture?.layer] as const,
    ([h, layer]) => {
      const m = a.value?.model;
      if (m && b.value && (m.head !== h || (layer !== undefined && m.layer !== layer))) void pinModel();
    },
  );

  function clear() {
    modelRequest++;
    modelError.value = null;
    a.value = null;
  }

  return { a, b, active, problem, comparison, pin, pinModel, clear };
});
