/**
 * A heatmap as a file: the app's own option builder (src-shared/charts/heatmap.ts) over the
 * app's own input (runHeatmapInput: the head's matrix, or the pooled overview of a run too
 * big to keep it), rendered headless to SVG and rasterised to PNG at 1×, 2× or 4×. A matrix
 * the app paints as an image (over IMAGE_THRESHOLD a side) is exported the same way: its
 * cells are one embedded PNG at the output's resolution, and the axes, colour bar and caption
 * stay vector text.
 */
import type { HeatmapView, TileReply } from '../../../src-shared/api/lab-api';
import type { AttentionResult } from '../../../src-shared/job/problem';
import type { EChartsOption } from 'echarts';
import { heatmapOption, type HeatmapInput } from '../../../src-shared/charts/heatmap';
import { needsImage } from '../../../src-shared/charts/heatmap-image';
import { runHeatmapInput, tileHeatmapInput, type RunView, type Tokens } from '../../../src-shared/charts/heatmap-input';
import type { ChartTheme } from '../../../src-shared/charts/theme';
import { pngDataUrl } from './matrix-png';
import { renderSvg, svgToPng, type PngScale } from './render';

export interface HeatmapExportOptions {
  format: 'png' | 'svg';
  /** PNG pixels per CSS pixel (1, 2 or 4; default 2). Ignored for SVG. */
  scale?: PngScale;
  /** the configuration in words, printed under the plot (see describeJob) */
  caption?: string;
  /** CSS pixels; default 800 wide, and tall enough for the matrix's shape */
  width?: number;
  height?: number;
  /** default: "Attention weights · head 0 (2 heads)" */
  title?: string;
  theme?: ChartTheme;
  /** told 0…1 as the picture is built, drawn and encoded (the app's export progress) */
  progress?: (fraction: number) => void;
  /** image pixels per CSS pixel of a long map's embedded raster (default: the PNG scale; SVG_PIXEL_RATIO for SVG) */
  pixelRatio?: number;
}

/** An SVG's embedded matrix has this many pixels per CSS pixel, as a 4× PNG: every token of a 2048-token map, sharp when zoomed in an editor. */
export const SVG_PIXEL_RATIO = 4;

export type { Tokens };

export const DEFAULT_EXPORT_WIDTH = 800;

/** A height that gives a Tq×Tk matrix roughly square cells in the default width, plus room for labels. */
export function defaultExportHeight(Tq: number, Tk: number, width = DEFAULT_EXPORT_WIDTH): number {
  const plotW = Math.max(200, width - 220);
  return Math.round(Math.min(plotW * 1.25, Math.max(100, (plotW * Tq) / Math.max(1, Tk))) + 230);
}

/** "Attention weights" or "Attention scores". */
export function matrixTitle(view: HeatmapView): string {
  return view.matrix === 'weights' ? 'Attention weights' : 'Attention scores';
}

export function defaultHeatmapTitle(result: Pick<AttentionResult, 'heads'>, view: HeatmapView): string {
  const what = matrixTitle(view);
  return result.heads > 1 ? `${what} · head ${view.head} (${result.heads} heads)` : what;
}

/** What an export draws of a run for a view (runHeatmapInput: the head's matrix, or the pooled overview), or an error that says what to ask for. */
export function exportInput(run: RunView, view: HeatmapView, extra: Parameters<typeof runHeatmapInput>[2]): HeatmapInput {
  const input = runHeatmapInput(run, view, extra);
  if (!input) throw new Error(`the run has no ${view.matrix} and no overview to draw: run the job with "${view.matrix}" or "overview" among its outputs`);
  return input;
}

/** The export's size: the asked one, or 800 wide and tall enough for the matrix. */
export function exportSize(result: AttentionResult, options: Pick<HeatmapExportOptions, 'width' | 'height'>): { width: number; height: number } {
  const width = Math.round(options.width ?? DEFAULT_EXPORT_WIDTH);
  const height = Math.round(options.height ?? defaultExportHeight(result.Tq, result.Tk, width));
  if (!(width >= 120 && height >= 120)) throw new Error(`a heatmap export needs at least 120×120 pixels, got ${width}×${height}`);
  return { width, height };
}

/** The option an export renders: the app's heatmapOption over the app's input, for a file. */
export function heatmapExportOption(result: AttentionResult, tokens: Tokens, view: HeatmapView, options: Omit<HeatmapExportOptions, 'format' | 'scale'> = {}): EChartsOption {
  const { width, height } = exportSize(result, options);
  const input = exportInput({ result, tokens }, view, { title: options.title ?? defaultHeatmapTitle(result, view), caption: options.caption });
  return inputExportOption(input, { width, height, theme: options.theme ?? 'light', pixelRatio: options.pixelRatio ?? SVG_PIXEL_RATIO });
}

/**
 * Matrices with more cells than this are exported as one image: as vector cells, each is a
 * few hundred bytes of SVG and a shape for resvg (a 256² map was 13 MB and seconds a panel).
 */
export const EXPORT_VECTOR_CELLS = 64 * 64;

/**
 * The option an export renders for any heatmap input: heatmapOption for a file, and for a
 * matrix of more than EXPORT_VECTOR_CELLS cells (or that the app paints as an image) its cells
 * as one PNG of pixelRatio pixels per CSS pixel (pooled as the app pools its image; every
 * token when the grid has the pixels for it).
 */
export function inputExportOption(input: HeatmapInput, o: { width: number; height: number; theme: ChartTheme; pixelRatio: number }): EChartsOption {
  const opts = { width: o.width, height: o.height, theme: o.theme, forExport: true };
  if (!needsImage(input.rows, input.cols) && input.rows * input.cols <= EXPORT_VECTOR_CELLS) return heatmapOption(input, opts);
  return heatmapOption(input, opts, { image: { pixelRatio: o.pixelRatio, paint: pngDataUrl } });
}

export function exportHeatmap(result: AttentionResult, tokens: Tokens, view: HeatmapView, options: HeatmapExportOptions & { format: 'png' }): Uint8Array;
export function exportHeatmap(result: AttentionResult, tokens: Tokens, view: HeatmapView, options: HeatmapExportOptions & { format: 'svg' }): string;
export function exportHeatmap(result: AttentionResult, tokens: Tokens, view: HeatmapView, options: HeatmapExportOptions): Uint8Array | string;
export function exportHeatmap(result: AttentionResult, tokens: Tokens, view: HeatmapView, options: HeatmapExportOptions): Uint8Array | string {
  const { width, height } = exportSize(result, options);
  const option = heatmapExportOption(result, tokens, view, { ...options, pixelRatio: exportPixelRatio(options) });
  options.progress?.(0.1);
  return encodeExport(renderSvg(option, width, height), options);
}

/** Image pixels per CSS pixel of an embedded matrix: the PNG's scale, or SVG_PIXEL_RATIO. */
export function exportPixelRatio(options: Pick<HeatmapExportOptions, 'format' | 'scale' | 'pixelRatio'>): number {
  return options.pixelRatio ?? (options.format === 'png' ? (options.scale ?? 2) : SVG_PIXEL_RATIO);
}

/** The drawn SVG as the asked format: itself, or rasterised at the PNG scale. */
export function encodeExport(svg: string, options: Pick<HeatmapExportOptions, 'format' | 'scale' | 'progress'>): Uint8Array | string {
  if (options.format === 'svg') return svg;
  if (options.format !== 'png') throw new Error(`a heatmap exports as png or svg, not ${String(options.format)}`);
  options.progress?.(0.5);
  return svgToPng(svg, options.scale ?? 2);
}

/**
 * A zoomed region as a file: the tile fetchTile computed (full resolution, on the run's token
 * axes), drawn by the same builder as the whole map, titled with where it lies.
 */
export function exportRegion(tile: TileReply, run: RunView, view: HeatmapView, options: HeatmapExportOptions): Uint8Array | string {
  const [r0, r1] = tile.rows;
  const [c0, c1] = tile.cols;
  const width = Math.round(options.width ?? DEFAULT_EXPORT_WIDTH);
  const height = Math.round(options.height ?? defaultExportHeight(r1 - r0, c1 - c0, width));
  const title = options.title ?? `${defaultHeatmapTitle(run.result, { ...view, head: tile.head })} · queries ${r0}–${r1 - 1} × keys ${c0}–${c1 - 1}`;
  const input = tileHeatmapInput(tile, run, view, { title, caption: options.caption });
  const option = inputExportOption(input, { width, height, theme: options.theme ?? 'light', pixelRatio: exportPixelRatio(options) });
  options.progress?.(0.1);
  return encodeExport(renderSvg(option, width, height), options);
}
