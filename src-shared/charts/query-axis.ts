/**
 * The x axis of a chart with one bar per query row (entropy, Jensen–Shannon divergence):
 * the query tokens as labels, turned upright and thinned out when they do not fit, and the
 * room they need under the plot. Plus the app's hover over a row (no tooltip in an export).
 */
import { tokenLabel } from './token-labels';
import { displayToken, labelInterval, palette, textWidth, fontSize, type ChartOpts } from './theme';

/** Labels for `n` rows: the tokens, or the row indices where there are none. */
export function queryLabels(labels: string[] | null | undefined, n: number): string[] {
  // a repeated token is numbered ("the#2"), as on the heatmap's axes
  return Array.from({ length: n }, (_, i) => tokenLabel(labels ?? null, i));
}

/** The query axis for a plot `left`…`right` px in from the chart's sides; `bottom` is the room under the plot. */
export function queryAxis(labels: string[], opts: ChartOpts, left: number, right: number) {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  const perRow = Math.max(40, opts.width - left - right) / Math.max(1, labels.length);
  const labelW = labels.reduce((w, l) => Math.max(w, textWidth(displayToken(l, 12), size)), 0);
  const rotate = labelW + 6 <= perRow ? 0 : 90;
  const interval = rotate === 0 ? 0 : labelInterval(perRow, size + 4);
  const bottom = (rotate === 0 ? size + 8 : Math.min(labelW, 12 * size * 0.62) + 8) + size + 18;
  return {
    bottom,
    xAxis: {
      type: 'category' as const,
      data: labels,
      name: 'query',
      nameLocation: 'middle' as const,
      nameGap: bottom - size - 8,
      nameTextStyle: { color: pal.subtle, fontSize: size },
      axisLine: { lineStyle: { color: pal.axis } },
      axisTick: { alignWithLabel: true, lineStyle: { color: pal.axis } },
      axisLabel: { color: pal.text, fontSize: size, rotate, interval, formatter: (v: string) => displayToken(String(v), 12), hideOverlap: false },
    },
  };
}

/** Hover over a row: `text(i)` for the row under the pointer; none in an export. */
export function rowTooltip(opts: ChartOpts, text: (i: number) => string) {
  if (opts.forExport) return undefined;
  return {
    trigger: 'axis' as const,
    axisPointer: { type: 'shadow' as const },
    formatter: (params: unknown) => text((params as { dataIndex: number }[])[0]?.dataIndex ?? 0),
  };
}
