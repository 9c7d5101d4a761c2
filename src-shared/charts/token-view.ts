/**
 * The token view of a short run, as BertViz draws it: the query tokens in a column on the
 * left, the key tokens in a column on the right, and a line from query i to key j for each
 * weight worth seeing, its width and opacity proportional to the weight. The pinned query
 * row's lines are emphasised, the others faded. A pure ECharts option (scatter for the
 * tokens, lines for the pairs, on a hidden unit grid); the app's TokenView.vue mounts it.
 *
 * Only for runs of at most TOKEN_VIEW_MAX tokens on each axis that kept their weights
 * (`tokenViewFits`): beyond that the lines are a grey blur and the heatmap says more.
 */
import type { EChartsOption } from 'echarts';
import type { HeatmapView } from '../api/lab-api';
import type { AttentionResult } from '../job/problem';
import type { HeatmapInput } from './heatmap';
import { headHeatmapInput, type RunView } from './heatmap-input';
import { baseOption, displayToken, EXPORT_FONT, fontSize, formatValue, labelInterval, palette, textWidth, type ChartOpts } from './theme';
import { tokenLabel } from './token-labels';

/** The most query or key tokens a token view draws. */
export const TOKEN_VIEW_MAX = 64;

/** A pair whose weight is below this fraction of its row's largest weight gets no line. */
export const LINE_THRESHOLD = 0.01;

/** One head's weights and tokens (a HeatmapInput of the weights is one). */
export type TokenViewInput = Pick<HeatmapInput, 'values' | 'rows' | 'cols' | 'rowLabels' | 'colLabels' | 'blocked'>;

/** Whether a run can have a token view: at most TOKEN_VIEW_MAX tokens on each axis, and its full weights kept. */
export function tokenViewFits(result: Pick<AttentionResult, 'Tq' | 'Tk' | 'weights'> | null | undefined): boolean {
  return !!result && !!result.weights && result.Tq <= TOKEN_VIEW_MAX && result.Tk <= TOKEN_VIEW_MAX;
}

/** Whether the token view is on screen: the run fits and the view's "Tokens" toggle is on. */
export function tokenViewShown(result: Pick<AttentionResult, 'Tq' | 'Tk' | 'weights'> | null | undefined, toggle: boolean): boolean {
  return toggle && tokenViewFits(result);
}

/** The "Tokens" toggle for a run: usable when the run fits, else greyed out with the reason as its hover text. */
export function tokenViewToggle(result: Pick<AttentionResult, 'Tq' | 'Tk' | 'weights'> | null | undefined): { enabled: boolean; title: string } {
  if (!result || tokenViewFits(result)) return { enabled: !!result, title: 'Token view beside the matrix' };
  return { enabled: false, title: `Token view: runs of at most ${TOKEN_VIEW_MAX} tokens on each axis that kept their weights (this one: ${result.Tq} × ${result.Tk})` };
}

/** The token view's input for the view's head (clamped to the run's heads), or null when the run does not fit. */
export function tokenViewInput(run: RunView, view: HeatmapView): TokenViewInput | null {
  const r = run.result;
  if (!tokenViewFits(r)) return null;
  const head = Math.min(Math.max(0, view.head), r.heads - 1);
  return headHeatmapInput(r, run.tokens, { ...view, matrix: 'weights', head });
}

/** One drawn line: query `i` to key `j`, weight `w`. */
export interface TokenPair {
  i: number;
  j: number;
  w: number;
}

/**
 * The pairs that get a line: unmasked, non-zero, and with |w| at least LINE_THRESHOLD of their
 * row's largest |w| (a recurrence's signed A: negative weights get lines too, drawn dashed).
 * Row by row, keys in order.
 */
export function visiblePairs(input: TokenViewInput, threshold = LINE_THRESHOLD): TokenPair[] {
  const { values, rows, cols, blocked } = input;
  const out: TokenPair[] = [];
  for (let i = 0; i < rows; i++) {
    let max = 0;
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      if (!blocked?.[k] && Math.abs(values[k]) > max) max = Math.abs(values[k]);
    }
    if (max <= 0) continue;
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      const w = values[k];
      if (!blocked?.[k] && w !== 0 && Math.abs(w) >= threshold * max) out.push({ i, j, w });
    }
  }
  return out;
}

/** The hover text of a line: "q 3 ‘dog’ → k 0 ‘a’: 0.123" (a repeated token numbered, "the#2"). */
export function pairTooltip(input: Pick<TokenViewInput, 'rowLabels' | 'colLabels'>, { i, j, w }: TokenPair): string {
  return `q ${i} ‘${displayToken(tokenLabel(input.rowLabels, i), 24)}’ → k ${j} ‘${displayToken(tokenLabel(input.colLabels, j), 24)}’: ${formatValue(w)}`;
}

/** The widest and narrowest line, in px; a line's width runs between them in proportion to its weight. */
export const LINE_WIDTH: [number, number] = [0.4, 4];
const LABEL_CHARS = 12;
const PAD = 10;
/** series indices in the option */
export const TOKEN_VIEW_SERIES = { queries: 0, keys: 1, lines: 2 } as const;

/** The vertical position (0 top … 1 bottom) of token t of a column of n. */
const rowY = (t: number, n: number) => (t + 0.5) / n;

/**
 * The token view of an input as an ECharts option. `pinnedRow` (a query index) has its lines
 * drawn in the accent colour at full strength and the other rows' lines faded.
 */
export function tokenViewOption(input: TokenViewInput, opts: ChartOpts, pinnedRow: number | null = null): EChartsOption {
  const { rows, cols } = input;
  if (rows > TOKEN_VIEW_MAX || cols > TOKEN_VIEW_MAX) throw new Error(`token view: ${rows} × ${cols} tokens is more than ${TOKEN_VIEW_MAX} on an axis; the heatmap shows it`);
  if (input.values.length < rows * cols) throw new Error(`token view: ${input.values.length} weights cannot fill ${rows} × ${cols} pairs`);
  const pal = palette(opts.theme, opts.forExport);
  const base = fontSize(opts);
  const pinned = pinnedRow !== null && pinnedRow >= 0 && pinnedRow < rows ? pinnedRow : null;

  const headH = base + 10;
  const plotH = Math.max(20, opts.height - 2 * PAD - headH);
  // the labels shrink with the spacing down to 8 px, then every n-th is shown
  const spacing = plotH / Math.max(rows, cols, 1);
  const size = Math.max(8, Math.min(base, Math.floor(spacing - 1)));
  const everyQ = labelInterval(plotH / Math.max(rows, 1), size + 1) + 1;
  const everyK = labelInterval(plotH / Math.max(cols, 1), size + 1) + 1;
  const qLabels = Array.from({ length: rows }, (_, i) => tokenLabel(input.rowLabels, i));
  const kLabels = Array.from({ length: cols }, (_, j) => tokenLabel(input.colLabels, j));
  const widest = (labels: string[]) =>
    Math.min(
      labels.reduce((w, l) => Math.max(w, textWidth(displayToken(l, LABEL_CHARS), size)), 0),
      9 * size,
    );
  const left = PAD + widest(qLabels) + 8;
  const right = PAD + widest(kLabels) + 8;
  const grid = { left, top: PAD + headH, width: Math.max(20, opts.width - left - right), height: plotH };

  const pairs = visiblePairs(input);
  const top = pairs.reduce((m, p) => Math.max(m, Math.abs(p.w)), 0) || 1;
  const [w0, w1] = LINE_WIDTH;
  const lines = pairs.map((p) => {
    const f = Math.abs(p.w) / top;
    const emphasised = pinned === p.i;
    const faded = pinned !== null && !emphasised;
    return {
      coords: [
        [0, rowY(p.i, rows)],
        [1, rowY(p.j, cols)],
      ],
      value: p.w,
      lineStyle: {
        width: w0 + (w1 - w0) * f,
        opacity: faded ? 0.08 * (0.2 + 0.8 * f) : 0.2 + 0.8 * f,
        color: emphasised ? pal.reference : pal.bar,
        type: p.w < 0 ? 'dashed' : 'solid',
      },
      z: emphasised ? 3 : 2,
    };
  });

  const tokenSeries = (which: 'queries' | 'keys') => {
    const isQ = which === 'queries';
    const labels = isQ ? qLabels : kLabels;
    const n = labels.length;
    const every = isQ ? everyQ : everyK;
    return {
      type: 'scatter' as const,
      name: which,
      symbolSize: 6,
      cursor: isQ ? 'pointer' : 'default',
      itemStyle: { color: pal.axis },
      label: { formatter: (p: { name: string }) => displayToken(p.name, LABEL_CHARS) },
      data: labels.map((l, t) => ({
        value: [isQ ? 0 : 1, rowY(t, n)],
        name: l,
        itemStyle: isQ && t === pinned ? { color: pal.reference } : undefined,
        label: {
          show: t % every === 0 || (isQ && t === pinned),
          position: isQ ? 'left' : 'right',
          distance: 6,
          fontSize: size,
          color: pal.text,
          fontWeight: isQ && t === pinned ? 'bold' : 'normal',
        },
      })),
      emphasis: opts.forExport ? { disabled: true } : { scale: 1.6 },
      z: 4,
    };
  };

  const hidden = { show: false };
  const heading = (text: string, x: number, align: 'right' | 'left') => ({
    type: 'text',
    silent: true,
    left: align === 'right' ? undefined : x,
    right: align === 'right' ? opts.width - x : undefined,
    top: PAD,
    style: { text, fill: pal.subtle, fontSize: base, fontFamily: opts.forExport ? EXPORT_FONT : undefined },
  });

  return {
    ...baseOption(opts),
    grid,
    xAxis: { type: 'value', min: 0, max: 1, show: false, axisLabel: hidden, axisTick: hidden, axisLine: hidden, splitLine: hidden },
    yAxis: { type: 'value', min: 0, max: 1, inverse: true, show: false, axisLabel: hidden, axisTick: hidden, axisLine: hidden, splitLine: hidden },
    graphic: [heading('query', left, 'right'), heading('key', left + grid.width, 'left')] as EChartsOption['graphic'],
    tooltip: opts.forExport
      ? undefined
      : {
          trigger: 'item',
          confine: true,
          formatter: (params: unknown) => {
            const { seriesIndex, dataIndex } = (params ?? {}) as { seriesIndex?: number; dataIndex?: number };
            if (dataIndex === undefined) return '';
            if (seriesIndex === TOKEN_VIEW_SERIES.lines) return pairs[dataIndex] ? pairTooltip(input, pairs[dataIndex]) : '';
            if (seriesIndex === TOKEN_VIEW_SERIES.queries) return `q ${dataIndex} ‘${displayToken(qLabels[dataIndex] ?? '', 24)}’ (click to pin its row)`;
            if (seriesIndex === TOKEN_VIEW_SERIES.keys) return `k ${dataIndex} ‘${displayToken(kLabels[dataIndex] ?? '', 24)}’`;
            return '';
          },
        },
    series: [
      tokenSeries('queries'),
      tokenSeries('keys'),
      {
        type: 'lines',
        name: 'attention',
        coordinateSystem: 'cartesian2d',
        polyline: false,
        large: false,
        progressive: 0,
        data: lines,
        emphasis: opts.forExport ? { disabled: true } : { lineStyle: { opacity: 1 } },
        z: 2,
      },
    ] as EChartsOption['series'],
  };
}

/** The query row a click on the token view pins (a click on a query token), or null. */
export function clickedQuery(params: unknown): number | null {
  const p = params as { seriesIndex?: unknown; dataIndex?: unknown } | null;
  return p && p.seriesIndex === TOKEN_VIEW_SERIES.queries && typeof p.dataIndex === 'number' ? p.dataIndex : null;
}
