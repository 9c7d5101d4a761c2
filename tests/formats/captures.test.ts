/**
 * Captures read from files numpy wrote (scripts/make-capture-fixtures.py): TransformerLens
 * names in safetensors, generic names in a compressed .npz; and the shapes a capture may not
 * have, each refused with a message naming the file and the tensor.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesSource, tensorNames } from '../../src-shared/formats';
import { captureLayers, probeCapture, readCapture } from '../../src-shared/formats/captures';
import { FormatError } from '../../src-shared/formats/types';
import { zipSync } from 'fflate';
import { encodeValues, npyBytes, safetensorsBytes } from './helpers';

const DIR = join(__dirname, '..', 'fixtures', 'captures');
interface Expected {
  tokens: string[] | null;
  layers: Record<string, { shape: [number, number, number]; dotWeights: number[] }>;
}
const EXPECTED = JSON.parse(readFileSync(join(DIR, 'captures.json'), 'utf8')) as Record<string, Expected>;
const fixture = (name: string) => bytesSource(name, new Uint8Array(readFileSync(join(DIR, name))));

/** A float32 tensor of the given shape whose values count up (contents do not matter to shape checks). */
const f32 = (name: string, shape: number[]) => ({
  name,
  dtype: 'F32',
  shape,
  data: encodeValues(
    'f4',
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (i % 7) / 7),
  ),
});
const tl = (l: number, role: string) => `blocks.${l}.attn.hook_${role}`;

async function captureError(bytes: Uint8Array, layer = 0, name = 'caps.safetensors'): Promise<FormatError> {
  const error = await readCapture(bytesSource(name, bytes), layer).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FormatError);
  return error as FormatError;
}

describe('reading captures numpy wrote', () => {
  it('TransformerLens names in safetensors: the layer asked for, its pattern, and the tokens from the metadata', async () => {
    const expected = EXPECTED['capture-tl.safetensors'];
    for (const layer of [0, 1]) {
      const capture = await readCapture(fixture('capture-tl.safetensors'), layer);
      expect(capture).toMatchObject({ kind: 'capture', format: 'safetensors', naming: 'transformer-lens', layers: [0, 1], layer, tokens: expected.tokens });
      expect(capture.metadata.model).toBe('tiny-causal.onnx');
      const data = capture.data!;
      const [T, H, d] = expected.layers[layer].shape;
      expect([data.Tq, data.Tk, data.heads, data.dHead, data.dv]).toEqual([T, T, H, d, d]);
      expect([data.q.length, data.k.length, data.v.length]).toEqual([T * H * d, T * H * d, T * H * d]);
      // the pattern is numpy's causal softmax(q·kᵀ/√d), stored as float32, head-major
      const pattern = Array.from(data.pattern!);
      expected.layers[layer].dotWeights.forEach((w, i) => expect(Math.abs(pattern[i] - w)).toBeLessThan(1e-7));
    }
  });

  it('generic names in a compressed .npz', async () => {
    const capture = await readCapture(fixture('capture-generic.npz'), 0);
    expect(capture).toMatchObject({ format: 'npz', naming: 'generic', layers: [0], tokens: null });
    const [T, H, d] = EXPECTED['capture-generic.npz'].layers[0].shape;
    expect([capture.data!.Tq, capture.data!.heads, capture.data!.dHead]).toEqual([T, H, d]);
    expect(capture.data!.pattern!.length).toBe(H * T * T);
  });

  it('a layer the file does not hold comes back empty, with the layers it does hold (the JobSpec names the field)', async () => {
    const capture = await readCapture(fixture('capture-tl.safetensors'), 2);
    expect(capture.data).toBeNull();
    expect(capture.layers).toEqual([0, 1]);
  });

  it('refuses [head, pos, d_head] and says so', async () => {
    const error = await readCapture(fixture('capture-head-first.npz'), 0).catch((e: unknown) => e as FormatError);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toBe(
      "capture-head-first.npz: member 'layers.0.q.npy': has shape [2, 5, 4], which looks like [head, pos, d_head]: that layout is not accepted; captures store [pos, head, d_head] (numpy: x.transpose(1, 0, 2))",
    );
  });
});

describe('capture names', () => {
  it('finds TransformerLens layers first, then generic ones, ignoring other tensors', () => {
    expect(captureLayers(['blocks.1.attn.hook_q', 'blocks.0.attn.hook_k', 'blocks.10.attn.hook_v', 'blocks.0.hook_resid_pre', 'embed.W_E'])).toMatchObject({
      naming: 'transformer-lens',
      layers: [0, 1, 10],
    });
    expect(captureLayers(['layers.2.q', 'layers.2.k', 'layers.2.v', 'layers.2.pattern'])).toMatchObject({ naming: 'generic', layers: [2] });
    expect(captureLayers(['wte', 'layers.x.q'])).toBeNull();
  });
});

describe('bad captures', () => {
  const layer0 = (q: number[], k: number[], v: number[], pattern?: number[]) =>
    safetensorsBytes([f32(tl(0, 'q'), q), f32(tl(0, 'k'), k), f32(tl(0, 'v'), v), ...(pattern ? [f32(tl(0, 'pattern'), pattern)] : [])]);

  it('q and k with different heads, naming both tensors', async () => {
    const error = await captureError(layer0([4, 3, 8], [4, 2, 8], [4, 2, 8]));
    expect(error.message).toBe(
      "caps.safetensors: tensor 'blocks.0.attn.hook_k': has 2 heads (shape [4, 2, 8]), but 'blocks.0.attn.hook_q' has 3 (shape [4, 3, 8]); q, k and v are [pos, head, d_head] with the same heads",
    );
  });

  it('q and k of different widths, v and k of different lengths', async () => {
    expect((await captureError(layer0([4, 3, 8], [4, 3, 6], [4, 3, 8]))).message).toContain("tensor 'blocks.0.attn.hook_k': has d_head 6");
    expect((await captureError(layer0([4, 3, 8], [4, 3, 8], [5, 3, 8]))).message).toContain("tensor 'blocks.0.attn.hook_v': has 5 positions");
  });

  it('a 2-D q, and a pattern that does not match q and k', async () => {
    expect((await captureError(layer0([4, 24], [4, 3, 8], [4, 3, 8]))).message).toBe(
      "caps.safetensors: tensor 'blocks.0.attn.hook_q': has shape [4, 24]; expected a 3-D [pos, head, d_head] array with no empty axis",
    );
    expect((await captureError(layer0([4, 3, 8], [4, 3, 8], [4, 3, 8], [3, 4, 5]))).message).toBe(
      "caps.safetensors: tensor 'blocks.0.attn.hook_pattern': has shape [3, 4, 5]; expected [head, query_pos, key_pos] = [3, 4, 4] to match q and k",
    );
  });

  it('a layer without v', async () => {
    const bytes = safetensorsBytes([f32(tl(0, 'q'), [4, 3, 8]), f32(tl(0, 'k'), [4, 3, 8])]);
    expect((await captureError(bytes)).message).toBe("caps.safetensors: layer 0: has no tensor 'blocks.0.attn.hook_v'; a capture layer needs q, k and v");
  });

  it('a file with no capture names, and a file that is not a tensor archive', async () => {
    expect((await captureError(safetensorsBytes([f32('wte', [4, 8])]))).message).toBe(
      "caps.safetensors: no capture tensors: expected TransformerLens names (blocks.{l}.attn.hook_q, hook_k, hook_v, optional hook_pattern) or generic names (layers.{l}.q, .k, .v, optional .pattern); the file holds 'wte'",
    );
    const error = await captureError(new TextEncoder().encode('{"tokens": ["a"], "vectors": [[1]]}'), 0, 'caps.json');
    expect(error.message).toBe('caps.json: expected a file of named tensors (safetensors or NumPy .npz), found JSON');
  });

  it('tokens in the metadata: not a list of strings, or not one per position; control characters shown escaped', async () => {
    const tensors = [f32(tl(0, 'q'), [2, 3, 4]), f32(tl(0, 'k'), [2, 3, 4]), f32(tl(0, 'v'), [2, 3, 4])];
    expect((await captureError(safetensorsBytes(tensors, { metadata: { tokens: '[1, 2]' } }))).message).toBe(
      "caps.safetensors: metadata 'tokens': expected a JSON array of strings, one per position",
    );
    expect((await captureError(safetensorsBytes(tensors, { metadata: { tokens: '["a"]' } }))).message).toBe(
      "caps.safetensors: metadata 'tokens': holds 1 tokens, but layer 0 has 2 positions",
    );
    const ok = await readCapture(bytesSource('caps.safetensors', safetensorsBytes(tensors, { metadata: { tokens: JSON.stringify(['a\n', '\u001b[0m']) } })), 0);
    expect(ok.tokens).toEqual(['a\\n', '\\u001b[0m']);
  });
});

describe('telling a capture from embeddings (probeCapture), reading names only', () => {
  it("lists the layers of numpy's captures; an .npz of plain arrays, a .npy or a JSON file is no capture", async () => {
    expect(await probeCapture(fixture('capture-tl.safetensors'))).toEqual({ naming: 'transformer-lens', layers: [0, 1] });
    expect(await probeCapture(fixture('capture-generic.npz'))).toEqual({ naming: 'generic', layers: [0] });
    expect(await probeCapture(fixture('arrays.npz'))).toBeNull();
    expect(await probeCapture(fixture('arrays-compressed.npz'))).toBeNull();
    expect(await probeCapture(bytesSource('x.json', new TextEncoder().encode('{"tokens": ["a"], "vectors": [[1]]}')))).toBeNull();
    expect(await probeCapture(bytesSource('empty.npz', new Uint8Array(0)))).toBeNull();
  });

  it('an .npz is told from its zip directory at the end of the file, not read whole', async () => {
    // 1 MB of embeddings in a stored member: the probe reads the head and the directory only
    const T = 65536;
    const big = npyBytes({ descr: '<f4', shape: [T, 4], data: new Uint8Array(T * 16) });
    const zip = zipSync({ 'layers.0.q.npy': big, 'words.npy': big }, { level: 0 });
    let bytesRead = 0;
    const inner = bytesSource('big.npz', zip);
    const source = { ...inner, read: (offset: number, length: number) => ((bytesRead += length), inner.read(offset, length)) };
    expect(await tensorNames(source)).toEqual(['layers.0.q', 'words']);
    expect(await probeCapture(source)).toEqual({ naming: 'generic', layers: [0] });
    expect(bytesRead).toBeLessThan(2 * (4096 + 64 * 1024 + 1024));
    expect(zip.length).toBeGreaterThan(2_000_000);
    // numpy's own archives agree with their arrays
    expect(await tensorNames(fixture('arrays.npz'))).toEqual(Object.keys(JSON.parse(readFileSync(join(DIR, 'arrays.json'), 'utf8'))));
    expect(await tensorNames(fixture('arrays-compressed.npz'))).toEqual(Object.keys(JSON.parse(readFileSync(join(DIR, 'arrays.json'), 'utf8'))));
  });
});
