import { describe, expect, it } from 'vitest';
import { recurrenceNote } from '../../src-renderer/src/logic/recurrence-note';

describe('the entropy panel’s recurrence note', () => {
  it('says nothing for a run without a recurrence', () => {
    expect(recurrenceNote({ Tq: 4 }, 0)).toBeNull();
    expect(recurrenceNote(null, 0)).toBeNull();
  });

  it('gives the head’s scan error, and for signed rows how the entropy is taken', () => {
    const result = { Tq: 8, scanError: Float64Array.of(1.5e-13, 2e-12), nonDistributionRows: Int32Array.of(8, 0), distribution: false };
    expect(recurrenceNote(result, 0)).toEqual({
      scan: 'scan vs A·V: max |Δ| = 1.5e-13',
      signed: 'A is not a distribution in 8 of 8 rows of this head: entropy of |A| / Σ|A|, colours centred at 0',
    });
    expect(recurrenceNote(result, 1)?.signed).toBe('A is not a distribution (other heads): entropy of |A| / Σ|A|, colours centred at 0');
    expect(recurrenceNote({ ...result, distribution: true, nonDistributionRows: Int32Array.of(0, 0) }, 1)?.signed).toBeNull();
    expect(recurrenceNote(result, 2)).toBeNull();
  });
});
