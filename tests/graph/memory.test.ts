/**
 * A T = 2048 stats-only run stays inside its per-run memory budget. The wasm heap never
 * shrinks, so its size after the run is its peak: it is read from the WebAssembly.Memory
 * that onnxruntime-web creates, captured before the runtime loads (this file's own module
 * graph, so the runtime starts fresh here).
 */
import { describe, expect, it } from 'vitest';

const memories: WebAssembly.Memory[] = [];
const NativeMemory = WebAssembly.Memory;
function CapturingMemory(descriptor: WebAssembly.MemoryDescriptor): WebAssembly.Memory {
  const m = new NativeMemory(descriptor);
  memories.push(m);
  return m;
}
CapturingMemory.prototype = NativeMemory.prototype;
(WebAssembly as { Memory: unknown }).Memory = CapturingMemory;
const nativeInstantiate = WebAssembly.instantiate;
(WebAssembly as { instantiate: unknown }).instantiate = async (...args: unknown[]) => {
  const r = (await (nativeInstantiate as (...a: unknown[]) => Promise<unknown>)(...args)) as { instance?: WebAssembly.Instance } & WebAssembly.Instance;
  for (const v of Object.values((r.instance ?? r).exports)) if (v instanceof NativeMemory) memories.push(v);
  return r;
};

const heapBytes = () => Math.max(0, ...memories.map((m) => m.buffer.byteLength));

describe('memory', () => {
  it('T = 2048 stats-only: the wasm heap grows by at most the run budget', async () => {
    const { TileRunner, runProblemSingleThreaded, planGraphTiles } = await import('../../src-main/engine/tile-runner');
    const { makeProblem } = await import('./helpers');
    const { referenceAttention } = await import('../../src-shared/reference');
    const runner = new TileRunner(1);
    const p = makeProblem({ shape: { heads: 2, Tq: 2048, Tk: 2048, dq: 8, dk: 8, dv: 8 }, metric: 'dot', masks: ['causal'], outputs: ['entropy', 'argmax'], seed: 3 });
    // a warm-up on a tiny tile: the heap's starting size (runtime, weights, small buffers)
    await runProblemSingleThreaded(p, { runner, tileRows: 4, budgetBytes: 2 ** 16 });
    const before = heapBytes();
    expect(before).toBeGreaterThan(0);
    const budget = 16 * 2 ** 20;
    expect(planGraphTiles(p, { budgetBytes: budget }).length).toBeGreaterThan(4);
    const r = await runProblemSingleThreaded(p, { runner, budgetBytes: budget });
    const grown = heapBytes() - before;
    expect(grown).toBeLessThan(budget);
    // the measure can see a run that ignores the budget: one tile of both heads, all rows
    await runProblemSingleThreaded(p, { runner, tileRows: 2048, budgetBytes: 2 ** 40 });
    expect(heapBytes() - before).toBeGreaterThan(2 * budget);
    await runner.close();
    // and the answer is right: the first 64 query rows against the reference (same keys, same mask)
    const ref = referenceAttention({ ...p, q: { rows: 64, cols: p.q.cols, data: p.q.data.subarray(0, 64 * p.q.cols) } });
    for (let h = 0; h < 2; h++) {
      for (let i = 0; i < 64; i++) {
        expect(Math.abs(r.entropy[h * 2048 + i] - ref.entropy[h * 64 + i])).toBeLessThan(1e-4);
        expect(r.argmax[h * 2048 + i]).toBe(ref.argmax[h * 64 + i]);
      }
    }
  });
});
