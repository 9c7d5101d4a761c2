/**
 * Charts without a display: an ECharts option → SVG text (ECharts' server-side SVG renderer)
 * → PNG bytes (resvg). The option builders in src-shared/charts are the same ones the app
 * mounts, so an export looks like the window it came from.
 */
import * as echarts from 'echarts';
import { Resvg } from '@resvg/resvg-js';
import type { EChartsOption } from 'echarts';
import { EXPORT_FONT, textWidth } from '../../../src-shared/charts/theme';
import { exportFontMetrics, measureText } from './font-metrics';

export type PngScale = 1 | 2 | 4;
export const PNG_SCALES: readonly PngScale[] = [1, 2, 4];

/**
 * Render an option to SVG text at width × height (CSS pixels). Text without a font of its own
 * gets the export font, so resvg never meets a family it has to guess.
 */
let measuring = false;

/** Let ECharts measure text with the export font's real advance widths (when the font is installed). */
function useExportFontMetrics(): void {
  if (measuring) return;
  measuring = true;
  if (!exportFontMetrics(false)) return;
  echarts.setPlatformAPI({
    measureText: (text: string, font?: string) => {
      const size = Number(/(\d+(?:\.\d+)?)px/.exec(font ?? '')?.[1] ?? 12);
      return { width: measureText(text, font) ?? textWidth(text, size) };
    },
  });
}

export function renderSvg(option: EChartsOption, width: number, height: number): string {
  if (!(width > 0 && height > 0)) throw new Error(`cannot render a chart of ${width}×${height} pixels`);
  useExportFontMetrics();
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    const textStyle = (option.textStyle ?? {}) as Record<string, unknown>;
    chart.setOption({ ...option, animation: false, textStyle: { ...textStyle, fontFamily: textStyle.fontFamily ?? EXPORT_FONT } } as EChartsOption);
    return pixelatedImages(chart.renderToSVGString());
  } finally {
    chart.dispose();
  }
}

/**
 * Embedded images (a long map's cells) fill their box as the canvas does in the app (SVG's
 * default keeps the image's aspect and letterboxes it), and are scaled without smoothing, so a
 * cell stays a sharp block: resvg reads the attribute, browsers and editors the CSS.
 */
function pixelatedImages(svg: string): string {
  return svg.replace(/<image /g, '<image preserveAspectRatio="none" image-rendering="optimizeSpeed" ');
}

/**
 * Several rendered SVGs as one figure: each placed at (x, y) as a nested <svg>, on a
 * background of the figure's size. Each part keeps its own size and ids (ECharts numbers its
 * renderers, so two parts' ids never meet).
 */
export function composeSvg(parts: { svg: string; x: number; y: number }[], width: number, height: number, background: string): string {
  const body = parts.map(({ svg, x, y }) => svg.replace(/^<svg\b/, `<svg x="${x}" y="${y}"`)).join('\n');
  return `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" viewBox="0 0 ${width} ${height}">\n<rect width="${width}" height="${height}" fill="${background}"></rect>\n${body}\n</svg>`;
}

function svgSize(svg: string): { width: number; height: number } {
  const open = /<svg\b[^>]*>/.exec(svg)?.[0];
  const w = open && /\swidth="([\d.]+)"/.exec(open);
  const h = open && /\sheight="([\d.]+)"/.exec(open);
  if (!w || !h) throw new Error('svgToPng: the SVG has no width and height');
  return { width: Number(w[1]), height: Number(h[1]) };
}

/** Rasterise SVG text at `scale` device pixels per CSS pixel: a width·scale × height·scale PNG. */
export function svgToPng(svg: string, scale: PngScale = 1): Uint8Array {
  if (!PNG_SCALES.includes(scale)) throw new Error(`PNG scale must be 1, 2 or 4, got ${scale}`);
  const { width } = svgSize(svg);
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: Math.round(width * scale) },
    font: { loadSystemFonts: true, defaultFontFamily: EXPORT_FONT, sansSerifFamily: EXPORT_FONT },
    shapeRendering: 2,
    textRendering: 1,
  });
  const png = resvg.render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
