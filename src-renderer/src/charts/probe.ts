/**
 * What a chart holds and draws, for the end-to-end tests: EChart.vue puts a ChartProbe on
 * its element (`element.qklabChart`), so a test can read the numbers behind the pixels
 * (the option ECharts holds, and the value each drawn bar stands for) and tell a chart
 * that shows the current run from one still drawing an earlier run's bars.
 */
import type { echarts } from './echarts';

type Chart = echarts.ECharts;

export interface ChartProbe {
  /** the option ECharts holds now (with notMerge: exactly the last one set), or null */
  option(): Record<string, unknown> | null;
  /**
   * For a bar series: the value each bar stands for as it is drawn NOW (the end of its
   * rectangle converted back through the value axis), null for a bar not drawn; null when
   * the series is not a bar series.
   */
  drawnBars(seriesIndex?: number): (number | null)[] | null;
  /** where things are drawn now, in the chart's pixels: every text shown, each grid and each legend; null before a chart */
  layout(): ChartLayout | null;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ChartLayout {
  width: number;
  height: number;
  /** every text drawn now (titles, legend items, axis labels and names, series labels), hidden ones left out; its box is upright, `rotation` (radians) says how it is turned */
  texts: (Box & { text: string; rotation: number })[];
  grids: Box[];
  legends: Box[];
}

/** The little of ECharts' model the probe reads (not in its public typings). */
interface ModelLike {
  getSeriesByIndex(i: number): { subType: string; getData(): { count(): number; getItemGraphicEl(i: number): unknown } } | undefined;
}

interface RectLike {
  shape?: { x: number; y: number; width: number; height: number };
}

/** The little of zrender's elements the layout reads. */
interface ElementLike {
  type?: string;
  style?: { text?: string | number };
  transform?: number[] | null;
  getBoundingRect(): { clone(): Box & { applyTransform(m: number[]): void } };
}

interface LayoutModelLike {
  findComponents(q: { mainType: string }): { coordinateSystem?: { getRect(): Box } }[];
}

/** An element's box in the chart's pixels (its own rectangle through its global transform). */
function boxOf(el: ElementLike): Box {
  const r = el.getBoundingRect().clone();
  if (el.transform) r.applyTransform(el.transform);
  return { x: r.x, y: r.y, width: r.width, height: r.height };
}

export function chartProbe(chart: () => Chart | null): ChartProbe {
  return {
    option: () => {
      const c = chart();
      return c ? c.getOption() : null;
    },
    drawnBars: (seriesIndex = 0) => {
      const c = chart();
      if (!c) return null;
      const series = (c as unknown as { getModel(): ModelLike }).getModel().getSeriesByIndex(seriesIndex);
      if (!series || series.subType !== 'bar') return null;
      const data = series.getData();
      return Array.from({ length: data.count() }, (_, i) => {
        const shape = (data.getItemGraphicEl(i) as RectLike | undefined)?.shape;
        if (!shape) return null;
        const at = c.convertFromPixel({ seriesIndex }, [shape.x + shape.width / 2, shape.y + shape.height]);
        return Array.isArray(at) && Number.isFinite(at[1]) ? at[1] : null;
      });
    },
    layout: () => {
      const c = chart();
      if (!c) return null;
      const list = (c.getZr() as unknown as { storage: { getDisplayList(update?: boolean): ElementLike[] } }).storage.getDisplayList(true);
      const texts = list
        // a text draws as its tspans (one per line or rich-text run)
        .filter((el) => el.type === 'tspan' && el.style?.text !== undefined && String(el.style.text) !== '')
        .map((el) => ({ text: String(el.style!.text), rotation: el.transform ? Math.atan2(el.transform[1], el.transform[0]) : 0, ...boxOf(el) }));
      const model = (c as unknown as { getModel(): LayoutModelLike }).getModel();
      const grids = model.findComponents({ mainType: 'grid' }).flatMap((g) => (g.coordinateSystem ? [g.coordinateSystem.getRect()] : []));
      const view = (m: unknown) => (c as unknown as { getViewOfComponentModel(m: unknown): { group: ElementLike } | undefined }).getViewOfComponentModel(m)?.group;
      const legends = model.findComponents({ mainType: 'legend' }).flatMap((m) => {
        const g = view(m);
        return g ? [boxOf(g)] : [];
      });
      return { width: c.getWidth(), height: c.getHeight(), texts, grids: grids.map((g) => ({ x: g.x, y: g.y, width: g.width, height: g.height })), legends };
    },
  };
}

/** Put (or remove) the probe on the chart's element. */
export function attachProbe(el: HTMLElement, probe: ChartProbe | null): void {
  (el as HTMLElement & { qklabChart?: ChartProbe | null }).qklabChart = probe;
}
