/**
 * `qklab capture`'s service (src-main/service/captures): exported torch models run with
 * onnxruntime-web (wasm) give torch's own q, k, v and pattern per layer, in both attention
 * shapes; the file's names, dtypes and metadata; long sequences; and the models and requests
 * it refuses, by name.
 */
import { describe, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import { captureModel, CaptureModelError, CaptureRequestError, planCapture, type Capture } from '../../src-main/service/captures/capture-model';
import { encodeCapture } from '../../src-main/service/captures/capture-output';
import { EXPECTED_IDS, fixtureBytes, floatTensor, model, node, gpt2ScaleModel, oneHeadModel, readSafetensors, sdpaModel, table, VOCAB } from './helpers';

const { onnx } = onnxProto;
const HOOKS = ['hook_q', 'hook_k', 'hook_v', 'hook_pattern'] as const;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Rows of every head's pattern sum to 1, and nothing is above the diagonal (the fixtures are causal). */
function checkPatternRows(capture: Capture): void {
  for (const l of capture.layers) {
    const { T, heads, hook_pattern: p } = l;
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < T; i++) {
        const row = p.subarray((h * T + i) * T, (h * T + i + 1) * T);
        let sum = 0;
        for (let j = 0; j < T; j++) sum += row[j];
        expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
        expect(row.subarray(i + 1).every((w) => w === 0)).toBe(true);
      }
    }
  }
}

describe.each([
  ['hf.onnx', 'B,H,T,d', 1],
  ['mha.onnx', 'B*H,T,d', 1 / Math.sqrt(8)],
])('capture of %s', (file, layout, qScale) => {
  it("equals torch's own q, k, v and pattern per layer to 1e-5", async () => {
    const capture = await captureModel(fixtureBytes(file), file, { ids: EXPECTED_IDS });
    const expected = readSafetensors(fixtureBytes(file.replace('.onnx', '.expected.safetensors')));
    expect(JSON.parse(expected.metadata.input_ids)).toEqual(EXPECTED_IDS);
    expect(capture.layers.map((l) => l.tap.layer)).toEqual([0, 1]);
    for (const l of capture.layers) {
      expect(l).toMatchObject({ heads: 4, dHead: 8, dValue: 8, T: EXPECTED_IDS.length, layout });
      expect(l.qScale).toBeCloseTo(qScale, 7);
      for (const hook of HOOKS) {
        const want = expected.tensors.get(`blocks.${l.tap.layer}.attn.${hook}`)!;
        expect(maxAbsDiff(l[hook], want.data), `${hook} of layer ${l.tap.layer}`).toBeLessThanOrEqual(1e-5);
      }
    }
  });

  it('writes one safetensors file: per layer hook_q/k/v [pos, head, d_head] and hook_pattern [head, q, k], F32, with the metadata', async () => {
    const capture = await captureModel(fixtureBytes(file), file, { ids: EXPECTED_IDS });
    const { tensors, metadata } = readSafetensors(encodeCapture(capture));
    const T = EXPECTED_IDS.length;
    expect([...tensors.keys()]).toEqual([0, 1].flatMap((l) => HOOKS.map((h) => `blocks.${l}.attn.${h}`)));
    for (const [name, t] of tensors) {
      expect(t.dtype).toBe('F32');
      expect(t.shape).toEqual(name.endsWith('hook_pattern') ? [4, T, T] : [T, 4, 8]);
    }
    expect(Object.keys(metadata).sort()).toEqual(['d_head', 'format', 'format_version', 'heads', 'input_ids', 'layers', 'model', 'positions', 'taps', 'tokens']);
    expect(metadata).toMatchObject({ format: 'qklab.capture', format_version: '1', model: file, layers: '2', heads: '4', d_head: '8', positions: String(T) });
    expect(JSON.parse(metadata.input_ids)).toEqual(EXPECTED_IDS);
    expect(JSON.parse(metadata.tokens)).toEqual(EXPECTED_IDS.map(String));
    const taps = JSON.parse(metadata.taps) as { layer: number; softmax: string; q: string; q_scale: number; layout: string }[];
    expect(taps.map((t) => t.layer)).toEqual([0, 1]);
    expect(taps[0].softmax).toMatch(/blocks\.0\/.*Softmax$/);
    expect(taps[0].q_scale).toBeCloseTo(qScale, 7);
    expect(taps[0].layout).toBe(layout);
  });
});

describe('capture at length', () => {
  it('runs the fixture model on 1,024 positions: every pattern row sums to 1 and is causal', async () => {
    const ids = Array.from({ length: 1024 }, (_, i) => (i * 7 + 3) % VOCAB);
    const capture = await captureModel(fixtureBytes('hf.onnx'), 'hf.onnx', { ids });
    expect(capture.layers.map((l) => l.hook_pattern.length)).toEqual([4 * 1024 * 1024, 4 * 1024 * 1024]);
    checkPatternRows(capture);
  });

  it('runs the bmm-shaped model on 512 positions, one layer asked for', async () => {
    const ids = Array.from({ length: 512 }, (_, i) => (i * 11) % VOCAB);
    const capture = await captureModel(fixtureBytes('mha.onnx'), 'mha.onnx', { ids, layers: [1] });
    expect(capture.layerCount).toBe(2);
    expect(capture.layers.map((l) => l.tap.layer)).toEqual([1]);
    checkPatternRows(capture);
    const { tensors } = readSafetensors(encodeCapture(capture));
    expect([...tensors.keys()]).toEqual(HOOKS.map((h) => `blocks.1.attn.${h}`));
  });
});

describe('walking back through scales', () => {
  it('hook_k is k before its scale and transpose: a one-head model whose q, k and v are the embeddings', async () => {
    const d = 4;
    const emb = Float32Array.from(table(10 * d));
    const ids = [2, 7, 7, 0];
    const capture = await captureModel(oneHeadModel(10, d), 'one.onnx', { ids });
    const [l] = capture.layers;
    const x = Float32Array.from(ids.flatMap((id) => Array.from(emb.subarray(id * d, (id + 1) * d))));
    expect(l).toMatchObject({ heads: 1, dHead: d, layout: 'B*H,T,d' });
    expect(l).toMatchObject({ kScale: 0.5, qScale: 1, scoreScale: 0.5 });
    expect(l.tap.kTransposed).toBe(false);
    expect(maxAbsDiff(l.hook_q, x)).toBe(0);
    expect(maxAbsDiff(l.hook_k, x)).toBe(0);
    // pattern = softmax(x · (x/2)ᵀ / √d)
    const T = ids.length;
    for (let i = 0; i < T; i++) {
      const s = Array.from({ length: T }, (_, j) => {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += x[i * d + c] * x[j * d + c];
        return (dot * 0.5) / Math.sqrt(d);
      });
      const m = Math.max(...s);
      const e = s.map((v) => Math.exp(v - m));
      const z = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j < T; j++) expect(Math.abs(l.hook_pattern[i * T + j] - e[j] / z)).toBeLessThan(1e-6);
    }
  });
});

describe("torch's scaled_dot_product_attention export", () => {
  it('taps q and k before the √scale factors computed from Shape, and records them (d^-1/4 each)', async () => {
    const d = 4;
    const emb = Float32Array.from(table(10 * d));
    const ids = [1, 2, 3];
    const capture = await captureModel(sdpaModel(10, d), 'sdpa.onnx', { ids });
    const [l] = capture.layers;
    const x = Float32Array.from(ids.flatMap((id) => Array.from(emb.subarray(id * d, (id + 1) * d))));
    expect(maxAbsDiff(l.hook_q, x)).toBe(0);
    expect(maxAbsDiff(l.hook_k, x)).toBe(0);
    expect(l.qScale).toBeCloseTo(d ** -0.25, 6);
    expect(l.kScale).toBeCloseTo(d ** -0.25, 6);
    const taps = JSON.parse(readSafetensors(encodeCapture(capture)).metadata.taps);
    expect(taps[0].q_scale).toBeCloseTo(d ** -0.25, 6);
  });
});

describe("GPT-2's score scale", () => {
  it('reads the computed divisor at run time: score_scale = 1/√d_head', async () => {
    const capture = await captureModel(gpt2ScaleModel(10, 4), 'gpt2.onnx', { ids: [1, 2, 3] });
    expect(capture.layers[0].scoreScale).toBeCloseTo(0.5, 6);
    expect(capture.layers[0].qScale).toBe(1);
  });
});

describe('what a capture refuses, by name', () => {
  it('an id past the vocabulary names the id and the vocabulary size', async () => {
    const err = await captureModel(fixtureBytes('hf.onnx'), 'hf.onnx', { ids: [3, 50] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CaptureRequestError);
    expect((err as CaptureRequestError).option).toBe('ids');
    expect((err as Error).message).toBe('id 50 (position 1) is past the vocabulary of hf.onnx: 50 tokens, ids 0–49');
    await expect(captureModel(fixtureBytes('hf.onnx'), 'hf.onnx', { ids: [51], idsFrom: 'text' })).rejects.toThrow(
      /^the tokenizer gave id 51 \(token 0\) is past the vocabulary of hf\.onnx: 50 tokens/,
    );
  });

  it('a layer past the last names the layer count', async () => {
    await expect(captureModel(fixtureBytes('mha.onnx'), 'mha.onnx', { ids: [1, 2], layers: [0, 2] })).rejects.toThrow(
      /^layer 2 is past the last: mha\.onnx has 2 attention layers \(0–1\)$/,
    );
  });

  it('a model exported for a fixed length names it when the sequence differs', async () => {
    const m = onnx.ModelProto.decode(oneHeadModel());
    m.graph!.input![0].type!.tensorType!.shape!.dim![1] = { dimValue: 3 };
    const bytes = onnx.ModelProto.encode(m).finish();
    await expect(captureModel(bytes, 'fixed.onnx', { ids: [1, 2] })).rejects.toThrow(
      /^fixed\.onnx takes exactly 3 tokens \(input_ids \[1, 3\], fixed when it was exported\), not 2$/,
    );
    expect((await captureModel(bytes, 'fixed.onnx', { ids: [1, 2, 3] })).layers[0].T).toBe(3);
  });

  it('a required input other than input_ids and attention_mask is named', () => {
    const bytes = model([node('Gather', ['emb', 'input_ids'], ['x']), node('Add', ['x', 'position_ids'], ['y'])], [floatTensor('emb', [10, 4], table(40))], 'y', ['position_ids']);
    expect(() => planCapture(bytes, 'needs-positions.onnx')).toThrow(CaptureModelError);
    expect(() => planCapture(bytes, 'needs-positions.onnx')).toThrow(/^needs-positions\.onnx: the model requires the input position_ids, which qklab capture does not feed/);
  });

  it('a model with no input_ids is named', () => {
    const m = onnx.ModelProto.decode(model([node('Gather', ['emb', 'input_ids'], ['x'])], [floatTensor('emb', [10, 4], table(40))], 'x'));
    m.graph!.input![0].name = 'tokens';
    m.graph!.node![0].input![1] = 'tokens';
    expect(() => planCapture(onnx.ModelProto.encode(m).finish(), 'other.onnx')).toThrow(/^other\.onnx: the model has no input named input_ids/);
  });

  it('a fused-attention model names the op; a model with no Softmax names the file', async () => {
    const fused = model([node('MultiHeadAttention', ['input_ids', 'input_ids', 'input_ids'], ['out'], {}, 'com.microsoft')], [], 'out', [], ['com.microsoft']);
    await expect(captureModel(fused, 'fused.onnx', { ids: [1] })).rejects.toThrow(/^fused\.onnx: attention is fused into MultiHeadAttention \(com\.microsoft\) ops/);
    const plain = model([node('Gather', ['emb', 'input_ids'], ['x'])], [floatTensor('emb', [10, 4], table(40))], 'x');
    await expect(captureModel(plain, 'plain.onnx', { ids: [1] })).rejects.toThrow(/^plain\.onnx: the model has no Softmax node/);
  });

  it('a sequence longer than the positional table fails with the run error, worded once', async () => {
    const ids = new Array<number>(1025).fill(3);
    await expect(captureModel(fixtureBytes('hf.onnx'), 'hf.onnx', { ids })).rejects.toThrow(
      /^hf\.onnx: the model failed to run on 1025 tokens: .*indices element out of data bounds/,
    );
  });

  it('a model with its weights in external data files is named', () => {
    const m = onnx.ModelProto.decode(fixtureBytes('mha.onnx'));
    const t = m.graph!.initializer![0];
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.externalData = [{ key: 'location', value: 'weights.bin' }];
    t.rawData = new Uint8Array(0);
    expect(() => planCapture(onnx.ModelProto.encode(m).finish(), 'big.onnx')).toThrow(/^big\.onnx: the model keeps its weights in external data files/);
  });

  it('bytes that are not an ONNX model are named as such', () => {
    expect(() => planCapture(new TextEncoder().encode('{"not": "onnx"}'), 'x.onnx')).toThrow(/^x\.onnx: not an ONNX model/);
  });
});
