/**
 * Matrix views for the charts: one head's slice of a head-major result, and block pooling so
 * that a chart never has more cells than it can show (docs/semantics.md, "overview": blocks
 * of ceil(rows/maxRows) × ceil(cols/maxCols), the last block of an axis may be smaller).
 */
import type { AttentionResult } from '../job/problem';

export type PoolMode = 'mean' | 'max';

export interface PooledMatrix {
  /** rows × cols, row-major; a block whose every cell is blocked is −Infinity */
  values: Float32Array;
  rows: number;
  cols: number;
  /** source rows / columns per block (1 when nothing was pooled) */
  blockRows: number;
  blockCols: number;
  /** per block, the fraction of its cells that are blocked (−Infinity or flagged), 0…1 */
  blocked: Float32Array;
}

/** Rows (or columns) per block when n of them are pooled into at most `max` blocks. */
export function poolBlock(n: number, max: number): number {
  return Math.max(1, Math.ceil(n / Math.max(1, Math.floor(max))));
}

/**
 * Pool a rows×cols matrix into at most maxRows×maxCols blocks.
 *
 * Blocked cells are the −Infinity entries (blocked scores) and, when `blocked` is given, the
 * cells it flags with 1. `max` ignores blocked cells. `mean` averages the finite values of the
 * block: on a weights matrix, whose blocked cells hold 0, that is the docs' "blocked cells
 * count as 0"; on scores, −∞ would swamp the mean, so −∞ cells are left out. A block with no
 * unblocked cell is −Infinity (drawn as masked).
 */
export function poolMatrix(values: Float32Array, rows: number, cols: number, maxRows: number, maxCols: number, mode: PoolMode, blocked?: Uint8Array | null): PooledMatrix {
  if (values.length < rows * cols) throw new Error(`poolMatrix: ${values.length} values cannot be a ${rows}×${cols} matrix`);
  const br = poolBlock(rows, maxRows);
  const bc = poolBlock(cols, maxCols);
  const outRows = rows === 0 ? 0 : Math.ceil(rows / br);
  const outCols = cols === 0 ? 0 : Math.ceil(cols / bc);
  const out = new Float32Array(outRows * outCols);
  const frac = new Float32Array(outRows * outCols);
  // a cell is blocked when it is −∞ or `blocked` flags it (tested inline below: every cell of a 2048² map passes)
  if (br === 1 && bc === 1) {
    // isBlocked inlined: this copies every cell of a 2048² map
    for (let k = 0; k < rows * cols; k++) {
      const x = values[k];
      const b = x === -Infinity || (blocked != null && blocked[k] === 1);
      out[k] = b ? -Infinity : x;
      frac[k] = b ? 1 : 0;
    }
    return { values: out, rows: outRows, cols: outCols, blockRows: 1, blockCols: 1, blocked: frac };
  }
  // row by row through the source (the order it lies in memory), each block's totals kept per output column
  const sum = new Float64Array(outCols);
  const max = new Float64Array(outCols);
  const nFinite = new Int32Array(outCols);
  const nBlocked = new Int32Array(outCols);
  for (let R = 0; R < outRows; R++) {
    const i0 = R * br;
    const i1 = Math.min(rows, i0 + br);
    sum.fill(0);
    max.fill(-Infinity);
    nFinite.fill(0);
    nBlocked.fill(0);
    for (let i = i0; i < i1; i++) {
      const base = i * cols;
      for (let C = 0; C < outCols; C++) {
        const j0 = base + C * bc;
        const j1 = base + Math.min(cols, (C + 1) * bc);
        let s = sum[C];
        let m = max[C];
        let nf = 0;
        let nb = 0;
        if (blocked == null) {
          for (let k = j0; k < j1; k++) {
            const x = values[k];
            // x − x is 0 for a finite x, NaN for ±∞ and NaN: those are left out (−∞ is a blocked cell)
            if (x - x !== 0) {
              if (x === -Infinity) nb++;
              continue;
            }
            s += x;
            nf++;
            if (x > m) m = x;
          }
        } else {
          for (let k = j0; k < j1; k++) {
            const x = values[k];
            const b = x === -Infinity || blocked[k] === 1;
            if (b) nb++;
            if (x - x !== 0) continue;
            // the mean counts a flagged blocked weight (it holds 0) as 0; max ignores it
            s += x;
            nf++;
            if (!b && x > m) m = x;
          }
        }
        sum[C] = s;
        max[C] = m;
        nFinite[C] += nf;
        nBlocked[C] += nb;
      }
    }
    for (let C = 0; C < outCols; C++) {
      const cells = (i1 - i0) * (Math.min(cols, (C + 1) * bc) - C * bc);
      const o = R * outCols + C;
      out[o] = nBlocked[C] === cells || nFinite[C] === 0 ? -Infinity : mode === 'max' ? max[C] : sum[C] / nFinite[C];
      frac[o] = nBlocked[C] / cells;
    }
  }
  return { values: out, rows: outRows, cols: outCols, blockRows: br, blockCols: bc, blocked: frac };
}

export type HeadMatrix = 'weights' | 'scores';

/** The Tq×Tk matrix of one head (a view on the result's array, not a copy). */
export function headSlice(result: AttentionResult, head: number, matrix: HeadMatrix): Float32Array {
  const data = result[matrix];
  if (!data) throw new Error(`the result has no ${matrix}: run the job with "${matrix}" among its outputs`);
  if (!Number.isInteger(head) || head < 0 || head >= result.heads) {
    throw new Error(`head ${head} does not exist: the result has ${result.heads} head${result.heads === 1 ? '' : 's'} (0–${result.heads - 1})`);
  }
  const n = result.Tq * result.Tk;
  return data.subarray(head * n, (head + 1) * n);
}

/**
 * The blocked pairs of one head (1 = masked), read from the scores (−∞ = blocked); null when
 * the result carries no scores (weights alone cannot tell a masked pair from a zero weight).
 */
export function headBlocked(result: AttentionResult, head: number): Uint8Array | null {
  if (!result.scores) return null;
  const s = headSlice(result, head, 'scores');
  const out = new Uint8Array(s.length);
  for (let k = 0; k < s.length; k++) out[k] = s[k] === -Infinity ? 1 : 0;
  return out;
}
