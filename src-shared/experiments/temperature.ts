/**
 * Temperature sweep (SPEC §6): one JobSpec run at each τ, from sharp to flat. τ is the score
 * function's own `tau` (for `dot`: scale "tau", c = 1/τ). Reported per τ: the mean row
 * entropy of each head, the rows' mean largest weight, and the fraction of (head, row)
 * pairs whose arg-max differs from the sharpest τ's.
 *
 * Every catalogue score is s(q, k)/τ or a monotone function of it, so in exact arithmetic
 * the arg-max never moves with τ; what the fraction shows is where float32 can no longer
 * tell the best key from the next (flat rows round to ties, and ties go to the lower index).
 * As τ → 0 each row's entropy → 0 (a one-hot row, unless its top scores tie); as τ → ∞ it
 * → ln(n_i), reported per head as `flatEntropy`. (The `kernel` normaliser divides τ out.)
 */
import type { AttentionResult } from '../job/problem';
import { catalogueEntry } from '../metrics/catalogue';
import type { EntrySpec } from '../job/spec';
import { EXPERIMENT_LIMITS } from './limits';
import { copyTokens, ExperimentOptionError, resolveInput, Runs } from './common';
import type { ExperimentContext, ExperimentInput, TemperatureOptions, TemperatureResult, TemperatureRow } from './types';

/** The JobSpec's score function at temperature τ. */
export function metricAtTau(metric: EntrySpec | undefined, tau: number): EntrySpec {
  const ms = metric ?? { id: 'dot' };
  if (ms.id === 'dot') return { ...ms, scale: 'tau', tau };
  const entry = catalogueEntry('score', ms.id);
  if (!entry?.params.some((p) => p.name === 'tau')) throw new ExperimentOptionError('job.metric.id', `the score function "${ms.id}" has no temperature τ to sweep`);
  return { ...ms, tau };
}

function checkTaus(taus: number[]): void {
  if (!Array.isArray(taus) || taus.length < 1 || taus.length > EXPERIMENT_LIMITS.maxList) {
    throw new ExperimentOptionError('options.taus', `expected 1 to ${EXPERIMENT_LIMITS.maxList} values of τ`);
  }
  taus.forEach((t, i) => {
    if (!(Number.isFinite(t) && t > 0 && t <= EXPERIMENT_LIMITS.maxTau)) throw new ExperimentOptionError(`options.taus.${i}`, `expected a τ > 0 and ≤ ${EXPERIMENT_LIMITS.maxTau}, got ${t}`);
  });
}

/** Per head, the mean of `values` over the rows that see at least one key. */
function perHeadMean(r: AttentionResult, values: ArrayLike<number>): number[] {
  return Array.from({ length: r.heads }, (_, h) => {
    let s = 0;
    let n = 0;
    for (let i = 0; i < r.Tq; i++) {
      if (r.visible[h * r.Tq + i] > 0 && r.argmax[h * r.Tq + i] >= 0) {
        s += values[h * r.Tq + i];
        n++;
      }
    }
    return n ? s / n : 0;
  });
}

export async function runTemperature(ctx: ExperimentContext, input: ExperimentInput, options: TemperatureOptions): Promise<TemperatureResult> {
  checkTaus(options.taus);
  const taus = [...options.taus].sort((a, b) => a - b);
  const metricId = input.spec.metric?.id ?? 'dot';
  const runs = new Runs(ctx, taus.length);
  const rows: TemperatureRow[] = [];
  let sharpest: Int32Array | null = null;
  let first: AttentionResult | null = null;
  let tokens: TemperatureResult['tokens'] = { queries: null, keys: null };
  for (const tau of taus) {
    const problem = resolveInput(input, { metric: metricAtTau(input.spec.metric, tau), outputs: ['entropy'] });
    if (!first) tokens = copyTokens(problem);
    const r = await runs.run(problem);
    first ??= r;
    // the sharpest τ's arg-max is the reference (copied: a shared result array may be reused)
    sharpest ??= Int32Array.from(r.argmax);
    let changed = 0;
    let filled = 0;
    for (let x = 0; x < r.argmax.length; x++) {
      if (sharpest[x] < 0) continue;
      filled++;
      if (r.argmax[x] !== sharpest[x]) changed++;
    }
    rows.push({
      tau,
      entropy: [...r.meanEntropy],
      argmaxChanged: filled ? changed / filled : 0,
      maxWeight: perHeadMean(r, r.maxWeight),
      rowEntropy: Float32Array.from(r.entropy),
    });
  }
  const ref = first!;
  const flatEntropy = perHeadMean(ref, Float64Array.from(ref.visible, (n) => (n > 0 ? Math.log(n) : 0)));
  return { metric: metricId, taus, heads: ref.heads, Tq: ref.Tq, Tk: ref.Tk, rows, flatEntropy, tokens };
}
