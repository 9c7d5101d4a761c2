/**
 * What every piece of the attention graph shares: the builder, the q/k inputs, and a few
 * derived values (Kᵀ, sizes, row/column indices) built at most once, on first use, so that
 * a graph that does not need them does not pay for them.
 *
 * Shapes inside the graph: q [h, n, dq] (n = rows in the tile), k [h, Tk, dk] (Tk = the
 * tile's keys, see keys.ts); they are fed as [n, h·dq] and [Tk, h·dk] (see headMajor). All
 * dims are symbolic: one model serves every tile and every problem with the same signature.
 */
import { GraphBuilder, type Dim } from './builder';
import { WASM_TARGET, type GraphTarget } from './target';

/** The graph input that carries score scalar `name` (feedsFor fills it under this name). */
export const scoreScalarInput = (name: string): string => `s_${name}`;

export class GraphContext {
  readonly b = new GraphBuilder();
  readonly q: string;
  readonly k: string;
  private readonly memo = new Map<string, string>();

  constructor(
    /** what the runtime that will run this graph supports (target.ts) */
    readonly target: GraphTarget = WASM_TARGET,
  ) {
    this.q = this.headMajor(this.b.input('q', 'float32', ['n', 'hdq']));
    this.k = this.headMajor(this.b.input('k', 'float32', ['tk', 'hdk']));
  }

  /** The tile's head count as an int64 [1] (a feed: a [T, h·d] slice does not say how to split). */
  heads(): string {
    return this.once('heads', () => this.b.input('heads', 'int64', [1]));
  }

  /**
   * [T, h·d] (rows of the lab's T × (H·d) matrices, the tile's head columns) → [h, T, d].
   * Feeding the row-major slice lets a tile of all heads pass a zero-copy view of the
   * problem's matrix; the head-major transpose happens here, in wasm, in one pass.
   */
  headMajor(x: string): string {
    const b = this.b;
    const shape = b.op('Concat', [b.ints([0]), this.heads(), b.ints([-1])], { axis: 0 });
    return b.op('Transpose', [b.op('Reshape', [x, shape])], { perm: [1, 0, 2] });
  }

  /** Builds `make()` once per key and returns the same value name afterwards. */
  once(key: string, make: () => string): string {
    let v = this.memo.get(key);
    if (v === undefined) {
      v = make();
      this.memo.set(key, v);
    }
    return v;
  }

  /** Kᵀ: [h, dk, Tk]. A transpose of the small side, so MatMul(q, Kᵀ) needs no transB. */
  kT(): string {
    return this.once('kT', () => this.b.op('Transpose', [this.k], { perm: [0, 2, 1] }));
  }

  /** n (rows in this tile) as an int64 scalar. */
  rows(): string {
    return this.once('rows', () => this.b.op('Gather', [this.b.op('Shape', [this.q]), this.b.scalar(1, 'int64')], { axis: 0 }));
  }

  /** Tk as an int64 scalar. */
  keys(): string {
    return this.once('keys', () => this.b.op('Gather', [this.b.op('Shape', [this.k]), this.b.scalar(1, 'int64')], { axis: 0 }));
  }

  /** Tk as an int64 [1] (the form TopK's k wants). */
  keys1(): string {
    return this.once('keys1', () => this.b.op('Unsqueeze', [this.keys(), this.b.ints([0])]));
  }

  /** Absolute query-row indices [n, 1] int32: row0 + 0…n−1 (row0 is a feed: the tile's first row). */
  rowIndex(): string {
    return this.indexRange('rowIndex', 'row0', () => this.rows(), 1);
  }

  /** Absolute key indices [1, Tk] int32: col0 + 0…Tk−1 (col0 is a feed: the tile's first key, see keys.ts). */
  colIndex(): string {
    return this.indexRange('colIndex', 'col0', () => this.keys(), 0);
  }

  /** first + 0…count−1 as int32, unsqueezed at `axis` (first is the int64 feed `feed`), built once under `name`. */
  private indexRange(name: string, feed: string, count: () => string, axis: number): string {
    return this.once(name, () => {
      const b = this.b;
      const first = b.input(feed, 'int64', []);
      const i = b.op('Range', [first, b.op('Add', [first, count()]), b.scalar(1, 'int64')]);
      return b.op('Unsqueeze', [b.cast(i, 'int32'), b.ints([axis])]);
    });
  }

  /** i − j as [n, Tk] int32, shared by causal, window and dilated masks. */
  rowMinusCol(): string {
    return this.once('diff', () => this.b.op('Sub', [this.rowIndex(), this.colIndex()]));
  }

  /**
   * A float32 rank-0 input (scoreScalarInput): a score scalar (1/τ, a scale, β) fed per run rather
   * than baked in, so changing it reuses the session. scores/types.ts: `scalars`.
   */
  scoreScalar(name: string): string {
    return this.b.input(scoreScalarInput(name), 'float32', []);
  }

  /** A float32 per-head parameter input: [h, ...shape] with symbolic per-head dims. */
  param(name: string, rank: number): string {
    const dims: Dim[] = ['h', ...Array.from({ length: rank }, (_, i) => `${name}_${i}`)];
    return this.b.input(name, 'float32', dims);
  }
}
