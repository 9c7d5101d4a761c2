/**
 * Quantization sweep (the design-space issue): the JobSpec run at full precision, then with
 * q and k (or what `apply` names) quantized to b = 2…8 bits per group (tensor, channel,
 * token) and rounded through float16 and bfloat16 (docs/semantics.md "Quantization"). Per
 * variant and head: the mean over rows of the Jensen–Shannon divergence to the full-precision
 * weights, the share of rows whose top-1 key is unchanged, and the largest |Δw|.
 */
import type { EChartsOption } from 'echarts';
import * as v from 'valibot';
import type { AttentionResult } from '../job/problem';
import type { EntrySpec } from '../job/spec';
import { palette } from '../charts/theme';
import { formatValue, legendBlock, seriesColor, stackedPlots, start, titleBlock, valueAxis } from '../charts/plot-parts';
import { jensenShannon } from '../stats';
import { copyTokens, ExperimentOptionError, jobInput, resolveInput, Runs } from './common';
import { float64Text } from './csv';
import { about, listOf, wholeNumber } from './fields';
import { defineExperiment, type ExperimentChartOpts, type ExperimentContext, type ExperimentInput, type OptionsOf } from './module';

const GROUPS = ['tensor', 'channel', 'token'] as const;
const FLOATS = ['float16', 'bfloat16'] as const;
const ROLES = ['q', 'k', 'v'] as const;
const choices = <T extends string>(list: readonly T[], what: string) => v.array(v.picklist(list, `expected one of ${list.join(', ')}`), `expected a list of ${what}`);

const options = {
  bits: v.optional(about(listOf(wholeNumber(2, 8, 'a bit width'), 7, 'bit widths'), 'Bits', 'integer widths b (2–8), separated by commas'), [2, 3, 4, 5, 6, 7, 8]),
  groups: v.optional(about(choices(GROUPS, 'groups'), 'Groups', 'one scale per head (tensor), per column (channel) or per row (token)'), [...GROUPS]),
  floats: v.optional(about(choices(FLOATS, 'float formats'), 'Float formats', 'round trips through float16 and bfloat16'), [...FLOATS]),
  apply: v.optional(about(choices(ROLES, 'roles'), 'Apply to', 'which of q, k, v are quantized'), ['q', 'k']),
};
export type QuantizationOptions = OptionsOf<typeof options>;

export interface QuantizationRow {
  /** "int4 · channel", "float16" */
  label: string;
  format: 'int' | 'float16' | 'bfloat16';
  /** bits per value (16 for the float formats) */
  bits: number;
  /** the int group; null for the float formats */
  group: (typeof GROUPS)[number] | null;
  /** per head: mean over non-empty rows of JS(w, ŵ) in nats */
  js: number[];
  /** per head: share of non-empty rows whose arg-max key is unchanged */
  top1: number[];
  /** per head: max |w − ŵ| */
  maxDelta: number[];
}
export interface QuantizationResult {
  heads: number;
  Tq: number;
  Tk: number;
  apply: string[];
  rows: QuantizationRow[];
  tokens: { queries: string[] | null; keys: string[] | null };
}

/** The variants to run, in order: every bit width of every group, then the float formats. */
function variants(o: QuantizationOptions): { label: string; spec: EntrySpec; row: Pick<QuantizationRow, 'format' | 'bits' | 'group'> }[] {
  const apply = [...o.apply];
  const ints = [...new Set(o.bits)]
    .sort((a, b) => a - b)
    .flatMap((bits) => o.groups.map((group) => ({ label: `int${bits} · ${group}`, spec: { id: 'int', bits, group, apply }, row: { format: 'int' as const, bits, group } })));
  const floats = o.floats.map((f) => ({ label: f, spec: { id: f, apply }, row: { format: f, bits: 16, group: null } }));
  return [...ints, ...floats];
}

/** JS divergence, top-1 agreement and max |Δw| of `r` against the full-precision `base`, per head. */
function agreement(base: { weights: Float32Array; argmax: Int32Array }, r: AttentionResult): Pick<QuantizationRow, 'js' | 'top1' | 'maxDelta'> {
  const { heads, Tq, Tk } = r;
  const out = { js: [] as number[], top1: [] as number[], maxDelta: [] as number[] };
  for (let h = 0; h < heads; h++) {
    let js = 0;
    let same = 0;
    let rows = 0;
    let delta = 0;
    for (let i = 0; i < Tq; i++) {
      const at = h * Tq + i;
      if (base.argmax[at] < 0) continue;
      rows++;
      const a = base.weights.subarray(at * Tk, (at + 1) * Tk);
      const b = r.weights!.subarray(at * Tk, (at + 1) * Tk);
      js += jensenShannon(a, b);
      if (r.argmax[at] === base.argmax[at]) same++;
      for (let j = 0; j < Tk; j++) delta = Math.max(delta, Math.abs(a[j] - b[j]));
    }
    out.js.push(rows ? js / rows : 0);
    out.top1.push(rows ? same / rows : 1);
    out.maxDelta.push(delta);
  }
  return out;
}

function optionsProblem(o: QuantizationOptions): string | null {
  if (o.groups.length === 0 && o.floats.length === 0) return 'groups: pick at least one group or float format';
  return o.apply.length === 0 ? 'apply: pick at least one of q, k, v' : null;
}

export async function runQuantization(ctx: ExperimentContext, input: ExperimentInput, options: QuantizationOptions): Promise<QuantizationResult> {
  const problem = optionsProblem(options);
  if (problem) throw new ExperimentOptionError(`options.${problem.split(':')[0]}`, problem.slice(problem.indexOf(':') + 2));
  const list = variants(options);
  const outputs: ['weights', 'argmax'] = ['weights', 'argmax'];
  const baseProblem = resolveInput(input, { quantize: undefined, outputs });
  const problems = list.map((x) => resolveInput(input, { quantize: x.spec, outputs }));
  const runs = new Runs(ctx, problems.length + 1);
  const full = await runs.run(baseProblem);
  // copied: the next run may reuse the result's arrays
  const base = { weights: Float32Array.from(full.weights!), argmax: Int32Array.from(full.argmax) };
  const rows: QuantizationRow[] = [];
  for (let n = 0; n < problems.length; n++) rows.push({ label: list[n].label, ...list[n].row, ...agreement(base, await runs.run(problems[n])) });
  return { heads: full.heads, Tq: full.Tq, Tk: full.Tk, apply: [...options.apply], rows, tokens: copyTokens(baseProblem) };
}

const meanOf = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
/** JS divergence can be exactly 0 (a format that loses nothing here); the log axis shows it at this floor. */
const JS_FLOOR = 1e-12;

function quantizationChart(result: QuantizationResult, opts: ExperimentChartOpts): EChartsOption {
  const pal = palette(opts.theme, opts.forExport);
  const categories = [...new Set(result.rows.map((r) => (r.format === 'int' ? `int${r.bits}` : r.format)))];
  const families = [...new Set(result.rows.map((r) => r.group ?? 'float'))];
  const t = titleBlock({
    ...opts,
    title: opts.title ?? 'Quantized q/k against full precision',
    subtitle: opts.subtitle ?? `${result.apply.join(', ')} quantized · mean over ${result.heads} head${result.heads === 1 ? '' : 's'} · ${result.Tq} × ${result.Tk}`,
  });
  const lg = legendBlock(opts, t.height + 4, families);
  const plots = stackedPlots(opts, { top: t.height + lg.height + 28, gap: 56, bottom: 48, minHeight: 140, share: 0.6, left: 64, right: 24 });
  const series = families.flatMap((family, f) => {
    const picked = (r: QuantizationRow) => (r.group ?? 'float') === family;
    const at = (value: (r: QuantizationRow) => number) =>
      categories.map((c) => {
        const r = result.rows.find((x) => picked(x) && (x.format === 'int' ? `int${x.bits}` : x.format) === c);
        return r ? value(r) : null;
      });
    const style = {
      symbol: 'circle',
      symbolSize: 7,
      lineStyle: { width: 2, color: seriesColor(opts.theme, f) },
      itemStyle: { color: seriesColor(opts.theme, f) },
      connectNulls: false,
    };
    return [
      { type: 'line', name: family, xAxisIndex: 0, yAxisIndex: 0, data: at((r) => Math.max(JS_FLOOR, meanOf(r.js))), ...style },
      { type: 'line', name: family, xAxisIndex: 1, yAxisIndex: 1, data: at((r) => meanOf(r.top1)), ...style },
    ];
  });
  const category = (gridIndex: number, name?: string) => ({
    type: 'category',
    gridIndex,
    data: categories,
    name,
    nameLocation: 'middle',
    nameGap: 28,
    axisLabel: { color: pal.text, show: gridIndex === 1 },
    axisLine: { lineStyle: { color: pal.axis } },
  });
  return {
    ...start(opts),
    title: t.title,
    legend: lg.legend,
    ...plots,
    tooltip: opts.forExport ? undefined : { trigger: 'axis', valueFormatter: (x: unknown) => (typeof x === 'number' ? formatValue(x) : '–') },
    xAxis: [category(0), category(1, 'format (bits per value)')],
    yAxis: [
      valueAxis(opts, 'JS divergence to full precision (nats, log)', { gridIndex: 0, type: 'log', logBase: 10 }),
      valueAxis(opts, 'top-1 key unchanged (share of rows)', { gridIndex: 1, min: 0, max: 1, splitNumber: 2 }),
    ],
    series,
  } as EChartsOption;
}

export default defineExperiment({
  id: 'quantization',
  title: 'Quantization',
  summary: 'The current configuration with q and k quantized (2–8 bits per tensor, channel or token; float16; bfloat16): how far each head’s weights move from full precision.',
  needsJob: true,
  options,
  check: optionsProblem,
  run: (ctx, input, o) => runQuantization(ctx, jobInput(input), o),
  table: (r) => ({
    header: ['variant', 'format', 'bits', 'group', 'head', 'js_divergence', 'top1_agreement', 'max_abs_delta_w'],
    rows: r.rows.flatMap((x) => x.js.map((js, h) => [x.label, x.format, x.bits, x.group ?? '', h, float64Text(js), float64Text(x.top1[h]), float64Text(x.maxDelta[h])])),
  }),
  chart: quantizationChart,
  files: ['csv', 'json', 'svg', 'png'],
});
