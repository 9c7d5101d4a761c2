/**
 * The pinned row as a bar list: a pure function over a RunReply. (What the heatmap shows is
 * src-shared/charts/heatmap-input.ts, shared with the exports.)
 */
import type { RunReply } from '../../../src-shared/api/lab-api';
import { headBlocked, headSlice } from '../../../src-shared/charts/pool';
import { tokenLabel } from '../../../src-shared/charts/token-labels';

export interface RowBar {
  index: number;
  token: string;
  weight: number;
  score: number | null;
  masked: boolean;
}

/**
 * The pinned row's weights, one bar per key, largest first (masked keys last), at most
 * `limit`; null when the result has no full weights.
 */
export function rowBars(reply: RunReply, head: number, row: number, limit = 64): RowBar[] | null {
  const r = reply.result;
  if (!r.weights || row < 0 || row >= r.Tq) return null;
  const h = Math.min(Math.max(0, head), r.heads - 1);
  const w = headSlice(r, h, 'weights');
  const s = r.scores ? headSlice(r, h, 'scores') : null;
  const blocked = headBlocked(r, h);
  const bars: RowBar[] = [];
  for (let j = 0; j < r.Tk; j++) {
    const k = row * r.Tk + j;
    bars.push({
      index: j,
      // a repeated token is numbered (the#2), as on the heatmap's axes and in the token view
      token: tokenLabel(reply.tokens.keys, j),
      weight: w[k],
      score: s ? s[k] : null,
      masked: blocked ? blocked[k] === 1 : false,
    });
  }
  bars.sort((a, b) => Number(a.masked) - Number(b.masked) || b.weight - a.weight || a.index - b.index);
  return bars.slice(0, limit);
}
