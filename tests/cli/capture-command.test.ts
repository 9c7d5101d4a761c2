/**
 * `qklab capture` through main() in process: --ids and --text to a .safetensors file, --json,
 * and the messages for bad requests (exit 1) and bad usage (exit 2).
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCaptureArgs } from '../../src-main/cli/capture-command';
import { FIXTURES, readSafetensors } from '../capture/helpers';
import { qklabInProcess } from '../reliability/helpers';

const dir = mkdtempSync(join(tmpdir(), 'qklab-cli-capture-'));
const hf = join(FIXTURES, 'hf.onnx');

/** `qklab …` in this process, its output captured (the reliability tests' runner) */
const qklab = qklabInProcess;

describe('qklab capture', () => {
  it('is listed by qklab --help', async () => {
    const { stdout } = await qklab('--help');
    expect(stdout).toMatch(/^ {2}qklab capture MODEL\.onnx \(--ids 464,2068,… \| --text "…" \[--tokenizer tokenizer\.json\]\)$/m);
  });

  it('--ids … --out writes the capture as a private file, creating its folder', async () => {
    const out = join(dir, 'new', 'caps.safetensors');
    const { code, stderr } = await qklab(
      'capture',
      hf,
      '--ids',
      '464,2068,7586,21831'
        .split(',')
        .map((n) => Number(n) % 50)
        .join(','),
      '--out',
      out,
    );
    expect(code).toBe(0);
    expect(stderr).toMatch(new RegExp(`^wrote ${out} \\(2 layers × 4 heads, 4 positions, \\d+ KiB\\)\n$`));
    const { tensors, metadata } = readSafetensors(new Uint8Array(readFileSync(out)));
    expect(tensors.get('blocks.1.attn.hook_pattern')!.shape).toEqual([4, 4, 4]);
    expect(JSON.parse(metadata.input_ids)).toEqual([14, 18, 36, 31]);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('--text through --tokenizer (or the tokenizer.json beside the model) keeps the tokens and the text; --json prints the summary', async () => {
    const { code, stdout } = await qklab('capture', join(FIXTURES, 'mha.onnx'), '--text', 'The cat sat', '--tokenizer', join(FIXTURES, 'tokenizer.json'), '--json');
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({
      model: 'mha.onnx',
      layers: 2,
      captured: [0, 1],
      heads: 4,
      d_head: 8,
      positions: 3,
      input_ids: [1, 2, 3],
      tokens: ['the', 'cat', 'sat'],
      text: 'The cat sat',
    });
    expect(json.taps.map((t: { softmax: string }) => t.softmax)).toEqual(['/blocks.0/attn/attn/Softmax', '/blocks.1/attn/attn/Softmax']);
    expect(json.taps[0]).toMatchObject({ layout: 'B*H,T,d', k_transposed: true, k_scale: 1 });
    expect(json.taps[0].q_scale).toBeCloseTo(1 / Math.sqrt(8), 7);
    // the tokenizer.json beside the model, when --tokenizer is left out
    const beside = mkdtempSync(join(dir, 'beside-'));
    copyFileSync(hf, join(beside, 'model.onnx'));
    copyFileSync(join(FIXTURES, 'tokenizer.json'), join(beside, 'tokenizer.json'));
    const out = join(beside, 'caps.safetensors');
    expect((await qklab('capture', join(beside, 'model.onnx'), '--text', 'a red house', '--out', out)).code).toBe(0);
    const { metadata } = readSafetensors(new Uint8Array(readFileSync(out)));
    expect(JSON.parse(metadata.tokens)).toEqual(['a', 'red', 'house']);
    expect(metadata).toMatchObject({ text: 'a red house', model: 'model.onnx' });
  });

  it('an id past the vocabulary and a layer past the last are errors naming the flag (exit 1)', async () => {
    const ids = await qklab('capture', hf, '--ids', '3,50', '--json');
    expect(ids).toMatchObject({ code: 1, stdout: '' });
    expect(ids.stderr).toBe('qklab: --ids: id 50 (position 1) is past the vocabulary of hf.onnx: 50 tokens, ids 0–49\n');
    const layers = await qklab('capture', hf, '--ids', '3', '--layers', '1,2', '--json');
    expect(layers.stderr).toBe('qklab: --layers: layer 2 is past the last: hf.onnx has 2 attention layers (0–1)\n');
    const missing = await qklab('capture', join(dir, 'nope.onnx'), '--ids', '3', '--json');
    expect(missing.stderr).toBe('qklab: nope.onnx: no such file\n');
  });

  it('usage mistakes are named (exit 2)', async () => {
    const usage = (m: string) => new Error(m);
    expect(() => parseCaptureArgs([hf, '--json'], usage)).toThrow('capture needs --ids ID,ID,… or --text "…" (one of the two)');
    expect(() => parseCaptureArgs([hf, '--ids', '1', '--text', 'a', '--json'], usage)).toThrow(/one of the two/);
    expect(() => parseCaptureArgs([hf, '--ids', '1'], usage)).toThrow('capture needs --out FILE.safetensors or --json');
    expect(() => parseCaptureArgs([hf, '--ids', '1,-2', '--json'], usage)).toThrow('--ids expects token ids as comma-separated whole numbers ≥ 0, got "-2"');
    expect(() => parseCaptureArgs([hf, '--ids', '1,,2', '--json'], usage)).toThrow(/got an empty entry/);
    const alone = mkdtempSync(join(dir, 'alone-'));
    copyFileSync(hf, join(alone, 'model.onnx'));
    expect(() => parseCaptureArgs([join(alone, 'model.onnx'), '--text', 'a b', '--json'], usage)).toThrow(/--text needs --tokenizer tokenizer\.json/);
    const { code, stderr } = await qklab('capture', hf, '--ids', 'x', '--json');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^qklab: --ids expects token ids as comma-separated whole numbers ≥ 0, got "x"\n/);
  });
});
