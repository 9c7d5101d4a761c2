/** Which files Open… captures as models, and the token ids a user types for a model without a tokenizer.json. */
import { describe, expect, it } from 'vitest';
import { IdsTextError, isModelPath, MAX_TYPED_IDS, parseIdsText } from '../../src-shared/capture/model-file';

describe('isModelPath', () => {
  it('takes .onnx in any case, and nothing else', () => {
    expect(isModelPath('/m/model.onnx')).toBe(true);
    expect(isModelPath('C:\\m\\MODEL.ONNX')).toBe(true);
    for (const p of ['/m/caps.safetensors', '/m/onnx', '/m.onnx/weights.npy', '/m/model.onnx.json']) expect(isModelPath(p)).toBe(false);
  });
});

describe('parseIdsText', () => {
  it('reads whole numbers separated by commas and/or spaces', () => {
    expect(parseIdsText('3, 14 15,9\t26\n5')).toEqual([3, 14, 15, 9, 26, 5]);
    expect(parseIdsText('  0 ')).toEqual([0]);
  });

  it.each([
    ['', /^no token ids/],
    ['   ', /^no token ids/],
    ['1,,2', /^token id 1 is empty/],
    ['1, -2', /^token id 1 is "-2": expected a whole number ≥ 0/],
    ['1.5', /^token id 0 is "1\.5"/],
    ['3 cat', /^token id 1 is "cat"/],
    ['99999999999999999999', /^token id 0 is "99999999999999999999"/],
    [`1 ${'x'.repeat(100)}`, /^token id 1 is "x{24}…": expected/],
  ])('refuses %j, naming the entry', (text, message) => {
    expect(() => parseIdsText(text)).toThrow(IdsTextError);
    expect(() => parseIdsText(text)).toThrow(message);
  });

  it(`refuses more than ${MAX_TYPED_IDS} ids`, () => {
    expect(() => parseIdsText(Array.from({ length: MAX_TYPED_IDS + 1 }, () => '1').join(' '))).toThrow(/at most 16384/);
  });
});
