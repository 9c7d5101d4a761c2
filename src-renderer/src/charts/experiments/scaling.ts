/**
 * Scaling (SPEC §6): mean row entropy of softmax over random Gaussian queries and keys, with
 * and without 1/√d, against the width d on a log₂ axis, beside the ceiling ln(n). Without
 * the scale the scores' spread grows like √d and the rows collapse to one-hot (entropy → 0);
 * with it the entropy stays put.
 */
import type { EChartsOption } from 'echarts';
import type { ScalingResult } from '../../../../src-shared/experiments/types';
import { fontSize, palette } from '../../../../src-shared/charts/theme';
import { formatValue, legendBlock, niceCeil, seriesColor, start, titleBlock, valueAxis, type TitledOpts } from './common';

export const SCALING_SERIES = { unscaled: 'unscaled  softmax(q·k)', scaled: 'scaled  softmax(q·k / √d)', max: 'maximum ln(n)' } as const;

/** A width as a tick label: 512, 1k, 16k. */
export function widthText(d: number): string {
  const r = Math.round(d);
  return r >= 1024 && r % 1024 === 0 ? `${r / 1024}k` : String(r);
}

export function scalingOption(result: ScalingResult, opts: TitledOpts): EChartsOption {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  const rows = [...result.rows].sort((a, b) => a.dim - b.dim);
  const { n, trials } = result.options;
  const t = titleBlock({
    ...opts,
    title: opts.title ?? 'Mean row entropy against the vector width d',
    subtitle: opts.subtitle ?? `n = ${n} queries and keys, N(0, 1) entries · mean of ${trials} trial${trials === 1 ? '' : 's'}`,
  });
  const legendTop = t.height + 4;
  const lg = legendBlock(opts, legendTop, [SCALING_SERIES.scaled, SCALING_SERIES.unscaled, SCALING_SERIES.max]);
  const top = legendTop + lg.height + size + 12;
  const max = rows[0]?.max ?? Math.log(Math.max(1, n));
  const exps = rows.map((r) => Math.log2(r.dim));
  const lo = Math.floor(Math.min(...exps) + 1e-9);
  const hi = Math.max(lo + 1, Math.ceil(Math.max(...exps) - 1e-9));
  const unscaled = seriesColor(opts.theme, 3);
  const scaled = seriesColor(opts.theme, 0);
  return {
    ...start(opts),
    title: t.title,
    legend: lg.legend,
    grid: { left: 58, right: 28, top, bottom: size + 40 },
    tooltip: opts.forExport
      ? undefined
      : {
          trigger: 'axis',
          axisPointer: { type: 'line' },
          formatter: (params: unknown) => {
            const list = params as { seriesName: string; value: [number, number]; marker: string }[];
            if (!list.length) return '';
            return [`d = ${widthText(2 ** list[0].value[0])}`, ...list.map((p) => `${p.marker}${p.seriesName}: ${formatValue(p.value[1])} nats`)].join('<br>');
          },
        },
    // a value axis over log₂ d: one tick per power of two (every other one when there are many)
    xAxis: {
      type: 'value',
      min: lo,
      max: hi,
      interval: hi - lo > 12 ? 2 : 1,
      name: 'vector width d (log₂ scale)',
      nameLocation: 'middle',
      nameGap: size + 16,
      nameTextStyle: { color: pal.subtle, fontSize: size },
      axisLine: { lineStyle: { color: pal.axis } },
      axisTick: { lineStyle: { color: pal.axis } },
      axisLabel: { color: pal.text, fontSize: size, formatter: (v: number) => widthText(2 ** v) },
      splitLine: { show: true, lineStyle: { color: pal.split } },
    },
    yAxis: valueAxis(opts, 'mean row entropy (nats)', { min: 0, max: niceCeil(max) }),
    series: [
      {
        type: 'line',
        name: SCALING_SERIES.scaled,
        data: rows.map((r) => [Math.log2(r.dim), r.scaled]),
        symbol: 'circle',
        symbolSize: 7,
        lineStyle: { width: 2.5, color: scaled },
        itemStyle: { color: scaled },
        z: 3,
      },
      {
        type: 'line',
        name: SCALING_SERIES.unscaled,
        data: rows.map((r) => [Math.log2(r.dim), r.unscaled]),
        symbol: 'triangle',
        symbolSize: 8,
        lineStyle: { width: 2.5, color: unscaled },
        itemStyle: { color: unscaled },
        z: 3,
      },
      {
        type: 'line',
        name: SCALING_SERIES.max,
        data: rows.map((r) => [Math.log2(r.dim), r.max]),
        symbol: 'none',
        lineStyle: { width: 1.5, type: 'dashed', color: pal.reference },
        itemStyle: { color: pal.reference },
        endLabel: { show: !opts.small, formatter: `ln ${n} = ${formatValue(max)}`, color: pal.reference, fontSize: size, offset: [-90, -12] },
        z: 2,
      },
    ],
  } as EChartsOption;
}
