/**
 * Finding attention blocks in exported graphs (src-shared/capture/find-attention.ts): both
 * shapes torch exports, the scales walked back through, and the models it refuses.
 */
import { describe, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import { CaptureModelError, computedFactors, findAttention, requiredInputs, vocabularySize } from '../../src-shared/capture/find-attention';
import { scaleValue } from '../../src-shared/capture/scales';
import { decodeFixture, floatTensor, gpt2ScaleModel, int64Tensor, model, node, oneHeadModel, sdpaModel, table } from './helpers';

const { onnx } = onnxProto;
const graphOf = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes).graph!;

describe('findAttention', () => {
  it('finds the two Hugging Face-style blocks [B, H, T, d_head] in graph order, with the 1/√d_head scale after q·kᵀ', () => {
    const taps = findAttention(decodeFixture('hf.onnx').graph!, 'hf.onnx');
    expect(taps.map((t) => t.layer)).toEqual([0, 1]);
    expect(taps.map((t) => t.softmaxNode)).toEqual(['/blocks.0/attn/Softmax', '/blocks.1/attn/Softmax']);
    for (const t of taps) {
      expect(t.qScale).toEqual({ constant: 1, computed: [] });
      expect(t.kScale).toEqual({ constant: 1, computed: [] });
      expect(t.scoreScale.constant).toBeCloseTo(1 / Math.sqrt(8), 7);
      // the exporter permutes k straight to [B, H, d_head, T]: tapped as Kᵀ
      expect(t.kTransposed).toBe(true);
      expect(t.pattern).toBe(`${t.softmaxNode}_output_0`);
    }
  });

  it("finds nn.MultiheadAttention's bmm blocks [B·H, T, d_head] and walks back through q's division by √d_head", () => {
    const taps = findAttention(decodeFixture('mha.onnx').graph!, 'mha.onnx');
    expect(taps).toHaveLength(2);
    for (const t of taps) {
      expect(t.qScale.constant).toBeCloseTo(1 / Math.sqrt(8), 7);
      expect(t.kScale).toEqual({ constant: 1, computed: [] });
      // baddbmm's Mul by alpha = 1 between q·kᵀ and the mask's Add
      expect(t.scoreScale).toEqual({ constant: 1, computed: [] });
      // q is tapped before the Div, not the Div's output
      expect(t.q).not.toMatch(/Div/);
    }
  });

  it('walks k back through a last-two-axes Transpose and a scalar Mul (then k is tapped untransposed)', () => {
    const [tap] = findAttention(graphOf(oneHeadModel()), 'one.onnx');
    expect(tap).toMatchObject({
      q: 'x',
      k: 'x',
      v: 'x',
      pattern: 'pattern',
      kTransposed: false,
      qScale: { constant: 1, computed: [] },
      kScale: { constant: 0.5, computed: [] },
      scoreScale: { constant: 0.5, computed: [] },
    });
  });

  it("walks q and kᵀ back through torch SDPA's √scale computed from Shape, leaving the factor to the run", () => {
    const [tap] = findAttention(graphOf(sdpaModel()), 'sdpa.onnx');
    expect(tap).toMatchObject({ q: 'x', k: 'x', kTransposed: false });
    expect(tap.qScale).toEqual({ constant: 1, computed: [{ value: 'sqrt_scale', divide: false }] });
    expect(tap.kScale).toEqual(tap.qScale);
    expect(computedFactors(tap)).toEqual(['sqrt_scale', 'sqrt_scale']);
    expect(scaleValue(tap.qScale, new Map([['sqrt_scale', 0.5]]))).toBe(0.5);
  });

  it("divides the scores by GPT-2's torch.full([], d ** 0.5), a factor computed from Shape", () => {
    const [tap] = findAttention(graphOf(gpt2ScaleModel()), 'gpt2.onnx');
    expect(tap.scoreScale).toEqual({ constant: 1, computed: [{ value: 'full', divide: true }] });
  });

  it('follows scores divided by a tensor it cannot read as a scalar, with the scale unknown (NaN)', () => {
    const bytes = model(
      [
        node('Gather', ['emb', 'input_ids'], ['x']),
        node('Transpose', ['x'], ['kt'], { perm: [0, 2, 1] }),
        node('MatMul', ['x', 'kt'], ['scores']),
        node('ReduceMax', ['x'], ['peak']),
        node('Div', ['scores', 'peak'], ['scaled']),
        node('Softmax', ['scaled'], ['pattern']),
        node('MatMul', ['pattern', 'x'], ['out']),
      ],
      [floatTensor('emb', [10, 4], table(40))],
      'out',
    );
    const [tap] = findAttention(graphOf(bytes), 'odd.onnx');
    expect(tap.scoreScale.constant).toBeNaN();
    expect(tap.q).toBe('x');
  });

  it('refuses a model with a fused Attention (com.microsoft) op, naming the op and the model', () => {
    const bytes = model(
      [node('Gather', ['emb', 'input_ids'], ['x']), node('Attention', ['x', 'w', 'b'], ['out'], {}, 'com.microsoft')],
      [floatTensor('emb', [10, 4], table(40)), floatTensor('w', [4, 12], table(48)), floatTensor('b', [12], table(12))],
      'out',
      [],
      ['com.microsoft'],
    );
    expect(() => findAttention(graphOf(bytes), 'fused.onnx')).toThrow(CaptureModelError);
    expect(() => findAttention(graphOf(bytes), 'fused.onnx')).toThrow(/^fused\.onnx: attention is fused into Attention \(com\.microsoft\) ops/);
  });

  it('refuses a MultiHeadAttention contrib op the same way', () => {
    const bytes = model([node('MultiHeadAttention', ['q', 'k', 'v'], ['out'], {}, 'com.microsoft')], [], 'out', [], ['com.microsoft']);
    expect(() => findAttention(graphOf(bytes), 'mha-fused.onnx')).toThrow(/mha-fused\.onnx: attention is fused into MultiHeadAttention \(com\.microsoft\)/);
  });

  it('refuses a model with no Softmax, naming the model file', () => {
    const bytes = model([node('Gather', ['emb', 'input_ids'], ['x'])], [floatTensor('emb', [10, 4], table(40))], 'x');
    expect(() => findAttention(graphOf(bytes), 'embed-only.onnx')).toThrow(/^embed-only\.onnx: the model has no Softmax node/);
  });

  it('skips a Softmax of a projection by a weight (Kᵀ an initializer), which is no attention', () => {
    const bytes = model(
      [node('Gather', ['emb', 'input_ids'], ['x']), node('MatMul', ['x', 'w'], ['logits']), node('Softmax', ['logits'], ['probs']), node('MatMul', ['probs', 'w2'], ['out'])],
      [floatTensor('emb', [10, 4], table(40)), floatTensor('w', [4, 3], table(12)), floatTensor('w2', [3, 4], table(12, 2))],
      'out',
    );
    expect(() => findAttention(graphOf(bytes), 'router.onnx')).toThrow(/^router\.onnx: no attention block found/);
  });

  it('does not take a Mul by a large table sliced by the shape (a RoPE cos cache) for a scale', () => {
    const d = 4;
    const bytes = model(
      [
        node('Gather', ['emb', 'input_ids'], ['x']),
        node('Shape', ['x'], ['shape']),
        node('Slice', ['shape', 'one_i', 'two_i'], ['t']),
        node('Slice', ['cos_cache', 'zero_i', 't'], ['cos']),
        node('Mul', ['x', 'cos'], ['q_rot']),
        node('Transpose', ['x'], ['kt'], { perm: [0, 2, 1] }),
        node('MatMul', ['q_rot', 'kt'], ['scores']),
        node('Softmax', ['scores'], ['pattern']),
        node('MatMul', ['pattern', 'x'], ['out']),
      ],
      [
        floatTensor('emb', [10, d], table(10 * d)),
        floatTensor('cos_cache', [128, d], table(128 * d, 3)),
        int64Tensor('zero_i', [1], [0]),
        int64Tensor('one_i', [1], [1]),
        int64Tensor('two_i', [1], [2]),
      ],
      'out',
    );
    const [tap] = findAttention(graphOf(bytes), 'rope.onnx');
    expect(tap).toMatchObject({ q: 'q_rot', k: 'x', kTransposed: false, qScale: { constant: 1, computed: [] } });
  });

  it('refuses a model whose Softmax is not attention (a classifier head), naming the model file', () => {
    const bytes = model([node('Gather', ['emb', 'input_ids'], ['x']), node('Softmax', ['x'], ['probs'])], [floatTensor('emb', [10, 4], table(40))], 'probs');
    expect(() => findAttention(graphOf(bytes), 'classifier.onnx')).toThrow(/^classifier\.onnx: no attention block found: none of its 1 Softmax node normalises/);
  });
});

describe('the inputs a capture feeds', () => {
  it('reads the vocabulary size from the embedding Gather of input_ids', () => {
    expect(vocabularySize(decodeFixture('hf.onnx').graph!)).toBe(50);
    expect(vocabularySize(decodeFixture('mha.onnx').graph!)).toBe(50);
    expect(vocabularySize(graphOf(oneHeadModel(12)))).toBe(12);
  });

  it('lists the required inputs (graph inputs that are not initializers)', () => {
    expect(requiredInputs(decodeFixture('hf.onnx').graph!)).toEqual(['input_ids', 'attention_mask']);
    expect(requiredInputs(decodeFixture('mha.onnx').graph!)).toEqual(['input_ids']);
  });
});
