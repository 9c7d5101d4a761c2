/** The tapped tensors as TransformerLens hooks (src-shared/capture/layout.ts), on arrays small enough to check by hand. */
import { describe, expect, it } from 'vitest';
import { CaptureShapeError, hookName, layerHooks } from '../../src-shared/capture/layout';

/** values equal to their own index, so a moved value says where it came from */
const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

describe('layerHooks', () => {
  const H = 2;
  const T = 3;
  const d = 2;
  const pattern = { data: iota(H * T * T), dims: [1, H, T, T] };

  it('[1, H, T, d] → hook_q [pos, head, d_head]: entry (t, h, j) is q[0, h, t, j]', () => {
    const q = { data: iota(H * T * d), dims: [1, H, T, d] };
    const hooks = layerHooks(0, { q, k: q, v: q, pattern, kTransposed: false }, T);
    expect(hooks).toMatchObject({ heads: H, dHead: d, dValue: d, T, layout: 'B,H,T,d' });
    // t = 0: head 0 (0, 1), head 1 (6, 7); t = 1: (2, 3), (8, 9); t = 2: (4, 5), (10, 11)
    expect(Array.from(hooks.hook_q)).toEqual([0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11]);
    expect(Array.from(hooks.hook_pattern)).toEqual(Array.from(pattern.data));
  });

  it('[H, T, d] (the bmm layout, B = 1) gives the same hooks, and a k tapped as Kᵀ [H, d, T] is transposed back', () => {
    const q = { data: iota(H * T * d), dims: [H, T, d] };
    // kᵀ[h, j, t] = q[h, t, j]
    const kt = new Float32Array(H * d * T);
    for (let h = 0; h < H; h++) for (let t = 0; t < T; t++) for (let j = 0; j < d; j++) kt[(h * d + j) * T + t] = q.data[(h * T + t) * d + j];
    const hooks = layerHooks(1, { q, k: { data: kt, dims: [H, d, T] }, v: q, pattern: { data: pattern.data, dims: [H, T, T] }, kTransposed: true }, T);
    expect(hooks.layout).toBe('B*H,T,d');
    expect(Array.from(hooks.hook_k)).toEqual(Array.from(hooks.hook_q));
  });

  it('keeps v its own width', () => {
    const q = { data: iota(H * T * d), dims: [1, H, T, d] };
    const v = { data: iota(H * T * 5), dims: [1, H, T, 5] };
    expect(layerHooks(0, { q, k: q, v, pattern, kTransposed: false }, T).dValue).toBe(5);
  });

  it('refuses a pattern that is not T × T, and a q whose heads disagree with it, saying which layer', () => {
    const q = { data: iota(H * T * d), dims: [1, H, T, d] };
    expect(() => layerHooks(3, { q, k: q, v: q, pattern, kTransposed: false }, 4)).toThrow(/^layer 3: the pattern is 3×3 per head; expected 4×4 for 4 positions/);
    const q3 = { data: iota(3 * T * d), dims: [1, 3, T, d] };
    expect(() => layerHooks(0, { q: q3, k: q, v: q, pattern, kTransposed: false }, T)).toThrow(CaptureShapeError);
    expect(() => layerHooks(0, { q, k: q, v: q, pattern: { data: pattern.data, dims: [2, 1, H, T, T] }, kTransposed: false }, T)).toThrow(
      /expected \[1, heads, positions, d_head\] or \[heads, positions, d_head\]/,
    );
  });

  it('names hooks as TransformerLens does', () => {
    expect(hookName(11, 'hook_pattern')).toBe('blocks.11.attn.hook_pattern');
  });
});
