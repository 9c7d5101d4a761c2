/**
 * Every head of a run as one figure: a grid of panels, each the export's own heatmap of one
 * head (heatmap-export.ts) titled with its head, all on one colour scale (sharedRange), and
 * the caption once under the grid. Panels are rendered one by one and placed as nested SVGs,
 * so a 12-head figure costs twelve small drawings, not one huge option.
 */
import type { HeatmapView } from '../../../src-shared/api/lab-api';
import { GRID_MAX_HEADS } from '../../../src-shared/api/requests';
import { sharedRange, type RunView } from '../../../src-shared/charts/heatmap-input';
import { fontSize, palette, wrapText, EXPORT_FONT } from '../../../src-shared/charts/theme';
import { defaultExportHeight, encodeExport, exportInput, exportPixelRatio, inputExportOption, matrixTitle, type HeatmapExportOptions } from './heatmap-export';
import { composeSvg, renderSvg } from './render';

/** Panels a row: 1 head → 1, 2 → 2, 3–4 → 2, 5–9 → 3, more → 4. */
export function gridColumns(heads: number): number {
  return Math.max(1, Math.min(4, Math.ceil(Math.sqrt(heads))));
}

export const GRID_PANEL_WIDTH = 440;

export function exportHeadGrid(run: RunView, view: HeatmapView, options: HeatmapExportOptions): Uint8Array | string {
  const { result } = run;
  const heads = result.heads;
  if (heads > GRID_MAX_HEADS) throw new Error(`picture: a grid draws at most ${GRID_MAX_HEADS} heads, the run has ${heads}; export one head instead`);
  const theme = options.theme ?? 'light';
  const cols = gridColumns(heads);
  const rows = Math.ceil(heads / cols);
  const panelW = GRID_PANEL_WIDTH;
  const panelH = defaultExportHeight(result.Tq, result.Tk, panelW);
  // one colour scale for every panel (per-row maximum is [0, 1] already)
  const range = view.scale === 'rowmax' ? undefined : sharedRange(run, view.matrix);
  const parts: { svg: string; x: number; y: number }[] = [];
  for (let h = 0; h < heads; h++) {
    const input = exportInput(run, { ...view, head: h }, { title: `${matrixTitle(view)} · head ${h}`, range });
    const option = inputExportOption(input, { width: panelW, height: panelH, theme, pixelRatio: exportPixelRatio(options) });
    parts.push({ svg: renderSvg(option, panelW, panelH), x: (h % cols) * panelW, y: Math.floor(h / cols) * panelH });
    options.progress?.((0.8 * (h + 1)) / heads);
  }
  const width = cols * panelW;
  let height = rows * panelH;
  if (options.caption) {
    const caption = captionSvg(options.caption, width, theme);
    parts.push({ svg: caption.svg, x: 0, y: height });
    height += caption.height;
  }
  return encodeExport(composeSvg(parts, width, height, palette(theme, true).background), options);
}

/** The caption under the grid: its lines centred, in the export font (as a single heatmap's caption). */
function captionSvg(caption: string, width: number, theme: 'light' | 'dark'): { svg: string; height: number } {
  const size = fontSize({ width, height: 100, theme, forExport: true });
  const lines = wrapText(caption, width - 24, size);
  const height = lines.length * (size + 5) + 20;
  const option = {
    backgroundColor: palette(theme, true).background,
    title: {
      text: lines.join('\n'),
      left: 'center',
      top: 10,
      textStyle: { color: palette(theme, true).subtle, fontSize: size, fontWeight: 'normal' as const, lineHeight: size + 5, fontFamily: EXPORT_FONT },
    },
  };
  return { svg: renderSvg(option, width, height), height };
}
