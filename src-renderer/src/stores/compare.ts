/**
 * Compare: pin the current configuration as A, change it (B is always the current result),
 * and see A, B, B − A and the per-row Jensen–Shannon divergence.
 */
import { defineStore } from 'pinia';
import { computed, markRaw, shallowRef } from 'vue';
import type { RunReply } from '../../../src-shared/api/lab-api';
import type { JobSpec } from '../../../src-shared/job/spec';
import { compareResults } from '../../../src-shared/charts/compare';
import { useRunStore } from './run';
import { useViewStore } from './view';

export interface PinnedRun {
  reply: RunReply;
  job: JobSpec | null;
  caption: string;
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
  const problem = computed(() => (a.value && b.value ? incompatibility(a.value.reply, b.value) : null));

  /** B − A and per-row JS divergence for the focused head, when A and B are comparable. */
  const comparison = computed(() => {
    if (!a.value || !b.value || problem.value) return null;
    const head = Math.min(view.head, b.value.result.heads - 1);
    return compareResults(a.value.reply.result, b.value.result, head);
  });

  /** Pin the current result as A. */
  function pin(caption = ''): boolean {
    if (!run.reply) return false;
    a.value = markRaw({ reply: run.reply, job: run.replyJob, caption });
    return true;
  }

  function clear() {
    a.value = null;
  }

  return { a, b, active, problem, comparison, pin, clear };
});
