/**
 * How spread out each query's attention is (SPEC §5): row entropy in nats against its own
 * ceiling ln(nᵢ) (nᵢ = the keys the row may see), normalised entropy in [0, 1], or the
 * effective number of neighbours exp(H) against nᵢ; and one bar per head of the mean entropy
 * against ln(Tk).
 */
import type { EChartsOption } from 'echarts';
import type { AttentionResult } from '../job/problem';
import { queryAxis, queryLabels, rowTooltip } from './query-axis';
import { baseOption, displayToken, fontSize, formatValue, labelInterval, palette, textWidth, type ChartOpts } from './theme';

export type EntropyMode = 'entropy' | 'normalised' | 'effective';

export interface EntropyOpts extends ChartOpts {
  /** query tokens (one per row); null → row indices */
  labels?: string[] | null;
  title?: string;
  /** only query rows [r0, r1) (the rows of a zoomed region); default all */
  rows?: [number, number];
}

interface ModeText {
  /** the bars' legend entry and the tooltip's name for a value */
  value: string;
  /** the y axis */
  axis: string;
  unit: string;
  /** the reference line's legend entry: the row's maximum, reached by a uniform row */
  reference: string;
}

const MODE_TEXT: Record<EntropyMode, ModeText> = {
  entropy: { value: 'entropy H', axis: 'entropy H (nats)', unit: 'nats', reference: 'maximum ln(nᵢ)' },
  normalised: { value: 'H / ln(nᵢ)', axis: 'normalised entropy H / ln(nᵢ)', unit: '', reference: 'maximum 1' },
  effective: { value: 'exp(H)', axis: 'effective neighbours exp(H)', unit: 'keys', reference: 'maximum nᵢ (visible keys)' },
};

function checkHead(result: AttentionResult, head: number): void {
  if (!Number.isInteger(head) || head < 0 || head >= result.heads) {
    throw new Error(`head ${head} does not exist: the result has ${result.heads} head${result.heads === 1 ? '' : 's'}`);
  }
}

/** The plotted value of each row of a head. */
export function rowValues(result: AttentionResult, head: number, mode: EntropyMode): Float32Array {
  checkHead(result, head);
  const src = mode === 'entropy' ? result.entropy : mode === 'normalised' ? result.normEntropy : result.effective;
  return src.subarray(head * result.Tq, (head + 1) * result.Tq);
}

/**
 * Each row's ceiling: ln(nᵢ) for entropy (0 when nᵢ ≤ 1), 1 for normalised entropy (0 when
 * nᵢ ≤ 1, where it is defined as 0), nᵢ for effective neighbours.
 */
export function rowReference(result: AttentionResult, head: number, mode: EntropyMode): Float64Array {
  checkHead(result, head);
  const out = new Float64Array(result.Tq);
  for (let i = 0; i < result.Tq; i++) {
    const n = result.visible[head * result.Tq + i];
    out[i] = mode === 'entropy' ? (n > 1 ? Math.log(n) : 0) : mode === 'normalised' ? (n > 1 ? 1 : 0) : n;
  }
  return out;
}

/** The styling both charts' value (y) axes share: name left-aligned, axis line shown, split lines. */
function valueAxisStyle(pal: ReturnType<typeof palette>, size: number) {
  return {
    nameTextStyle: { color: pal.subtle, fontSize: size, align: 'left' as const },
    axisLine: { show: true, lineStyle: { color: pal.axis } },
    axisLabel: { color: pal.text, fontSize: size },
    splitLine: { lineStyle: { color: pal.split } },
  };
}

export function entropyOption(result: AttentionResult, head: number, mode: EntropyMode, opts: EntropyOpts): EChartsOption {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  // a zoomed region's rows [r0, r1): bar i is query row r0 + i
  const [r0, r1] = opts.rows ? [Math.max(0, opts.rows[0]), Math.min(result.Tq, opts.rows[1])] : [0, result.Tq];
  const values = rowValues(result, head, mode).subarray(r0, r1);
  const reference = rowReference(result, head, mode).subarray(r0, r1);
  const labels = queryLabels(opts.labels, result.Tq).slice(r0, r1);
  const empty = new Set((result.emptyRows[head] ?? []).filter((i) => i >= r0 && i < r1).map((i) => i - r0));
  const text = MODE_TEXT[mode];

  const left = 56;
  const right = 16;
  const titleH = opts.title ? size + 22 : 0;
  // rows above the plot: title, legend, the y axis's name
  const top = titleH + (size + 14) + (size + 14);
  const { bottom, xAxis } = queryAxis(labels, opts, left, right);

  const bars = Array.from(values, (v, i) => (empty.has(i) ? { value: 0, itemStyle: { color: pal.empty } } : Number(v)));
  const yMax = mode === 'normalised' ? 1 : undefined;

  return {
    ...baseOption(opts),
    title: opts.title ? { text: opts.title, left: 'center', top: 6, textStyle: { color: pal.text, fontSize: size + 3 } } : undefined,
    legend: {
      top: titleH + 6,
      left: 'center',
      itemHeight: size - 2,
      textStyle: { color: pal.text, fontSize: size },
      data: [text.value, text.reference],
    },
    grid: { left, right, top, bottom, containLabel: false },
    tooltip: rowTooltip(opts, (i) => {
      const n = result.visible[head * result.Tq + r0 + i];
      if (empty.has(i)) return `${displayToken(labels[i], 24)}: no visible key`;
      const unit = text.unit ? ` ${text.unit}` : '';
      return `${displayToken(labels[i], 24)}: ${text.value} ${formatValue(values[i])}${unit} (max ${formatValue(reference[i])}${unit}, ${n} visible key${n === 1 ? '' : 's'})`;
    }),
    xAxis,
    yAxis: {
      type: 'value',
      min: 0,
      max: yMax,
      name: text.axis,
      nameLocation: 'end',
      ...valueAxisStyle(pal, size),
    },
    series: [
      {
        type: 'bar',
        name: text.value,
        data: bars,
        itemStyle: { color: pal.bar },
        barMaxWidth: 28,
        barCategoryGap: r1 - r0 > 100 ? '0%' : '20%',
        large: r1 - r0 > 2000,
      },
      {
        type: 'line',
        name: text.reference,
        data: Array.from(reference),
        step: 'middle',
        symbol: 'none',
        lineStyle: { color: pal.reference, width: 1.5, type: 'dashed' },
        itemStyle: { color: pal.reference },
        z: 3,
      },
    ],
  };
}

/**
 * The ceiling of a head's mean entropy: the mean of ln(nᵢ) over its non-empty rows (nᵢ = the
 * keys row i may see), what uniform attention over the visible keys would reach. Without a
 * mask every nᵢ is Tk and this is ln(Tk); under a causal mask it is far lower.
 */
export function meanEntropyBound(result: AttentionResult, head: number): number {
  checkHead(result, head);
  let sum = 0;
  let rows = 0;
  for (let i = 0; i < result.Tq; i++) {
    const n = result.visible[head * result.Tq + i];
    if (n < 1) continue;
    sum += Math.log(n);
    rows++;
  }
  return rows ? sum / rows : 0;
}

/** Whether a result's rows see fewer than all Tk keys (a mask): its entropy ceilings are ln(nᵢ), not ln(Tk). */
export function masked(result: AttentionResult): boolean {
  for (let k = 0; k < result.heads * result.Tq; k++) if (result.visible[k] !== result.Tk) return true;
  return false;
}

/** Mean entropy per head (over its non-empty rows) against its ceiling: ln(Tk), or under a mask the mean of ln(visible keys). */
export function headSummaryOption(result: AttentionResult, opts: Partial<ChartOpts> & { title?: string } = {}): EChartsOption {
  const o: ChartOpts = { width: opts.width ?? 480, height: opts.height ?? 260, theme: opts.theme ?? 'light', forExport: opts.forExport, small: opts.small };
  const size = fontSize(o);
  const pal = palette(o.theme, o.forExport);
  const heads = Array.from({ length: result.heads }, (_, h) => `head ${h}`);
  const underMask = masked(result);
  // masks are the same for every head; head 0's rows give the bound
  const ceiling = underMask ? meanEntropyBound(result, 0) : result.maxEntropy;
  const top = (opts.title ? size + 24 : 8) + size + 10;
  const left = 56;
  const right = 20;
  // every bar gets its label: "head h" when it fits under the bar, else just "h" under an axis named "head"
  const perHead = Math.max(1, o.width - left - right) / Math.max(1, result.heads);
  const last = result.heads - 1;
  const full = textWidth(`head ${last}`, size) + 8 <= perHead;
  const labelW = textWidth(full ? `head ${last}` : String(last), size) + 6;
  return {
    ...baseOption(o),
    title: opts.title ? { text: opts.title, left: 'center', top: 6, textStyle: { color: pal.text, fontSize: size + 3 } } : undefined,
    grid: { left, right, top, bottom: size + 34, containLabel: false },
    tooltip: o.forExport ? undefined : { trigger: 'axis', valueFormatter: (v: unknown) => `${formatValue(Number(v))} nats` },
    xAxis: {
      type: 'category',
      data: heads,
      name: full ? undefined : 'head',
      nameLocation: 'middle',
      nameGap: size + 10,
      nameTextStyle: { color: pal.subtle, fontSize: size },
      axisLine: { lineStyle: { color: pal.axis } },
      axisLabel: {
        color: pal.text,
        fontSize: size,
        interval: labelInterval(perHead, labelW),
        formatter: full ? undefined : (v: string) => String(v).replace(/^head /, ''),
      },
    },
    yAxis: {
      type: 'value',
      min: 0,
      // a round number a little above both the bars and ln(Tk)
      max: (extent: { max: number }) => Math.ceil(Math.max(extent.max, ceiling, 0.1) * 1.08 * 2) / 2,
      // a tick every 24 px or more: a short chart (the side panel's) gets 2–3 ticks, not 7 crammed ones
      splitNumber: Math.max(2, Math.min(5, Math.floor((o.height - top - (size + 34)) / 24))),
      name: 'mean entropy (nats)',
      ...valueAxisStyle(pal, size),
    },
    series: [
      {
        type: 'bar',
        name: 'mean entropy',
        data: result.meanEntropy.slice(0, result.heads),
        itemStyle: { color: pal.bar },
        barMaxWidth: 36,
        markLine: {
          silent: true,
          symbol: 'none',
          lineStyle: { color: pal.reference, type: 'dashed', width: 1.5 },
          label: {
            formatter: underMask ? `mean ln(visible keys) = ${formatValue(ceiling)}` : `ln Tk = ${formatValue(ceiling)}`,
            color: pal.reference,
            fontSize: size,
            position: 'insideEndTop',
          },
          data: [{ yAxis: ceiling, name: underMask ? 'mean ln(visible keys)' : 'ln(Tk)' }],
        },
      },
    ],
  };
}
