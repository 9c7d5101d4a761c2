/**
 * The tapped tensors of one attention block (batch 1), in either exporter's layout, turned
 * into TransformerLens's per-layer hooks without the batch axis:
 *
 *   hook_q, hook_k, hook_v   [pos, head, d_head]
 *   hook_pattern             [head, query_pos, key_pos]
 *
 * from [1, H, T, d_head] (Hugging Face-style) or [H, T, d_head] ([B·H, T, d_head] with B = 1,
 * `nn.MultiheadAttention`'s bmm); a k tapped as Kᵀ has its last two axes swapped. Pure: the
 * service hands in the runtime's arrays and dims.
 */

export interface TappedTensor {
  data: Float32Array;
  dims: readonly number[];
}

export interface LayerTaps {
  q: TappedTensor;
  k: TappedTensor;
  v: TappedTensor;
  pattern: TappedTensor;
  /** k was tapped as Kᵀ: [.., d_head, T] */
  kTransposed: boolean;
}

export interface LayerHooks {
  heads: number;
  dHead: number;
  /** hook_v's d_head (it may differ from q and k's) */
  dValue: number;
  /** query positions (= key positions: one sequence attending to itself) */
  T: number;
  hook_q: Float32Array;
  hook_k: Float32Array;
  hook_v: Float32Array;
  hook_pattern: Float32Array;
  /** 'B,H,T,d' (Hugging Face-style) or 'B*H,T,d' (bmm) */
  layout: CaptureLayout;
}

export type CaptureLayout = 'B,H,T,d' | 'B*H,T,d';

/** A tensor that is not what a block of attention over one sequence gives; the message says which and why. */
export class CaptureShapeError extends Error {}

/** [1, H, A, B] or [H, A, B] → [H, A, B] and the layout. */
function headsFirst(name: string, t: TappedTensor): { dims: [number, number, number]; layout: CaptureLayout } {
  const d = t.dims;
  if (d.length === 4 && d[0] === 1) return { dims: [d[1], d[2], d[3]], layout: 'B,H,T,d' };
  if (d.length === 3) return { dims: [d[0], d[1], d[2]], layout: 'B*H,T,d' };
  throw new CaptureShapeError(`${name} has shape [${d.join(', ')}]; expected [1, heads, positions, d_head] or [heads, positions, d_head]`);
}

/** [H, T, d] → [T, H, d] (or, transposed, [H, d, T] → [T, H, d]). */
function toPosHead(src: Float32Array, H: number, T: number, d: number, transposed: boolean): Float32Array {
  const out = new Float32Array(T * H * d);
  for (let h = 0; h < H; h++) {
    for (let t = 0; t < T; t++) {
      const o = (t * H + h) * d;
      if (transposed) {
        for (let j = 0; j < d; j++) out[o + j] = src[(h * d + j) * T + t];
      } else {
        out.set(src.subarray((h * T + t) * d, (h * T + t + 1) * d), o);
      }
    }
  }
  return out;
}

/** One layer's hooks from its taps; `T` is the sequence length fed. */
export function layerHooks(layer: number, taps: LayerTaps, T: number): LayerHooks {
  const name = (hook: string) => `layer ${layer}: ${hook}`;
  const p = headsFirst(name('the pattern'), taps.pattern);
  const q = headsFirst(name('q'), taps.q);
  const k = headsFirst(name('k'), taps.k);
  const v = headsFirst(name('v'), taps.v);
  const [H, Tq, Tk] = p.dims;
  if (Tq !== T || Tk !== T) throw new CaptureShapeError(`${name('the pattern')} is ${Tq}×${Tk} per head; expected ${T}×${T} for ${T} positions`);
  const dHead = q.dims[2];
  const [kH, kA, kB] = k.dims;
  const [kT, kd] = taps.kTransposed ? [kB, kA] : [kA, kB];
  const check = (what: string, got: readonly number[], want: readonly number[]) => {
    if (got.some((x, i) => x !== want[i])) {
      throw new CaptureShapeError(`${name(what)} has shape [${got.join(', ')}] per batch; expected [${want.join(', ')}] beside a pattern of ${H} heads × ${T}×${T}`);
    }
  };
  check('q', q.dims, [H, T, dHead]);
  check('k', [kH, kT, kd], [H, T, dHead]);
  check('v', [v.dims[0], v.dims[1]], [H, T]);
  const dValue = v.dims[2];
  return {
    heads: H,
    dHead,
    dValue,
    T,
    hook_q: toPosHead(taps.q.data, H, T, dHead, false),
    hook_k: toPosHead(taps.k.data, H, T, dHead, taps.kTransposed),
    hook_v: toPosHead(taps.v.data, H, T, dValue, false),
    // already [head, query, key] in C order (the batch axis of 1 adds no stride): kept, not copied
    hook_pattern: taps.pattern.data,
    layout: p.layout,
  };
}

/** TransformerLens's name of one hook of layer `l`. */
export function hookName(layer: number, hook: 'hook_q' | 'hook_k' | 'hook_v' | 'hook_pattern'): string {
  return `blocks.${layer}.attn.${hook}`;
}
