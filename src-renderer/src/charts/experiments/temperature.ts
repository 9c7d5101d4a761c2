/**
 * Temperature sweep (SPEC §6), two plots over one log τ axis: above, each head's mean row
 * entropy from sharp (small τ, entropy → 0) to flat (large τ, entropy → the mean ln nᵢ,
 * dashed); below, the share of (head, row) pairs whose arg-max differs from the sharpest τ's.
 */
import type { EChartsOption } from 'echarts';
import type { TemperatureResult } from '../../../../src-shared/experiments/types';
import { fontSize, palette } from '../../../../src-shared/charts/theme';
import { formatValue, legendBlock, logAxis, niceCeil, seriesColor, start, titleBlock, valueAxis, type TitledOpts } from './common';

export const ARGMAX_SERIES = 'rows whose arg-max moved';

export function headSeriesName(h: number): string {
  return `head ${h}`;
}
export function flatSeriesName(h: number | null): string {
  return h === null ? 'flat limit: mean ln(nᵢ)' : `head ${h} flat limit`;
}

/** Whether every head tends to the same flat entropy (one dashed line serves them all). */
function sameFlat(flat: number[]): boolean {
  return flat.every((x) => Math.abs(x - flat[0]) < 1e-6);
}

export function temperatureOption(result: TemperatureResult, opts: TitledOpts): EChartsOption {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  const rows = [...result.rows].sort((a, b) => a.tau - b.tau);
  const taus = rows.map((r) => r.tau);
  const range: [number, number] = [Math.min(...taus), Math.max(...taus)];
  const t = titleBlock({
    ...opts,
    title: opts.title ?? 'Entropy and arg-max against the temperature τ',
    subtitle: opts.subtitle ?? `${result.metric} · ${result.heads} head${result.heads === 1 ? '' : 's'} · ${result.Tq} × ${result.Tk}`,
  });
  const one = sameFlat(result.flatEntropy);
  const names = [
    ...Array.from({ length: result.heads }, (_, h) => headSeriesName(h)),
    ...(one ? [flatSeriesName(null)] : result.flatEntropy.map((_, h) => flatSeriesName(h))),
  ];
  const legendTop = t.height + 4;
  const lg = legendBlock(opts, legendTop, names);
  const top = legendTop + lg.height + size + 12;
  const gap = size + 46;
  const bottom = size + 40;
  const avail = Math.max(120, opts.height - top - bottom - gap);
  const h1 = Math.round(avail * 0.68);
  const h2 = avail - h1;
  const left = 58;
  const right = 28;
  const yMax = niceCeil(Math.max(...result.flatEntropy, ...rows.flatMap((r) => r.entropy), 0.1));

  const heads = Array.from({ length: result.heads }, (_, h) => ({
    type: 'line',
    name: headSeriesName(h),
    xAxisIndex: 0,
    yAxisIndex: 0,
    data: rows.map((r) => [r.tau, r.entropy[h]]),
    symbol: 'circle',
    symbolSize: 6,
    lineStyle: { width: 2, color: seriesColor(opts.theme, h) },
    itemStyle: { color: seriesColor(opts.theme, h) },
    z: 3,
  }));
  const flats = (one ? [result.flatEntropy[0]] : result.flatEntropy).map((value, h) => ({
    type: 'line',
    name: flatSeriesName(one ? null : h),
    xAxisIndex: 0,
    yAxisIndex: 0,
    data: [
      [range[0], value],
      [range[1], value],
    ],
    symbol: 'none',
    lineStyle: { width: 1.5, type: 'dashed', color: one ? pal.reference : seriesColor(opts.theme, h) },
    itemStyle: { color: one ? pal.reference : seriesColor(opts.theme, h) },
    tooltip: { show: false },
    z: 2,
  }));
  const moved = {
    type: 'line',
    name: ARGMAX_SERIES,
    xAxisIndex: 1,
    yAxisIndex: 1,
    data: rows.map((r) => [r.tau, r.argmaxChanged]),
    symbol: 'rect',
    symbolSize: 6,
    step: false,
    areaStyle: { color: pal.bar, opacity: 0.18 },
    lineStyle: { width: 2, color: pal.bar },
    itemStyle: { color: pal.bar },
  };

  return {
    ...start(opts),
    title: t.title,
    legend: lg.legend,
    grid: [
      { left, right, top, height: h1 },
      { left, right, top: top + h1 + gap, height: h2 },
    ],
    tooltip: opts.forExport
      ? undefined
      : {
          trigger: 'axis',
          formatter: (params: unknown) => {
            const list = params as { seriesName: string; value: [number, number]; marker: string }[];
            if (!list.length) return '';
            const tau = list[0].value[0];
            const lines = list.map((p) => `${p.marker}${p.seriesName}: ${p.seriesName === ARGMAX_SERIES ? `${formatValue(p.value[1] * 100)}%` : `${formatValue(p.value[1])} nats`}`);
            return [`τ = ${formatValue(tau)}`, ...lines].join('<br>');
          },
        },
    axisPointer: { link: [{ xAxisIndex: 'all' }] },
    xAxis: [
      logAxis(opts, '', range, 10, { gridIndex: 0, axisLabel: { show: false }, name: undefined }),
      logAxis(opts, 'temperature τ (log scale; small = sharp, large = flat)', range, 10, { gridIndex: 1 }),
    ],
    yAxis: [
      valueAxis(opts, 'mean row entropy (nats)', { gridIndex: 0, min: 0, max: yMax }),
      valueAxis(opts, 'arg-max moved (share of rows)', {
        gridIndex: 1,
        min: 0,
        max: 1,
        splitNumber: 2,
        axisLabel: { color: pal.text, fontSize: size, formatter: (v: number) => `${Math.round(v * 100)}%` },
      }),
    ],
    series: [...heads, ...flats, moved],
  } as EChartsOption;
}
