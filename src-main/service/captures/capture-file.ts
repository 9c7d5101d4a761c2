/**
 * A capture of a model file on disk, as the CLI (and the app's Open of an .onnx) asks for it:
 * the model read through the safe opener (regular files only, capped), the ids given or
 * tokenized from text, then capture-model.ts. Paths are the caller's to grant; this room
 * only reads them.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readRegularFile, SafeOpenError } from '../sources/safe-open';
import { captureModel, MAX_MODEL_BYTES, type Capture } from './capture-model';
import { labelIds, loadTokenizer, tokenize } from './tokenizer';

export interface CaptureFileRequest {
  /** the token ids to feed; or */
  ids?: readonly number[];
  /** text to tokenize with the tokenizer */
  text?: string;
  /** a Hugging Face tokenizer.json: required with `text`, labels the ids otherwise */
  tokenizerPath?: string;
  layers?: readonly number[];
  threads?: number;
  /** how far the capture has got, 0…1 (the app's progress bar) */
  onProgress?: (fraction: number) => void;
}

/** The tokenizer.json beside a model (as Hugging Face exports lay them out), for `--text` without `--tokenizer`. */
export function tokenizerBeside(modelPath: string): string {
  return join(dirname(modelPath), 'tokenizer.json');
}

/** The tokenizer.json beside a model when there is one (a regular file), else null: the app then asks for token ids. */
export async function tokenizerBesideIfAny(modelPath: string): Promise<string | null> {
  const path = tokenizerBeside(modelPath);
  try {
    return (await stat(path)).isFile() ? path : null;
  } catch {
    return null;
  }
}

export async function readModelFile(path: string): Promise<Uint8Array> {
  try {
    return await readRegularFile(path, MAX_MODEL_BYTES, 'ONNX models (weights kept as external data are not read)');
  } catch (e) {
    if (e instanceof SafeOpenError && e.code === 'ENOENT') throw new Error(`${basename(path)}: no such file`, { cause: e });
    throw e;
  }
}

export async function captureFile(modelPath: string, request: CaptureFileRequest): Promise<Capture> {
  const name = basename(modelPath);
  if ((request.ids === undefined) === (request.text === undefined)) throw new Error('a capture feeds either token ids or a text, one of the two');
  const tokenizer = request.tokenizerPath !== undefined ? await loadTokenizer(request.tokenizerPath) : null;
  let ids: readonly number[];
  let tokens: readonly string[] | undefined;
  if (request.text !== undefined) {
    if (!tokenizer) throw new Error('a text needs a tokenizer (a tokenizer.json) to become token ids');
    ({ ids, tokens } = tokenize(tokenizer, request.text, basename(request.tokenizerPath!)));
  } else {
    ids = request.ids!;
    tokens = tokenizer ? labelIds(tokenizer, ids) : undefined;
  }
  request.onProgress?.(0.05);
  const bytes = await readModelFile(modelPath);
  request.onProgress?.(0.15);
  return captureModel(bytes, name, {
    ids,
    tokens,
    text: request.text,
    idsFrom: request.text !== undefined ? 'text' : 'ids',
    layers: request.layers,
    threads: request.threads,
    onProgress: request.onProgress,
  });
}
