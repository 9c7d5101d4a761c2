import { describe, expect, it } from 'vitest';
import { entropyOption, headSummaryOption, meanEntropyBound, rowReference, rowValues } from '../../src-shared/charts/entropy';
import { formatValue } from '../../src-shared/charts/theme';
import { SENTENCE, randomResult, sentenceResult } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Opt = Record<string, any>;
const OPTS = { width: 640, height: 320, theme: 'light' as const };

describe('entropyOption (SPEC §5: entropy per row, in nats)', () => {
  const r = sentenceResult();

  it('draws one bar per query row, labelled with the query tokens, valued H_i', () => {
    const o = entropyOption(r, 0, 'entropy', { ...OPTS, labels: SENTENCE }) as Opt;
    // the second "the" is numbered, as on the heatmap
    expect(o.xAxis.data).toEqual(['the', 'cat', 'sat', 'on', 'the#2', 'mat']);
    expect(o.series[0].type).toBe('bar');
    expect(o.series[0].data).toEqual(Array.from(r.entropy.subarray(0, 6)));
    expect(o.yAxis.name).toBe('entropy H (nats)');
  });

  it('the reference line is each row’s own maximum ln(n_i): with a causal mask row i sees i + 1 keys', () => {
    const o = entropyOption(r, 0, 'entropy', OPTS) as Opt;
    const line = o.series[1];
    expect(line.type).toBe('line');
    expect(line.name).toBe('maximum ln(nᵢ)');
    expect(line.data).toEqual([0, 1, 2, 3, 4, 5].map((i) => Math.log(i + 1)));
    // entropy lies in [0, ln n_i]
    o.series[0].data.forEach((h: number, i: number) => expect(h).toBeLessThanOrEqual(line.data[i] + 1e-6));
  });

  it('normalised entropy is drawn on y ∈ [0, 1]; effective neighbours against n_i', () => {
    const n = entropyOption(r, 0, 'normalised', OPTS) as Opt;
    expect([n.yAxis.min, n.yAxis.max]).toEqual([0, 1]);
    expect(n.series[0].data).toEqual(Array.from(r.normEntropy.subarray(0, 6)));
    // row 0 sees one key: its normalised entropy is defined as 0, and so is its ceiling
    expect(n.series[1].data).toEqual([0, 1, 1, 1, 1, 1]);
    const e = entropyOption(r, 0, 'effective', OPTS) as Opt;
    expect(e.series[1].data).toEqual([1, 2, 3, 4, 5, 6]);
    expect(e.series[0].data[0]).toBeCloseTo(1, 6);
  });

  it('an empty row (no visible key) shows as a grey zero bar and its tooltip says so', () => {
    const c = randomResult(4, {
      masks: [
        { id: 'padding', keep: Uint8Array.from([1, 1, 1, 1]) },
        { id: 'causal', offset: -1 },
      ],
    });
    expect(c.emptyRows[0]).toEqual([0]);
    const o = entropyOption(c, 0, 'entropy', OPTS) as Opt;
    expect(o.series[0].data[0]).toMatchObject({ value: 0 });
    expect(o.series[0].data[0].itemStyle.color).toBeTruthy();
    expect(o.tooltip.formatter([{ dataIndex: 0 }])).toBe('0: no visible key');
    expect(o.tooltip.formatter([{ dataIndex: 2 }])).toMatch(/^2: entropy H [\d.]+ nats \(max [\d.]+ nats, 2 visible keys\)$/);
  });

  it('reads the focused head of a multi-head result', () => {
    const m = randomResult(5, { heads: 3 });
    expect(Array.from(rowValues(m, 2, 'entropy'))).toEqual(Array.from(m.entropy.subarray(10, 15)));
    expect(Array.from(rowReference(m, 2, 'entropy'))).toEqual(Array(5).fill(Math.log(5)));
    expect(() => entropyOption(m, 3, 'entropy', OPTS)).toThrow(/head 3 does not exist/);
  });
});

describe('entropyOption of a zoomed region', () => {
  it('shows only the region’s query rows, each bar its own row’s value, labelled by its token', () => {
    const m = randomResult(40, { masks: [{ id: 'causal', offset: 0 }] });
    const labels = Array.from({ length: 40 }, (_, i) => `t${i}`);
    const o = entropyOption(m, 0, 'entropy', { ...OPTS, labels, rows: [10, 20] }) as Opt;
    expect(o.xAxis.data).toEqual(labels.slice(10, 20));
    expect(o.series[0].data).toEqual(Array.from(m.entropy.subarray(10, 20)));
    expect(o.series[1].data).toEqual(Array.from({ length: 10 }, (_, i) => Math.log(11 + i)));
    expect(o.tooltip.formatter([{ dataIndex: 0 }])).toMatch(/^t10: entropy H [\d.]+ nats \(max [\d.]+ nats, 11 visible keys\)$/);
  });
});

describe('headSummaryOption', () => {
  it('one bar per head of the mean entropy, with ln(Tk) marked as the ceiling', () => {
    const m = randomResult(7, { heads: 3 });
    const o = headSummaryOption(m) as Opt;
    expect(o.xAxis.data).toEqual(['head 0', 'head 1', 'head 2']);
    expect(o.series[0].data).toEqual(m.meanEntropy);
    const mark = o.series[0].markLine.data[0];
    expect(mark.yAxis).toBe(Math.log(7));
    expect(mark.yAxis).toBe(m.maxEntropy);
    expect(o.series[0].markLine.label.formatter).toBe('ln Tk = 1.95');
  });

  it('under a causal mask the ceiling is the mean of ln(visible keys) over the rows, not ln(Tk)', () => {
    const m = randomResult(7, { heads: 2, masks: [{ id: 'causal', offset: 0 }] });
    // row i sees i + 1 keys; row 0 (one key) has ln 1 = 0
    const expected = Array.from({ length: 7 }, (_, i) => Math.log(i + 1)).reduce((a, b) => a + b, 0) / 7;
    expect(meanEntropyBound(m, 0)).toBeCloseTo(expected, 12);
    const o = headSummaryOption(m) as Opt;
    expect(o.series[0].markLine.data[0].yAxis).toBeCloseTo(expected, 12);
    expect(o.series[0].markLine.label.formatter).toBe(`mean ln(visible keys) = ${formatValue(expected)}`);
    for (const h of [0, 1]) expect(m.meanEntropy[h]).toBeLessThanOrEqual(expected + 1e-6);
  });
});
