import { describe, expect, it } from 'vitest';
import { safetensorsFormat } from '../../src-shared/formats/safetensors';
import { concat, encodeValues, enc, expectFormatError, f32, read, safetensorsBytes } from './helpers';

const values = [1, -2, 0.5, 3.25, 0, 100, -0.75, 8];

describe('safetensors round trips', () => {
  for (const [dtype, kind] of [
    ['F16', 'f2'],
    ['BF16', 'bf2'],
    ['F32', 'f4'],
    ['F64', 'f8'],
  ] as const) {
    it(`reads ${dtype}`, async () => {
      const bytes = safetensorsBytes([{ name: 'emb', dtype, shape: [2, 4], data: encodeValues(kind, values) }]);
      const r = await read(safetensorsFormat, 'm.safetensors', bytes);
      expect(r.format).toBe('safetensors');
      expect(r.dtype).toBe(dtype);
      expect(r.shape).toEqual([2, 4]);
      expect(r.part).toBe('emb');
      expect(r.parts).toBeUndefined();
      expect(Array.from(r.embeddings.data)).toEqual(f32(values));
    });
  }

  it('picks the only 2-D tensor when others are 1-D, and lists all names in parts', async () => {
    const bytes = safetensorsBytes(
      [
        { name: 'bias', dtype: 'F32', shape: [4], data: encodeValues('f4', [9, 9, 9, 9]) },
        { name: 'wte', dtype: 'F32', shape: [2, 4], data: encodeValues('f4', values) },
        { name: 'step', dtype: 'I64', shape: [], data: encodeValues('i8', [3]) },
      ],
      { metadata: { format: 'pt' } },
    );
    const r = await read(safetensorsFormat, 'm.safetensors', bytes);
    expect(r.part).toBe('wte');
    expect(r.parts).toEqual(['bias', 'wte', 'step']);
    expect(Array.from(r.embeddings.data)).toEqual(values);
  });

  it('reads the tensor named by options.part', async () => {
    const bytes = safetensorsBytes([
      { name: 'q', dtype: 'F32', shape: [1, 2], data: encodeValues('f4', [1, 2]) },
      { name: 'k', dtype: 'F16', shape: [1, 2], data: encodeValues('f2', [3, 4]) },
    ]);
    const r = await read(safetensorsFormat, 'qk.safetensors', bytes, { part: 'k' });
    expect(r.part).toBe('k');
    expect(Array.from(r.embeddings.data)).toEqual([3, 4]);
  });

  it('turns a 3-D H×T×d tensor into T×(H·d)', async () => {
    const stored = [0, 1, 10, 11, 20, 21, 100, 101, 110, 111, 120, 121]; // [h][t][j] = 100h + 10t + j
    const bytes = safetensorsBytes([{ name: 'heads', dtype: 'F32', shape: [2, 3, 2], data: encodeValues('f4', stored) }]);
    const r = await read(safetensorsFormat, 'h.safetensors', bytes, { chunkSize: 5 });
    expect(r.shape).toEqual([2, 3, 2]);
    expect([r.embeddings.T, r.embeddings.d]).toEqual([3, 4]);
    expect(Array.from(r.embeddings.data)).toEqual([0, 1, 100, 101, 10, 11, 110, 111, 20, 21, 120, 121]);
  });
});

describe('safetensors bad input', () => {
  const tensor = { name: 'wte', dtype: 'F32', shape: [2, 2], data: encodeValues('f4', [1, 2, 3, 4]) };

  it('an empty file and a file shorter than the length field', async () => {
    await expectFormatError(read(safetensorsFormat, 'e.safetensors', new Uint8Array(0)), 'e.safetensors', '', 'empty');
    await expectFormatError(read(safetensorsFormat, 's.safetensors', new Uint8Array(5)), 's.safetensors', 'byte 0', 'only 5 bytes');
  });

  it('a header length past the end of the file', async () => {
    const bytes = safetensorsBytes([tensor]);
    new DataView(bytes.buffer).setBigUint64(0, 3n * 1024n ** 3n, true);
    await expectFormatError(read(safetensorsFormat, 'h.safetensors', bytes), 'h.safetensors', 'byte 0', 'header length 3221225472 runs past the end of the file');
  });

  it('a header that is not JSON names the byte', async () => {
    const text = '{"wte": {"dtype": "F32",, }}';
    const bytes = safetensorsBytes([tensor], { header: text });
    await expectFormatError(read(safetensorsFormat, 'j.safetensors', bytes), 'j.safetensors', `byte ${8 + text.indexOf(',,') + 1}`, 'expected a key');
  });

  it('offsets past the end of the data', async () => {
    const bytes = safetensorsBytes([{ ...tensor, offsets: [0, 64] }]);
    await expectFormatError(read(safetensorsFormat, 'o.safetensors', bytes), 'o.safetensors', "tensor 'wte'", 'data_offsets [0, 64] run past the end of the data');
  });

  it('overlapping tensors', async () => {
    const bytes = safetensorsBytes([
      { ...tensor, name: 'a', offsets: [0, 16] },
      { ...tensor, name: 'b', offsets: [8, 24] },
      { name: 'pad', dtype: 'U8', shape: [8], data: new Uint8Array(16), offsets: [24, 32] },
    ]);
    await expectFormatError(read(safetensorsFormat, 'x.safetensors', bytes), 'x.safetensors', "tensor 'b'", "overlap those of tensor 'a'");
  });

  it('a shape that does not match the byte span', async () => {
    const bytes = safetensorsBytes([{ ...tensor, shape: [3, 2] }]);
    await expectFormatError(read(safetensorsFormat, 'z.safetensors', bytes), 'z.safetensors', "tensor 'wte'", 'shape [3, 2] of F32 needs 24 bytes', 'span 16 bytes');
  });

  it('an unknown dtype, and a known one the lab cannot read', async () => {
    const unknown = safetensorsBytes([{ ...tensor, dtype: 'F33' }]);
    await expectFormatError(read(safetensorsFormat, 'u.safetensors', unknown), 'u.safetensors', "tensor 'wte'", 'unknown dtype "F33"');
    const ints = safetensorsBytes([{ ...tensor, dtype: 'I32' }]);
    await expectFormatError(read(safetensorsFormat, 'i.safetensors', ints), 'i.safetensors', "tensor 'wte'", 'I32 is not supported');
  });

  it('a missing part lists the tensors; several candidates ask for a choice', async () => {
    const two = safetensorsBytes([
      { ...tensor, name: 'a' },
      { ...tensor, name: 'b' },
    ]);
    await expectFormatError(read(safetensorsFormat, 'p.safetensors', two, { part: 'c' }), 'p.safetensors', "tensor 'c'", 'no such tensor', "'a' [2, 2] F32", "'b' [2, 2] F32");
    await expectFormatError(read(safetensorsFormat, 'p.safetensors', two), 'p.safetensors', '', 'choose one by name', "'a'", "'b'");
  });

  it('a 1-D or 4-D tensor chosen by name', async () => {
    const bytes = safetensorsBytes([
      { name: 'v', dtype: 'F32', shape: [4], data: encodeValues('f4', [1, 2, 3, 4]) },
      { name: 'w', dtype: 'F32', shape: [1, 1, 2, 2], data: encodeValues('f4', [1, 2, 3, 4]) },
    ]);
    await expectFormatError(read(safetensorsFormat, 'v.safetensors', bytes, { part: 'v' }), 'v.safetensors', "tensor 'v'", 'found shape [4]');
    await expectFormatError(read(safetensorsFormat, 'v.safetensors', bytes, { part: 'w' }), 'v.safetensors', "tensor 'w'", 'found shape [1, 1, 2, 2]');
    await expectFormatError(read(safetensorsFormat, 'v.safetensors', bytes), 'v.safetensors', '', 'no 2-D or 3-D tensor');
  });

  it('a header that is not an object of tensors', async () => {
    await expectFormatError(read(safetensorsFormat, 'a.safetensors', safetensorsBytes([], { header: '[1, 2]' })), 'a.safetensors', 'byte 8', 'JSON object of tensors');
    const bad = safetensorsBytes([], { header: '{"t": {"dtype": "F32", "shape": [2, "x"], "data_offsets": [0, 8]}}' });
    await expectFormatError(read(safetensorsFormat, 'b.safetensors', bad), 'b.safetensors', "tensor 't'", '"shape"');
  });

  it('NaN in the data names the tensor, the element and the byte', async () => {
    const bytes = safetensorsBytes([{ ...tensor, dtype: 'BF16', data: encodeValues('bf2', [1, 2, 3, NaN]) }]);
    const dataStart = bytes.length - 8;
    await expectFormatError(read(safetensorsFormat, 'n.safetensors', bytes), 'n.safetensors', `tensor 'wte', element [1, 1] (byte ${dataStart + 6})`, 'non-finite');
  });

  it('maxBytes bounds the output', async () => {
    const bytes = safetensorsBytes([{ name: 't', dtype: 'F16', shape: [10, 10], data: new Uint8Array(200) }]);
    await expectFormatError(read(safetensorsFormat, 'm.safetensors', bytes, { maxBytes: 100 }), 'm.safetensors', "tensor 't'", 'limit of 100 bytes');
  });

  it('a file whose JSON header is cut short', async () => {
    const whole = safetensorsBytes([tensor]);
    const cut = concat(whole.subarray(0, 8), enc('{"wte": {"dtype"'));
    await expectFormatError(read(safetensorsFormat, 'c.safetensors', cut), 'c.safetensors', 'byte 0', 'runs past the end');
  });
});
