/**
 * Text → token ids for a capture (`qklab capture --text … --tokenizer tokenizer.json`), with
 * @huggingface/tokenizers: a pure-JS reader of the Hugging Face `tokenizer.json` (BPE,
 * WordPiece, Unigram; normalisers, pre-tokenisers and post-processors), offline, no native
 * addon. A `tokenizer_config.json` beside it is read too, as that library expects.
 *
 * Messages name the tokenizer file and the token's position, never the file's contents.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { basename, dirname, join } from 'node:path';
import { readJsonFile } from '../sources/json-file';
import { SafeOpenError } from '../sources/safe-open';

/** Hugging Face tokenizer.json files reach ~35 MB (large vocabularies with merges) */
export const MAX_TOKENIZER_BYTES = 64 * 2 ** 20;

export interface Tokenized {
  ids: number[];
  tokens: string[];
}

/** A tokenizer that could not be read or used; the message names the file. */
export class TokenizerError extends Error {}

/** A Tokenizer from the parsed tokenizer.json (and tokenizer_config.json, or {}). */
export function makeTokenizer(json: unknown, config: unknown, name: string): Tokenizer {
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !('model' in json)) {
    throw new TokenizerError(`${name}: not a Hugging Face tokenizer.json (no "model" object)`);
  }
  try {
    return new Tokenizer(json, typeof config === 'object' && config !== null ? config : {});
  } catch (e) {
    throw new TokenizerError(`${name}: @huggingface/tokenizers cannot read this tokenizer (${(e as Error).message})`);
  }
}

/** The ids and tokens of `text` (with the tokenizer's special tokens, as the model was fed). */
export function tokenize(tokenizer: Tokenizer, text: string, name: string): Tokenized {
  const { ids, tokens } = tokenizer.encode(text);
  const missing = ids.findIndex((id) => typeof id !== 'number' || !Number.isInteger(id));
  if (missing >= 0) throw new TokenizerError(`${name}: the tokenizer has no id for token ${missing} of the text (its model has no unknown-token entry)`);
  return { ids, tokens };
}

/** Token labels for ids given as numbers (the tokenizer's strings; the id itself where it has none). */
export function labelIds(tokenizer: Tokenizer, ids: readonly number[]): string[] {
  return ids.map((id) => tokenizer.id_to_token(id) ?? String(id));
}

async function readJson(path: string): Promise<unknown> {
  try {
    return await readJsonFile(path, MAX_TOKENIZER_BYTES, 'tokenizer files');
  } catch (e) {
    if (e instanceof SafeOpenError) throw new TokenizerError(e.code === 'ENOENT' ? `${basename(path)}: no such file` : e.message);
    throw e;
  }
}

/** Read a tokenizer.json (and a tokenizer_config.json beside it, when there is one). */
export async function loadTokenizer(path: string): Promise<Tokenizer> {
  const json = await readJson(path);
  let config: unknown = {};
  try {
    config = await readJsonFile(join(dirname(path), 'tokenizer_config.json'), MAX_TOKENIZER_BYTES, 'tokenizer files');
  } catch (e) {
    if (!(e instanceof SafeOpenError && e.code === 'ENOENT')) throw e;
  }
  return makeTokenizer(json, config, basename(path));
}
