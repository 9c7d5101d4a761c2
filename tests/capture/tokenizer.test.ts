/** `--text` through @huggingface/tokenizers (src-main/service/captures/tokenizer.ts) on the fixture's tokenizer.json. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelIds, loadTokenizer, makeTokenizer, tokenize, TokenizerError } from '../../src-main/service/captures/tokenizer';
import { FIXTURES } from './helpers';

describe('the capture tokenizer', () => {
  it('tokenizes text with the fixture tokenizer.json (lowercase, WordPiece, [UNK] = 0)', async () => {
    const tokenizer = await loadTokenizer(join(FIXTURES, 'tokenizer.json'));
    expect(tokenize(tokenizer, 'The cats sat on a mat!', 'tokenizer.json')).toEqual({
      ids: [1, 2, 40, 3, 4, 9, 5, 38],
      tokens: ['the', 'cat', '##s', 'sat', 'on', 'a', 'mat', '!'],
    });
    expect(tokenize(tokenizer, 'zebra', 'tokenizer.json').ids).toEqual([0]);
    expect(labelIds(tokenizer, [2, 49, 77])).toEqual(['cat', 'seven', '77']);
  });

  it('refuses what is not a tokenizer.json, naming the file', async () => {
    expect(() => makeTokenizer({ vocab: {} }, {}, 'vocab.json')).toThrow(/^vocab\.json: not a Hugging Face tokenizer\.json/);
    const dir = mkdtempSync(join(tmpdir(), 'qklab-tokenizer-'));
    writeFileSync(join(dir, 'tokenizer.json'), '{"model": ');
    await expect(loadTokenizer(join(dir, 'tokenizer.json'))).rejects.toThrow(/^tokenizer\.json: not valid JSON/);
    await expect(loadTokenizer(join(dir, 'missing.json'))).rejects.toThrow(TokenizerError);
  });
});
