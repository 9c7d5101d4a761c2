/**
 * The engine (the ONNX graph in onnxruntime-web's wasm build) on problems with positions and
 * quantization: against numpy's weights (tests/fixtures/transforms.json) and the float64
 * reference ≤ 1e-5, ALiBi's bias over tiles, offsets and masks, the WebGPU-target graph, and
 * one run at scale (T = 2048, 12 heads) with RoPE and int8.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { TileRunner, runProblemSingleThreaded } from '../../src-main/engine/tile-runner';
import { rowProblem } from '../../src-shared/experiments/common';
import { graphFor, graphKey, WEBGPU_TARGET } from '../../src-shared/graph';
import { resolveJob } from '../../src-shared/job/resolve';
import { parseJobSpec, type JobSpec } from '../../src-shared/job/spec';
import { gaussianMatrix } from '../../src-shared/random';
import { referenceAttention } from '../../src-shared/reference';
import { fixtureJob } from '../reference/transform-fixture';
import { expectMatchesReference } from './helpers';

const runner = new TileRunner(1, 16);
afterAll(() => runner.close());

const rows = (seed: number, T: number, d: number): number[][] => {
  const m = gaussianMatrix(seed, 'transforms', T, d, 1);
  return Array.from({ length: T }, (_, i) => Array.from(m.subarray(i * d, (i + 1) * d)));
};

describe('the engine with positions and quantization', () => {
  for (const name of ['rope_int4_causal', 'alibi_bfloat16', 'sinusoidal_cross_causal']) {
    it(`${name}: numpy's weights and the reference's, ≤ 1e-5`, async () => {
      const { spec, weights } = fixtureJob(name);
      const p = resolveJob({ ...spec, outputs: ['weights', 'output', 'entropy', 'scores'] });
      for (const tileRows of [undefined, 2]) {
        const got = await runProblemSingleThreaded(p, { runner, tileRows });
        let worst = 0;
        got.weights!.forEach((w, i) => (worst = Math.max(worst, Math.abs(w - weights[i]))));
        expect(worst).toBeLessThan(1e-5);
        expectMatchesReference(p, got);
      }
    });
  }

  it('ALiBi over shapes, heads, offsets (Tq ≠ Tk), masks and tiles matches the reference', async () => {
    const masks: JobSpec['mask'][] = [undefined, [{ id: 'causal' }], [{ id: 'window', size: 2 }], [{ id: 'topk', k: 2 }]];
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          Tq: fc.integer({ min: 1, max: 12 }),
          Tk: fc.integer({ min: 1, max: 12 }),
          heads: fc.integer({ min: 1, max: 3 }),
          seed: fc.integer({ min: 1, max: 1e6 }),
          mask: fc.constantFrom(...masks),
          slopes: fc.boolean(),
          tileRows: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
        }),
        async (c) => {
          const d = 4 * c.heads;
          const spec = parseJobSpec({
            queries: { inline: { vectors: rows(c.seed, c.Tq, d) } },
            keys: { inline: { vectors: rows(c.seed + 1, c.Tk, d) } },
            heads: c.heads,
            position: { id: 'alibi', ...(c.slopes ? { slopes: Array.from({ length: c.heads }, (_, h) => 0.3 * (h + 1)) } : {}) },
            ...(c.mask ? { mask: c.mask } : {}),
            outputs: ['weights', 'output', 'entropy', 'scores'],
          });
          const p = resolveJob(spec);
          expectMatchesReference(p, await runProblemSingleThreaded(p, { runner, tileRows: c.tileRows }));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('the WebGPU target builds the ALiBi graph (float32 distance, no double ops) under its own key', () => {
    const p = resolveJob(parseJobSpec({ embeddings: { inline: { vectors: rows(3, 5, 4) } }, heads: 2, position: { id: 'alibi' } }));
    const { key, model } = graphFor(p, WEBGPU_TARGET);
    expect(key).toContain('bias=alibi');
    expect(key).toBe(graphKey(p, WEBGPU_TARGET));
    expect(model.length).toBeGreaterThan(0);
    expect(graphKey({ ...p, bias: undefined })).not.toContain('bias');
  });

  it('at scale: T = 2048, 12 heads of 64, RoPE + int8 per channel + causal; sampled rows match the reference', async () => {
    const T = 2048;
    const H = 12;
    const d = 64 * H;
    // a loaded file (not inline JSON): what a 2048-token embedding file resolves from
    const data = Float32Array.from(gaussianMatrix(5, 'scale', T, d, 1));
    const files = new Map([['x.npy', { format: 'npy', dtype: '<f4', shape: [T, d], embeddings: { tokens: null, data, T, d } }]]);
    const spec: JobSpec = {
      embeddings: { path: 'x.npy' },
      heads: H,
      position: { id: 'rope' },
      quantize: { id: 'int', bits: 8, group: 'channel' },
      mask: [{ id: 'causal' }],
      outputs: ['entropy', 'argmax'],
    };
    const p = resolveJob(parseJobSpec(spec), files);
    const got = await runProblemSingleThreaded(p, { runner });
    for (const i of [0, 1, 777, 2047]) {
      const ref = referenceAttention(rowProblem(p, i));
      for (let h = 0; h < H; h++) {
        expect(Math.abs(got.entropy[h * T + i] - ref.entropy[h])).toBeLessThan(1e-4);
        expect(got.argmax[h * T + i]).toBe(ref.argmax[h]);
      }
    }
  }, 240_000);
});
