/**
 * Decoding (SPEC §6): causal attention one step at a time. Three pictures of step t:
 * - the cache: a strip per role (q, K, V) over the positions — at step t only q_t, k_t, v_t
 *   are new, every earlier k and v is read from the cache, and the earlier queries are never
 *   needed again (no Q cache);
 * - row t's weights over the keys seen so far;
 * - the score cells per step with the cache (t + 1) against recomputing every row so far
 *   ((t + 1)(t + 2)/2), step t marked.
 */
import type { EChartsOption } from 'echarts';
import type { DecodingResult } from '../../../../src-shared/experiments/types';
import { displayToken, fontSize, palette, textWidth } from '../../../../src-shared/charts/theme';
import { formatValue, label, legendBlock, niceCeil, seriesColor, start, titleBlock, tokenAxis, valueAxis, type TitledOpts } from './common';
import { clampIndex, decodingRow } from '../../logic/experiments';

export const CACHE_SERIES = {
  fresh: 'computed at step t',
  cached: 'read from the KV cache',
  dropped: 'earlier queries: never needed again',
  future: 'not generated yet',
} as const;

export const CACHE_ROWS = ['V cache', 'K cache', 'query'] as const;

type CellKind = keyof typeof CACHE_SERIES;

/** What each cell of the cache strip is at step t: row r (0 = V, 1 = K, 2 = q), position j. */
export function cacheCell(row: number, j: number, t: number): CellKind {
  if (j > t) return 'future';
  if (j === t) return 'fresh';
  return row === 2 ? 'dropped' : 'cached';
}

export function decodingCacheOption(result: DecodingResult, t: number, opts: TitledOpts): EChartsOption {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  const T = result.T;
  const step = clampIndex(t, result.steps.length);
  const labels = Array.from({ length: T }, (_, j) => label(result.tokens.keys ?? result.tokens.queries, j));
  const tb = titleBlock({ ...opts, title: opts.title ?? `Step t = ${step}: what is computed and what is reused` });
  const legendTop = tb.height + 2;
  const kinds: CellKind[] = ['fresh', 'cached', 'dropped', 'future'];
  const lg = legendBlock(opts, legendTop, kinds.map((k) => CACHE_SERIES[k]));
  const top = legendTop + lg.height + 4;
  const left = 70;
  const right = 16;
  const x = tokenAxis(labels, opts.width - left - right, opts, 'position (token)');
  const gridH = Math.max(48, opts.height - top - x.height - 6);
  const cellW = (opts.width - left - right) / Math.max(1, T);
  const cellH = gridH / 3;
  const accent = seriesColor(opts.theme, 0);
  const fresh = seriesColor(opts.theme, 1);
  const colours: Record<CellKind, Record<string, unknown>> = {
    fresh: { color: fresh },
    cached: { color: accent, opacity: 0.55 },
    dropped: { color: pal.masked, borderColor: pal.hatch, borderWidth: 1, opacity: 0.8 },
    future: { color: 'rgba(0,0,0,0)', borderColor: pal.axis, borderWidth: 1, borderType: 'dashed' },
  };
  const w = Math.max(2, Math.min(cellW - 3, 60));
  const h = Math.max(2, cellH - 6);
  return {
    ...start(opts),
    title: tb.title,
    legend: lg.legend,
    grid: { left, right, top, height: gridH },
    tooltip: opts.forExport
      ? undefined
      : {
          trigger: 'item',
          formatter: (p: { seriesName: string; value: [number, number] }) => {
            const [j, r] = p.value;
            return `${CACHE_ROWS[r]} · position ${j} (${displayToken(labels[j], 20)}): ${p.seriesName}`;
          },
        },
    xAxis: { ...x.axis, splitLine: { show: false } },
    yAxis: {
      type: 'category',
      data: [...CACHE_ROWS],
      axisLine: { show: false },
      axisTick: { show: false },
      axisLabel: { color: pal.text, fontSize: size, fontWeight: 600 },
    },
    series: kinds.map((kind) => ({
      type: 'scatter',
      name: CACHE_SERIES[kind],
      symbol: 'rect',
      symbolSize: [w, h],
      itemStyle: colours[kind],
      data: [0, 1, 2].flatMap((row) => Array.from({ length: T }, (_, j) => j).filter((j) => cacheCell(row, j, step) === kind).map((j) => [j, row])),
      animation: false,
    })),
  } as EChartsOption;
}

export function decodingRowOption(result: DecodingResult, t: number, head: number, opts: TitledOpts): EChartsOption {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  const T = result.T;
  const step = clampIndex(t, result.steps.length);
  const row = decodingRow(result, step, head);
  const labels = Array.from({ length: T }, (_, j) => label(result.tokens.keys ?? result.tokens.queries, j));
  const q = label(result.tokens.queries, step);
  const tb = titleBlock({ ...opts, title: opts.title ?? `Row ${step} (“${displayToken(q, 14)}”): weights over the cached keys`, subtitle: result.heads > 1 ? `head ${head}` : undefined });
  const left = 52;
  const right = 16;
  const x = tokenAxis(labels, opts.width - left - right, opts, 'key');
  let hi = 0;
  for (const v of row) hi = Math.max(hi, v);
  const per = (opts.width - left - right) / Math.max(1, T);
  const futureW = (T - step - 1) * per;
  const futureText = futureW >= textWidth('not generated yet', size) + 8 ? 'not generated yet' : futureW >= textWidth('later', size) + 6 ? 'later' : '';
  return {
    ...start(opts),
    title: tb.title,
    grid: { left, right, top: tb.height + size + 16, bottom: x.height + 4 },
    tooltip: opts.forExport ? undefined : { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => (v === null || v === undefined ? 'not seen yet' : formatValue(Number(v))) },
    xAxis: x.axis,
    yAxis: valueAxis(opts, 'weight', { min: 0, max: Math.min(1, niceCeil(hi || 1)) }),
    series: [
      {
        type: 'bar',
        name: `weight (row ${step})`,
        data: Array.from({ length: T }, (_, j) => (j < row.length ? { value: row[j], itemStyle: { color: j === step ? seriesColor(opts.theme, 1) : pal.bar } } : null)),
        barMaxWidth: 30,
        label: { show: per >= textWidth('0.000', size - 1) + 6 && !opts.small, position: 'top', color: pal.subtle, fontSize: size - 1, formatter: (p: { value: number }) => formatValue(p.value) },
        markArea:
          step + 1 < T
            ? {
                silent: true,
                itemStyle: { color: pal.split, opacity: 0.45 },
                label: { show: futureText !== '', position: 'insideTop', color: pal.subtle, fontSize: size, formatter: futureText },
                data: [[{ xAxis: step + 1 }, { xAxis: T - 1 }]],
              }
            : undefined,
      },
    ],
  } as EChartsOption;
}

export const COST_SERIES = { incremental: 'with the KV cache: t + 1', recompute: 'recomputing every row: (t+1)(t+2)/2' } as const;

export function decodingCostOption(result: DecodingResult, t: number, opts: TitledOpts): EChartsOption {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  const steps = result.steps;
  const step = clampIndex(t, steps.length);
  const tb = titleBlock({ ...opts, title: opts.title ?? 'Score cells computed per step (per head)' });
  const legendTop = tb.height + 2;
  const lg = legendBlock(opts, legendTop, [COST_SERIES.incremental, COST_SERIES.recompute]);
  const top = legendTop + lg.height + size + 14;
  const left = 52;
  const right = 16;
  const stepLabels = steps.map((s) => String(s.t));
  const hi = niceCeil(Math.max(1, ...steps.map((s) => s.cellsRecompute)));
  return {
    ...start(opts),
    title: tb.title,
    legend: lg.legend,
    grid: { left, right, top, bottom: size + 36 },
    tooltip: opts.forExport ? undefined : { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: {
      type: 'category',
      data: stepLabels,
      name: 'step t',
      nameLocation: 'middle',
      nameGap: size + 14,
      nameTextStyle: { color: pal.subtle, fontSize: size },
      axisLine: { lineStyle: { color: pal.axis } },
      axisLabel: { color: pal.text, fontSize: size },
    },
    yAxis: valueAxis(opts, 'score cells', { min: 0, max: hi }),
    series: [
      {
        type: 'bar',
        name: COST_SERIES.incremental,
        data: steps.map((s, i) => ({ value: s.cellsIncremental, itemStyle: { color: seriesColor(opts.theme, 0), opacity: i === step ? 1 : 0.55 } })),
        barMaxWidth: 22,
        markLine: {
          silent: true,
          symbol: 'none',
          lineStyle: { color: seriesColor(opts.theme, 1), width: 1.5, type: 'solid' },
          label: { formatter: `t = ${step}`, color: seriesColor(opts.theme, 1), fontSize: size, position: 'end' },
          data: [{ xAxis: step }],
        },
      },
      {
        type: 'line',
        name: COST_SERIES.recompute,
        data: steps.map((s) => s.cellsRecompute),
        symbol: 'circle',
        symbolSize: 5,
        lineStyle: { color: pal.reference, width: 2 },
        itemStyle: { color: pal.reference },
      },
    ],
  } as EChartsOption;
}
