/**
 * What the entropy panel says of a recurrence's run, for the head in view: how closely the
 * model's O(T) scan reproduced A·V, and — when A is signed or its rows do not sum to 1 — that
 * the entropy is over |A_ij| / Σ_j |A_ij| (docs/semantics.md "Recurrences").
 */
import type { AttentionResult } from '../../../src-shared/job/problem';
import { formatValue } from '../../../src-shared/charts/theme';

export interface RecurrenceNote {
  scan: string;
  signed: string | null;
}

export function recurrenceNote(result: Pick<AttentionResult, 'scanError' | 'distribution' | 'nonDistributionRows' | 'Tq'> | null, head: number): RecurrenceNote | null {
  if (!result?.scanError || head < 0 || head >= result.scanError.length) return null;
  const rows = result.nonDistributionRows?.[head] ?? 0;
  return {
    scan: `scan vs A·V: max |Δ| = ${formatValue(result.scanError[head])}`,
    signed:
      result.distribution === false
        ? `A is not a distribution${rows ? ` in ${rows} of ${result.Tq} rows of this head` : ' (other heads)'}: entropy of |A| / Σ|A|, colours centred at 0`
        : null,
  };
}
