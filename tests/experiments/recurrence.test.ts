/**
 * The recurrence experiment: every recurrence at every length, both forms agreeing, memory
 * from the sizes, its table and chart; run through the engine's own recurrence tiles.
 */
import { describe, expect, it } from 'vitest';
import { experimentChartOption, moduleOf, runRecurrence, tableCsv } from '../../src-shared/experiments';
import { requestOptionsSchema } from '../../src-shared/experiments/fields';
import { runProblemSingleThreaded } from '../../src-main/engine/tile-runner';
import * as v from 'valibot';

const engine = { run: (p: Parameters<typeof runProblemSingleThreaded>[0]) => runProblemSingleThreaded(p) };

describe('the recurrence experiment', () => {
  it('times both forms of every recurrence at every length; the scan agrees with A·V', async () => {
    const progress: number[] = [];
    const r = await runRecurrence(
      { ...engine, onProgress: (f) => progress.push(f) },
      { recurrences: ['linear', 'retention', 'selective', 'delta'], lengths: [256, 64], d: 16, seed: 1 },
    );
    expect(r.rows.map((x) => `${x.recurrence}@${x.T}`)).toEqual([
      'linear@64',
      'retention@64',
      'selective@64',
      'delta@64',
      'linear@256',
      'retention@256',
      'selective@256',
      'delta@256',
    ]);
    for (const row of r.rows) {
      // the delta rule's rows are float64 TypeScript; the others' A·V comes from the float32 graph
      expect(row.scanError).toBeLessThan(row.recurrence === 'delta' ? 1e-6 : 1e-4);
      expect(row.matrixMs).toBeGreaterThan(0);
      expect(row.scanMs).toBeGreaterThanOrEqual(0);
      expect(row.matrixBytes).toBe(4 * row.T * row.T);
      expect(row.scanBytes).toBe(8 * 16 * 16);
    }
    expect(progress.at(-1)).toBe(1);
  });

  it('table and chart: one line per form and recurrence, on log axes', async () => {
    const r = await runRecurrence(engine, { recurrences: ['retention', 'delta'], lengths: [16, 32], d: 4, seed: 0 });
    const csv = tableCsv(moduleOf('recurrence').table(r)).split('\r\n');
    expect(csv[0]).toBe('recurrence,T,matrix_ms,scan_ms,max_abs_scan_error,matrix_bytes,scan_state_bytes');
    expect(csv).toHaveLength(1 + 4 + 1);
    type Axis = { type: string };
    type Series = { name: string; yAxisIndex: number; data: number[][] };
    const option = experimentChartOption('recurrence', r, { width: 800, height: 500, theme: 'light' }) as { series: Series[]; xAxis: Axis[]; yAxis: Axis[] };
    // time above, memory below: each form of each recurrence once in each panel
    const panel = (i: number) => option.series.filter((s) => s.yAxisIndex === i).map((s) => s.name);
    expect(panel(0)).toEqual(['retention · matrix', 'retention · scan', 'delta · matrix', 'delta · scan']);
    expect(panel(1)).toEqual(panel(0));
    expect([...option.xAxis, ...option.yAxis].map((a) => a.type)).toEqual(['log', 'log', 'log', 'log']);
    const memory = option.series.find((s) => s.yAxisIndex === 1 && s.name === 'delta · matrix')!;
    expect(memory.data).toEqual([
      [16, 4 * 16 * 16],
      [32, 4 * 32 * 32],
    ]);
  });

  it('options are checked, naming the field', () => {
    const schema = requestOptionsSchema(moduleOf('recurrence'));
    const bad = (o: object) => {
      const r = v.safeParse(schema, o);
      return r.success ? null : r.issues.map((i) => `${i.path?.map((p) => p.key).join('.')}: ${i.message}`).join('; ');
    };
    const ok = { recurrences: ['linear'], lengths: [64], d: 8, seed: 0 };
    expect(bad(ok)).toBeNull();
    expect(bad({ ...ok, lengths: [32768] })).toMatch(/lengths/);
    expect(bad({ ...ok, recurrences: ['lstm'] })).toMatch(/recurrences/);
    expect(bad({ ...ok, recurrences: [] })).toMatch(/recurrences: pick at least one/);
    expect(bad({ ...ok, lengths: [16384], d: 2048 })).toMatch(/d/);
  });
});
