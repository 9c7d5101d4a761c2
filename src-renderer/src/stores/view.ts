/**
 * How results are shown: colour maps, scale, which matrix, the focused head, the pinned
 * row, the theme, the entropy view and whether a short run's token view is on. Saved with the session (`snapshot` / `restore`).
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { HeatmapView } from '../../../src-shared/api/lab-api';
import { colormap, DEFAULT_DIVERGING, DEFAULT_SEQUENTIAL, isColormap } from '../../../src-shared/charts/colormaps';
import type { EntropyMode } from '../../../src-shared/charts/entropy';

export type { EntropyMode };

export type Theme = 'light' | 'dark';
export type MatrixKind = HeatmapView['matrix'];
export type ScaleKind = HeatmapView['scale'];

export const ENTROPY_MODES: Array<{ id: EntropyMode; label: string }> = [
  { id: 'entropy', label: 'Entropy (nats)' },
  { id: 'normalised', label: 'Normalised entropy' },
  { id: 'effective', label: 'Effective neighbours' },
];

/** The heatmap takes most of the room by default; the divider moves it within this range. */
export const DEFAULT_HEAT_SPLIT = 0.7;
export const HEAT_SPLIT_RANGE: [number, number] = [0.3, 0.9];

export const useViewStore = defineStore('view', () => {
  const theme = ref<Theme>('light');
  /** sequential map for weights */
  const sequential = ref(DEFAULT_SEQUENTIAL);
  /** diverging map for scores and differences */
  const diverging = ref(DEFAULT_DIVERGING);
  const scale = ref<ScaleKind>('linear');
  const matrix = ref<MatrixKind>('weights');
  const head = ref(0);
  const pinnedRow = ref<number | null>(null);
  const entropyMode = ref<EntropyMode>('entropy');
  /** PNG export pixel ratio */
  const exportScale = ref(2);
  /** the heatmap's share of the attention pane's height (the entropy chart has the rest) */
  const heatSplit = ref(DEFAULT_HEAT_SPLIT);
  /** the "Tokens" toggle: the token view beside the matrix (shown only for runs it fits, token-view.ts) */
  const showTokens = ref(true);

  /** the colour map of the matrix on show */
  const activeColormap = computed(() => (matrix.value === 'weights' ? sequential.value : diverging.value));
  /** log scale applies to weights only (scores can be negative) */
  const effectiveScale = computed<ScaleKind>(() => (matrix.value === 'weights' ? scale.value : 'linear'));

  const heatmapView = computed<HeatmapView>(() => ({
    matrix: matrix.value,
    colormap: activeColormap.value,
    scale: effectiveScale.value,
    head: head.value,
  }));

  function setColormap(id: string) {
    if (!isColormap(id)) return;
    if (colormap(id).kind === 'diverging') diverging.value = id;
    else sequential.value = id;
  }

  function toggleTheme() {
    theme.value = theme.value === 'dark' ? 'light' : 'dark';
  }

  function setHead(h: number) {
    head.value = Math.max(0, Math.floor(h));
  }

  /** Click on a row: pin it, or unpin it if it was pinned. */
  function pinRow(row: number | null) {
    pinnedRow.value = row === null || row === pinnedRow.value ? null : row;
  }

  /** Keep the focused head and pinned row inside a new result's shape. */
  function clampTo(heads: number, rows: number) {
    if (head.value >= heads) head.value = Math.max(0, heads - 1);
    if (pinnedRow.value !== null && pinnedRow.value >= rows) pinnedRow.value = null;
  }

  /** Move the divider (a fraction of the pane's height, clamped to HEAT_SPLIT_RANGE); remembered with the session. */
  function setHeatSplit(fraction: number) {
    if (Number.isFinite(fraction)) heatSplit.value = Math.min(HEAT_SPLIT_RANGE[1], Math.max(HEAT_SPLIT_RANGE[0], fraction));
  }

  function snapshot(): Record<string, unknown> {
    return {
      theme: theme.value,
      sequential: sequential.value,
      diverging: diverging.value,
      scale: scale.value,
      matrix: matrix.value,
      head: head.value,
      pinnedRow: pinnedRow.value,
      entropyMode: entropyMode.value,
      exportScale: exportScale.value,
      heatSplit: heatSplit.value,
      showTokens: showTokens.value,
    };
  }

  function restore(v: Record<string, unknown>) {
    const pick = <T>(key: string, ok: (x: unknown) => boolean, set: (x: T) => void) => {
      if (key in v && ok(v[key])) set(v[key] as T);
    };
    pick<Theme>(
      'theme',
      (x) => x === 'light' || x === 'dark',
      (x) => (theme.value = x),
    );
    const colormap = (x: unknown) => typeof x === 'string' && isColormap(x);
    pick<string>('sequential', colormap, (x) => (sequential.value = x));
    pick<string>('diverging', colormap, (x) => (diverging.value = x));
    pick<ScaleKind>(
      'scale',
      (x) => x === 'linear' || x === 'log' || x === 'rowmax',
      (x) => (scale.value = x),
    );
    pick<MatrixKind>(
      'matrix',
      (x) => x === 'weights' || x === 'scores',
      (x) => (matrix.value = x),
    );
    pick<number>(
      'head',
      (x) => Number.isInteger(x) && (x as number) >= 0,
      (x) => (head.value = x),
    );
    pick<number | null>(
      'pinnedRow',
      (x) => x === null || (Number.isInteger(x) && (x as number) >= 0),
      (x) => (pinnedRow.value = x),
    );
    pick<EntropyMode>(
      'entropyMode',
      (x) => ENTROPY_MODES.some((m) => m.id === x),
      (x) => (entropyMode.value = x),
    );
    pick<number>(
      'exportScale',
      (x) => x === 1 || x === 2 || x === 4,
      (x) => (exportScale.value = x),
    );
    pick<number>(
      'heatSplit',
      (x) => typeof x === 'number' && x >= HEAT_SPLIT_RANGE[0] && x <= HEAT_SPLIT_RANGE[1],
      (x) => (heatSplit.value = x),
    );
    pick<boolean>(
      'showTokens',
      (x) => typeof x === 'boolean',
      (x) => (showTokens.value = x),
    );
  }

  return {
    theme,
    sequential,
    diverging,
    scale,
    matrix,
    head,
    pinnedRow,
    entropyMode,
    exportScale,
    heatSplit,
    setHeatSplit,
    showTokens,
    activeColormap,
    effectiveScale,
    heatmapView,
    setColormap,
    toggleTheme,
    setHead,
    pinRow,
    clampTo,
    snapshot,
    restore,
  };
});
