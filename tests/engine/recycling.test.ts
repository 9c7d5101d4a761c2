/**
 * Result memory reused across runs (src-shared/graph/recycled-buffers.ts, Backend.release):
 * the supply itself, allocateResult drawing on it, and the pool giving a released result's
 * memory to the next run of the same size — whose numbers must still be the reference's,
 * including the zeros of the blocked half that no tile writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecycledBuffers } from '../../src-shared/graph/recycled-buffers';
import { allocateResult, resultBuffers } from '../../src-shared/graph/result';
import { CpuPool } from '../../src-main/engine/pool';
import { resolveJob } from '../../src-shared/job/resolve';
import { referenceAttention } from '../../src-shared/reference';
import { gaussianMatrix } from '../../src-shared/random';
import type { AttentionProblem } from '../../src-shared/job/problem';

const MiB = 2 ** 20;

describe('RecycledBuffers', () => {
  it('hands back a given buffer only for its exact size and kind, zeroed', () => {
    const supply = new RecycledBuffers({ minBytes: 16 });
    const buffer = new SharedArrayBuffer(64);
    new Uint8Array(buffer).fill(7);
    supply.give(buffer);
    expect(supply.heldBytes).toBe(64);
    expect(supply.take(32, true)).toBeNull();
    expect(supply.take(64, false)).toBeNull();
    const got = supply.take(64, true);
    expect(got).toBe(buffer);
    expect(Array.from(new Uint8Array(got!))).toEqual(new Array(64).fill(0));
    expect(supply.heldBytes).toBe(0);
    expect(supply.take(64, true)).toBeNull();
  });

  it('zeroes every byte, a length that is no multiple of 8 included, shared or not', () => {
    for (const bytes of [MiB + 5, MiB]) {
      for (const buffer of [new SharedArrayBuffer(bytes), new ArrayBuffer(bytes)]) {
        const supply = new RecycledBuffers();
        new Uint8Array(buffer).fill(0xff);
        supply.give(buffer);
        const got = new Uint8Array(supply.take(bytes, buffer instanceof SharedArrayBuffer)!);
        expect(got.length).toBe(bytes);
        expect(got.findIndex((b) => b !== 0)).toBe(-1);
      }
    }
  });

  it('keeps at most maxBytes (oldest dropped first), ignores small buffers and a buffer given twice', () => {
    const supply = new RecycledBuffers({ minBytes: 16, maxBytes: 100 });
    const [a, b, c] = [new ArrayBuffer(40), new ArrayBuffer(40), new ArrayBuffer(40)];
    supply.give(new ArrayBuffer(8));
    supply.give(a);
    supply.give(a);
    supply.give(b);
    expect(supply.heldBytes).toBe(80);
    supply.give(c);
    expect(supply.heldBytes).toBe(80);
    // a went first
    expect(supply.take(40, false)).toBe(b);
    expect(supply.take(40, false)).toBe(c);
    expect(supply.take(40, false)).toBeNull();
    supply.give(new ArrayBuffer(101));
    expect(supply.heldBytes).toBe(0);
  });
});

function causalProblem(seed: number, T = 300, H = 2, d = 8, causal = true): AttentionProblem {
  const data = Float32Array.from(gaussianMatrix(seed, 'recycling', T, H * d, 1));
  const files = new Map([['x', { format: 'test', dtype: 'float32', shape: [T, H * d], embeddings: { tokens: null, data, T, d: H * d } }]]);
  return resolveJob({ embeddings: { path: 'x' }, heads: H, mask: causal ? [{ id: 'causal' }] : [], outputs: ['weights', 'scores', 'output', 'entropy'] }, files);
}

describe('allocateResult with a supply', () => {
  it('takes the big arrays from it, zeroed, and resultBuffers gives back exactly what it owns', () => {
    const p = causalProblem(1, 1024);
    const supply = new RecycledBuffers();
    const first = allocateResult(p, { buffers: supply });
    first.weights!.fill(0.5);
    const owned = resultBuffers(first);
    // weights, scores (4 MiB each), output, and the six per-row arrays
    expect(owned).toContain(first.weights!.buffer);
    expect(owned).toHaveLength(9);
    for (const b of owned) supply.give(b);
    expect(supply.heldBytes).toBe(2 * 2 * 1024 * 1024 * 4);
    const second = allocateResult(p, { buffers: supply });
    expect([second.weights!.buffer, second.scores!.buffer]).toEqual(expect.arrayContaining([first.weights!.buffer]));
    expect(second.weights!.every((x) => x === 0)).toBe(true);
    expect(supply.heldBytes).toBe(0);
  });

  it('a view into a larger buffer is not the result’s to give', () => {
    const p = causalProblem(1, 16);
    const r = allocateResult(p);
    r.entropy = new Float32Array(new ArrayBuffer(4 * r.entropy.length + 8), 8, r.entropy.length);
    expect(resultBuffers(r)).not.toContain(r.entropy.buffer);
  });
});

describe('the pool reuses released results', () => {
  let pool: CpuPool;
  beforeAll(() => {
    pool = new CpuPool({ workers: 1, threadsPerWorker: 1, warmUp: false, budgetBytes: 2 * MiB });
  });
  afterAll(async () => {
    await pool.close();
  });

  const worst = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let w = 0;
    for (let i = 0; i < a.length; i++) w = Math.max(w, a[i] === b[i] ? 0 : Math.abs(a[i] - b[i]));
    return w;
  };

  it('a run on released memory gives the reference result, blocked cells included', async () => {
    // unmasked first: every cell of its memory holds a nonzero weight
    const first = await pool.run(causalProblem(2, 1024, 2, 8, false));
    expect(first.weights![1]).toBeGreaterThan(0);
    const firstWeights = first.weights!;
    pool.release(first);
    pool.release(first); // twice is harmless
    expect(pool.recycledBytes).toBeGreaterThanOrEqual(2 * 2 * 1024 * 1024 * 4);
    const other = causalProblem(3, 1024, 2, 8);
    const second = await pool.run(other);
    // the same memory, now holding the second run's numbers
    expect(second.weights!.buffer).toBe(firstWeights.buffer);
    const ref = referenceAttention(other);
    expect(worst(second.weights!, ref.weights)).toBeLessThan(1e-5);
    expect(worst(second.scores!, ref.scores)).toBeLessThan(1e-4);
    expect(worst(second.output!, ref.output)).toBeLessThan(1e-5);
    // above the diagonal no tile writes: zero weights and −∞ scores, as in a fresh result
    expect(second.weights![1]).toBe(0);
    expect(second.scores![1]).toBe(-Infinity);
    pool.release(second);
  });

  it('a cancelled job’s memory goes to the next job; a result not released is never reused', async () => {
    const p = causalProblem(4, 1024, 2, 8);
    const kept = await pool.run(p);
    const held = pool.recycledBytes;
    const ctl = new AbortController();
    const cancelled = pool.run(p, { signal: ctl.signal, onProgress: () => ctl.abort() });
    await expect(cancelled).rejects.toMatchObject({ name: 'AbortError' });
    await pool.run(causalProblem(5, 8)); // the cancelled job's last tile has landed
    expect(pool.recycledBytes).toBeGreaterThan(held);
    const next = await pool.run(p);
    expect(next.weights!.buffer).not.toBe(kept.weights!.buffer);
    expect(worst(kept.weights!, next.weights!)).toBe(0);
  });
});
