/**
 * Zooming into the focused heatmap: a region (query rows × keys, token indices) picked on the
 * pooled overview, or on a tile already shown, is recomputed at full resolution through the
 * LabApi's fetchTile. The picture on show stays until the tile lands; a newer zoom, a reset or
 * a new run drops a tile still on its way. Back returns to the previous level, reset to the
 * run's own view. The + key and a wheel step up take the same path in (zoomIn); a wheel step
 * down is Back.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { RunReply, TileReply } from '../../../src-shared/api/lab-api';
import { TILE_MAX_SIDE } from '../../../src-shared/api/requests';
import { labApi } from '../host';
import { errorText } from '../logic/errors';

export interface ZoomRegion {
  head: number;
  /** query rows [r0, r1) and keys [c0, c1), token indices */
  rows: [number, number];
  cols: [number, number];
}

/**
 * The region as fetchTile takes it: inside the run's Tq × Tk, at least one token a side, and
 * at most `max` a side (a bigger selection keeps its centre).
 */
export function fitRegion(region: ZoomRegion, Tq: number, Tk: number, max = TILE_MAX_SIDE): ZoomRegion {
  const fit = ([a, b]: [number, number], n: number): [number, number] => {
    let lo = Math.max(0, Math.min(n - 1, Math.floor(Math.min(a, b))));
    let hi = Math.max(lo + 1, Math.min(n, Math.ceil(Math.max(a, b))));
    if (hi - lo > max) {
      const mid = Math.floor((lo + hi) / 2);
      lo = Math.max(0, Math.min(n - max, mid - Math.floor(max / 2)));
      hi = lo + max;
    }
    return [lo, hi];
  };
  return { head: region.head, rows: fit(region.rows, Tq), cols: fit(region.cols, Tk) };
}

/**
 * The region + zooms to: half of the one on show on each side, about its centre (from the
 * run's own view, `current` is the whole matrix). Never below 8 tokens a side. A wheel step
 * about the view's own centre.
 */
export function zoomInRegion(current: ZoomRegion, Tq: number, Tk: number): ZoomRegion {
  return regionAround(current, current, Tq, Tk);
}

/** The region an arrow key pans to: half a side along the arrow, kept inside the matrix. */
export function panRegion(current: ZoomRegion, arrow: 'ArrowUp' | 'ArrowDown' | 'ArrowLeft' | 'ArrowRight', Tq: number, Tk: number): ZoomRegion {
  const shift = ([a, b]: [number, number], n: number, dir: number): [number, number] => {
    const side = b - a;
    const lo = Math.max(0, Math.min(n - side, a + dir * Math.max(1, Math.floor(side / 2))));
    return [lo, lo + side];
  };
  const vertical = arrow === 'ArrowUp' || arrow === 'ArrowDown';
  const dir = arrow === 'ArrowUp' || arrow === 'ArrowLeft' ? -1 : 1;
  return {
    head: current.head,
    rows: vertical ? shift(current.rows, Tq, dir) : current.rows,
    cols: vertical ? current.cols : shift(current.cols, Tk, dir),
  };
}

/** A wheel step zooms to this share of the view on show, each side. */
export const WHEEL_ZOOM_FRACTION = 0.5;

/**
 * The region a wheel step zooms to: `fraction` of the view on show each side (never below 8
 * tokens, never above a tile's side or the run), centred on the tokens under the pointer
 * (`at`, a pooled cell's whole block) and shifted, not shrunk, to stay inside the run.
 */
export function regionAround(
  current: ZoomRegion,
  at: { rows: [number, number]; cols: [number, number] },
  Tq: number,
  Tk: number,
  fraction = WHEEL_ZOOM_FRACTION,
  max = TILE_MAX_SIDE,
): ZoomRegion {
  const around = ([a, b]: [number, number], [p, q]: [number, number], n: number): [number, number] => {
    const side = Math.max(1, Math.min(n, max, Math.max(8, Math.ceil((b - a) * fraction))));
    const lo = Math.max(0, Math.min(n - side, Math.round((p + q) / 2 - side / 2)));
    return [lo, lo + side];
  };
  return { head: current.head, rows: around(current.rows, at.rows, Tq), cols: around(current.cols, at.cols, Tk) };
}

const ARROWS = ['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight'] as const;

/** "queries 1500–1755 × keys 1400–1911" */
export function regionText(r: Pick<ZoomRegion, 'rows' | 'cols'>): string {
  return `queries ${r.rows[0]}–${r.rows[1] - 1} × keys ${r.cols[0]}–${r.cols[1] - 1}`;
}

export const useZoomStore = defineStore('zoom', () => {
  /** the run the zoom levels belong to */
  const runId = ref<string | null>(null);
  /** the levels shown so far, outermost first; the last one is on screen */
  const levels = shallowRef<TileReply[]>([]);
  /** the region being fetched, or null */
  const pending = ref<ZoomRegion | null>(null);
  const error = ref<string | null>(null);
  let seq = 0;

  const tile = computed<TileReply | null>(() => levels.value[levels.value.length - 1] ?? null);
  const depth = computed(() => levels.value.length);

  /** The tile on show for this run and head, or null (the run's own view is shown). */
  function tileFor(reply: RunReply | null, head: number): TileReply | null {
    const t = tile.value;
    return t && reply && runId.value === reply.runId && t.head === head ? t : null;
  }

  /**
   * Fetch a region of the run at full resolution; it is shown when it lands (unless overtaken),
   * as a new level, or in place of the level on show (`replace`: a pan).
   */
  async function zoomTo(reply: RunReply, region: ZoomRegion, replace = false): Promise<void> {
    if (runId.value !== reply.runId) reset(reply.runId);
    const r = fitRegion(region, reply.result.Tq, reply.result.Tk);
    const mine = ++seq;
    pending.value = r;
    error.value = null;
    try {
      const t = await labApi().fetchTile({ runId: reply.runId, head: r.head, rows: r.rows, cols: r.cols });
      if (mine !== seq) return;
      levels.value = [...(replace ? levels.value.slice(0, -1) : levels.value), t];
    } catch (e) {
      if (mine === seq) error.value = errorText(e);
    } finally {
      if (mine === seq) pending.value = null;
    }
  }

  /** What is on show for this run and head: the tile's region, or the whole matrix. */
  function shownRegion(reply: RunReply, head: number): ZoomRegion {
    const shown = reply.runId === runId.value ? tile.value : null;
    return shown ? { head: shown.head, rows: shown.rows, cols: shown.cols } : { head, rows: [0, reply.result.Tq], cols: [0, reply.result.Tk] };
  }

  /**
   * One step in (the + key, a wheel step up): half of what is on show each side, about its
   * centre, or about the tokens `at` (under the pointer) when given.
   */
  function zoomIn(reply: RunReply, head: number, at?: { rows: [number, number]; cols: [number, number] }): Promise<void> {
    const current = shownRegion(reply, head);
    const { Tq, Tk } = reply.result;
    return zoomTo(reply, at ? regionAround(current, at, Tq, Tk) : zoomInRegion(current, Tq, Tk));
  }

  /**
   * A wheel step over the map: up (`steps` < 0, as WheelEvent.deltaY) zooms in about the
   * tokens under the pointer, down goes back. Ignored while a tile is on its way. True when
   * it did something.
   */
  function wheel(reply: RunReply | null, head: number, steps: number, at: { rows: [number, number]; cols: [number, number] } | null): boolean {
    if (!reply || pending.value || steps === 0) return false;
    if (steps < 0) {
      if (!at) return false;
      void zoomIn(reply, head, at);
      return true;
    }
    if (reply.runId !== runId.value || depth.value === 0) return false;
    back();
    return true;
  }

  /** Back to the previous level (the run's own view after the first). */
  function back() {
    seq++;
    pending.value = null;
    error.value = null;
    levels.value = levels.value.slice(0, -1);
  }

  /** Back to the run's own view; a tile on its way is dropped. */
  function reset(forRun: string | null = runId.value) {
    seq++;
    runId.value = forRun;
    levels.value = [];
    pending.value = null;
    error.value = null;
  }

  /**
   * The zoom's keys: + zooms in about the centre of what is on show (given the run), 0 resets,
   * − goes back, arrows pan half a side (those three only while zoomed). True when the key was the zoom's.
   */
  function key(e: { key: string; ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean }, reply: RunReply | null = null, head = 0): boolean {
    if (e.ctrlKey || e.metaKey || e.altKey) return false;
    if ((e.key === '+' || e.key === '=') && reply) {
      void zoomIn(reply, head);
      return true;
    }
    if (depth.value === 0 && !pending.value) return false;
    const arrow = ARROWS.find((a) => a === e.key);
    if (arrow && reply && tile.value) {
      const t = tile.value;
      // a pan replaces the level on show once it lands: − still goes back to where the zoom came from
      void zoomTo(reply, panRegion({ head: t.head, rows: t.rows, cols: t.cols }, arrow, reply.result.Tq, reply.result.Tk), true);
      return true;
    }
    if (e.key === '0') reset();
    else if (e.key === '-') back();
    else return false;
    return true;
  }

  return { runId, levels, pending, error, tile, depth, tileFor, zoomTo, zoomIn, wheel, back, reset, key };
});
