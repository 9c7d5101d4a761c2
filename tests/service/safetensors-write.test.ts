/** The safetensors writer (src-main/service/safetensors-write.ts): what it writes, the lab's own reader reads back. */
import { describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../../src-main/service/safetensors-write';
import { safetensorsFormat } from '../../src-shared/formats/safetensors';
import { bytesSource } from '../../src-shared/formats/bytes';
import { readSafetensors } from '../capture/helpers';

describe('encodeSafetensors', () => {
  const a = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const b = Float32Array.from([-1.5, 0.25, 7]);
  const bytes = encodeSafetensors(
    [
      { name: 'a', shape: [2, 3], data: a },
      { name: 'b.c', shape: [1, 3], data: b },
    ],
    { model: 'm.onnx', tokens: '["x","y"]' },
  );

  it('writes the header padded to 8 bytes, the tensors in order, and string metadata', () => {
    const { tensors, metadata, headerLength } = readSafetensors(bytes);
    expect(headerLength % 8).toBe(0);
    expect(bytes.length).toBe(8 + headerLength + (a.length + b.length) * 4);
    expect(metadata).toEqual({ model: 'm.onnx', tokens: '["x","y"]' });
    expect(tensors.get('a')).toEqual({ dtype: 'F32', shape: [2, 3], data: a });
    expect(tensors.get('b.c')).toEqual({ dtype: 'F32', shape: [1, 3], data: b });
  });

  it("is read back by the lab's safetensors reader, tensor by name", async () => {
    const loaded = await safetensorsFormat.read(bytesSource('t.safetensors', bytes), { part: 'a' });
    expect(loaded.parts).toEqual(['a', 'b.c']);
    expect(loaded.embeddings.T).toBe(2);
    expect(Array.from(loaded.embeddings.data)).toEqual(Array.from(a));
  });

  it('refuses a shape that does not hold the data, and a repeated name', () => {
    expect(() => encodeSafetensors([{ name: 'a', shape: [4, 2], data: a }])).toThrow(/cannot write 6 values of a as shape 4×2/);
    expect(() =>
      encodeSafetensors([
        { name: 'a', shape: [6], data: a },
        { name: 'a', shape: [6], data: a },
      ]),
    ).toThrow(/the tensor name a is used twice/);
  });
});
