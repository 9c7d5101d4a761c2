/**
 * Recurrence (the design-space issue): each recurrence run both ways over seeded Gaussian
 * inputs of growing length T — the matrix form (every row of the implicit A, then A·V: what
 * the lab's weights are, O(T²·d) time) and the model's own scan (O(T·d·d_v) time, a d × d_v
 * state) — with the largest |scan − A·V| the engine reports, and the memory each form needs:
 * 4·T² bytes to hold A as float32 weights against the scan's 8·d·d_v-byte float64 state
 * (computed from the sizes, not measured: the engine itself streams A a row at a time).
 *
 * The matrix form runs on the Runner (the pool, in the app and the CLI); the scan runs here,
 * in this thread, where it is timed — a few milliseconds even at T = 16,384.
 */
import type { EChartsOption } from 'echarts';
import * as v from 'valibot';
import type { RecurrenceId } from '../job/problem';
import { resolveJob } from '../job/resolve';
import { gaussianMatrix } from '../random';
import { fontSize, palette } from '../charts/theme';
import { formatValue, legendBlock, logAxis, seriesColor, stackedPlots, start, titleBlock, valueAxis } from '../charts/plot-parts';
import { scanRows } from '../recurrence/scan';
import { Runs, throwIfAborted } from './common';
import { float64Text } from './csv';
import { about, listOf, wholeNumber } from './fields';
import { EXPERIMENT_LIMITS as L } from './limits';
import { defineExperiment, type ExperimentChartOpts, type ExperimentContext, type OptionsOf } from './module';

const KINDS = ['linear', 'retention', 'selective', 'delta'] as const satisfies readonly RecurrenceId[];
/** the longest sequence tried: the 16,384 */
export const RECURRENCE_MAX_T = 16_384;

const options = {
  recurrences: v.optional(
    about(v.array(v.picklist(KINDS, `expected one of ${KINDS.join(', ')}`), 'expected a list of recurrences'), 'Recurrences', 'each with its catalogue defaults'),
    [...KINDS],
  ),
  lengths: v.optional(
    about(listOf(wholeNumber(2, RECURRENCE_MAX_T, 'a length'), 12, 'lengths'), 'Lengths T', `sequence lengths to time (up to ${RECURRENCE_MAX_T}), separated by commas`),
    [256, 512, 1024, 2048, 4096],
  ),
  d: v.optional(about(wholeNumber(1, 512, 'a width'), 'Width d', 'width of q, k and v (one head)'), 32),
  seed: v.optional(about(wholeNumber(0, 2 ** 32 - 1, 'a seed'), 'Seed', 'same seed, same random inputs'), 0),
};
export type RecurrenceOptions = OptionsOf<typeof options>;

export interface RecurrenceRow {
  recurrence: RecurrenceId;
  T: number;
  /** the engine's run over every row of A (outputs and entropy; no T × T array kept) */
  matrixMs: number;
  /** the scan over every token, in this thread */
  scanMs: number;
  /** the engine's max |scan output − A·V| */
  scanError: number;
  /** 4·T²: A as float32 weights */
  matrixBytes: number;
  /** 8·m·d_v: the scan's float64 state (m = d, or linear attention's feature width) */
  scanBytes: number;
}

export interface RecurrenceResult {
  d: number;
  rows: RecurrenceRow[];
}

function optionsProblem(o: RecurrenceOptions): string | null {
  if (o.recurrences.length === 0) return 'recurrences: pick at least one';
  if (new Set(o.recurrences).size !== o.recurrences.length) return 'recurrences: each at most once';
  const longest = Math.max(...o.lengths);
  if (longest * o.d > L.maxCells) return `lengths: ${longest} tokens × d ${o.d} exceeds the 2^24 numbers a random matrix may hold`;
  return null;
}

/** The seeded inputs of length T (queries, keys, values: T × d Gaussian rows). */
function inputs(seed: number, T: number, d: number) {
  const rows = (role: string) => {
    const m = gaussianMatrix(seed, `recurrence/${role}/T${T}`, T, d, 1);
    return Array.from({ length: T }, (_, i) => Array.from(m.subarray(i * d, (i + 1) * d)));
  };
  return { queries: { inline: { vectors: rows('q') } }, keys: { inline: { vectors: rows('k') } }, values: { inline: { vectors: rows('v') } } };
}

export async function runRecurrence(ctx: ExperimentContext, o: RecurrenceOptions): Promise<RecurrenceResult> {
  const lengths = [...new Set(o.lengths)].sort((a, b) => a - b);
  const runs = new Runs(ctx, lengths.length * o.recurrences.length + 1);
  // one untimed run and scan first: the first timed point must not carry the engine's start or the JIT's warm-up
  const warm = resolveJob({ ...inputs(o.seed, 16, o.d), recurrence: { id: o.recurrences[0] }, outputs: ['output', 'entropy'] });
  await runs.run(warm);
  scanRows(warm, 0, 0, 16);
  const rows: RecurrenceRow[] = [];
  for (const T of lengths) {
    const base = inputs(o.seed, T, o.d);
    for (const id of o.recurrences) {
      const problem = resolveJob({ ...base, recurrence: { id }, outputs: ['output', 'entropy'] });
      let t0 = performance.now();
      const result = await runs.run(problem);
      const matrixMs = performance.now() - t0;
      throwIfAborted(ctx.signal);
      // the scan takes milliseconds: the least of three runs is its time, not a pause of this thread's
      let scanMs = Infinity;
      for (let rep = 0; rep < 3; rep++) {
        t0 = performance.now();
        scanRows(problem, 0, 0, T);
        scanMs = Math.min(scanMs, performance.now() - t0);
      }
      const rec = problem.recurrence!;
      const width = rec.id === 'linear' && rec.omega ? rec.omega[0].length / o.d : o.d;
      rows.push({ recurrence: id, T, matrixMs, scanMs, scanError: result.scanError![0], matrixBytes: 4 * T * T, scanBytes: 8 * width * o.d });
    }
  }
  return { d: o.d, rows };
}

function recurrenceChart(result: RecurrenceResult, opts: ExperimentChartOpts): EChartsOption {
  const pal = palette(opts.theme, opts.forExport);
  const kinds = [...new Set(result.rows.map((r) => r.recurrence))];
  const t = titleBlock({
    ...opts,
    title: opts.title ?? 'Implicit attention matrix against the scan, as T grows',
    subtitle: opts.subtitle ?? `one head, d = ${result.d} · solid: every row of A, then A·V · dashed: the scan · log–log`,
  });
  const names = kinds.flatMap((k) => [`${k} · matrix`, `${k} · scan`]);
  const lg = legendBlock(opts, t.height + 4, names);
  const plots = stackedPlots(opts, { top: t.height + lg.height + 28, gap: 64, bottom: 52, minHeight: 160, share: 0.62, left: 72, right: 24 });
  const Ts = result.rows.map((r) => r.T);
  const xRange: [number, number] = [Math.min(...Ts), Math.max(...Ts)];
  const ms = result.rows.flatMap((r) => [r.matrixMs, r.scanMs]).filter((x) => x > 0);
  const line = (name: string, gridIndex: number, data: number[][], color: string, dashed: boolean) => ({
    type: 'line',
    name,
    xAxisIndex: gridIndex,
    yAxisIndex: gridIndex,
    data,
    symbol: dashed ? 'emptyCircle' : 'circle',
    symbolSize: 6,
    lineStyle: { width: 2, color, type: dashed ? 'dashed' : 'solid' },
    itemStyle: { color },
  });
  const series = kinds.flatMap((k, i) => {
    const color = seriesColor(opts.theme, i);
    const mine = result.rows.filter((r) => r.recurrence === k);
    return [
      line(
        `${k} · matrix`,
        0,
        mine.map((r) => [r.T, Math.max(r.matrixMs, 0.01)]),
        color,
        false,
      ),
      line(
        `${k} · scan`,
        0,
        mine.map((r) => [r.T, Math.max(r.scanMs, 0.01)]),
        color,
        true,
      ),
      line(
        `${k} · matrix`,
        1,
        mine.map((r) => [r.T, r.matrixBytes]),
        color,
        false,
      ),
      line(
        `${k} · scan`,
        1,
        mine.map((r) => [r.T, r.scanBytes]),
        color,
        true,
      ),
    ];
  });
  // lengths as 256, 1k, 16k: powers of two read better than 3-digit roundings (1020, 4100)
  const xAxis = (gridIndex: number, name: string) =>
    logAxis(opts, name, xRange, 2, {
      gridIndex,
      axisLabel: { color: pal.text, fontSize: fontSize(opts), formatter: (x: number) => lengthText(x), show: true },
    });
  const bytes = result.rows.flatMap((r) => [r.matrixBytes, r.scanBytes]);
  return {
    ...start(opts),
    title: t.title,
    legend: lg.legend,
    ...plots,
    tooltip: opts.forExport ? undefined : { trigger: 'axis', valueFormatter: (x: unknown) => (typeof x === 'number' ? formatValue(x) : '–') },
    xAxis: [xAxis(0, ''), xAxis(1, 'sequence length T (log)')],
    yAxis: [
      valueAxis(opts, 'time (ms, log)', { gridIndex: 0, type: 'log', logBase: 10, min: ms.length ? 10 ** Math.floor(Math.log10(Math.min(...ms))) : 0.01 }),
      valueAxis(opts, 'memory of the form (bytes, log)', {
        gridIndex: 1,
        type: 'log',
        logBase: 10,
        min: 10 ** Math.floor(Math.log10(Math.min(...bytes))),
        max: 10 ** Math.ceil(Math.log10(Math.max(...bytes))),
        axisLabel: { color: pal.text, fontSize: fontSize(opts), formatter: (x: number) => bytesText(x) },
      }),
    ],
    series,
  } as EChartsOption;
}

/** A length as a tick label: 256, 1k, 16k. */
function lengthText(x: number): string {
  const r = Math.round(x);
  return r >= 1024 && r % 1024 === 0 ? `${r / 1024}k` : String(r);
}

/** Bytes as a tick label: 1 KB, 64 MB (powers of ten, the axis's ticks). */
function bytesText(x: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let u = 0;
  let y = x;
  while (y >= 1000 && u < units.length - 1) {
    y /= 1000;
    u++;
  }
  return `${formatValue(y)} ${units[u]}`;
}

export default defineExperiment({
  id: 'recurrence',
  title: 'Recurrence',
  summary:
    'Linear attention, retention, selective and delta recurrences on random inputs of growing length: the implicit matrix A (O(T²)) against each model’s own scan (O(T)) — time, memory and max |scan − A·V|.',
  needsJob: false,
  options,
  check: optionsProblem,
  run: (ctx, _input, o) => runRecurrence(ctx, o),
  table: (r) => ({
    header: ['recurrence', 'T', 'matrix_ms', 'scan_ms', 'max_abs_scan_error', 'matrix_bytes', 'scan_state_bytes'],
    rows: r.rows.map((x) => [x.recurrence, x.T, float64Text(x.matrixMs), float64Text(x.scanMs), float64Text(x.scanError), x.matrixBytes, x.scanBytes]),
  }),
  chart: recurrenceChart,
  files: ['csv', 'json', 'svg', 'png'],
});
