/**
 * The embedding formats, and reading a file whose format is not known in advance. Detection
 * goes in tiers: magic bytes (.npy, safetensors) decide outright; then the extension; then a
 * content guess for files without a telling extension (JSON, word2vec binary, GloVe text,
 * CSV). Adding a format is adding its module to FORMATS.
 */
import { readExactly } from './bytes';
import { csvFormat } from './csv';
import { gloveFormat } from './glove';
import { jsonFormat } from './json';
import { extensionOf, type FormatModule, type FormatReadOptions, type TensorArchive } from './module';
import { npyFormat } from './npy';
import { npzFormat } from './npz';
import { safetensorsFormat } from './safetensors';
import { FormatError, type ByteSource, type EmbeddingFormat, type LoadedEmbeddings } from './types';
import { word2vecBinFormat } from './word2vec-bin';

export { bytesSource } from './bytes';
export { indexVocabulary, lookupSentence, subsetEmbeddings } from './sentence';
export * from './types';
export type { TensorArchive } from './module';

/** in content-guessing order: the more specific guesses first */
export const FORMATS: readonly FormatModule[] = [npyFormat, safetensorsFormat, npzFormat, jsonFormat, word2vecBinFormat, gloveFormat, csvFormat];

/** every extension some format claims, e.g. for the Open dialog's filter */
export const EMBEDDING_EXTENSIONS: readonly string[] = FORMATS.flatMap((f) => f.extensions);

export const HEAD_BYTES = 4096;

/** The format that can read a file with this name starting with these bytes, or null. */
export function detectFormat(name: string, head: Uint8Array): EmbeddingFormat | null {
  return detectModule(name, head);
}

function detectModule(name: string, head: Uint8Array): FormatModule | null {
  const ext = extensionOf(name);
  return FORMATS.find((f) => f.magic?.(head)) ?? FORMATS.find((f) => f.extensions.includes(ext)) ?? FORMATS.find((f) => f.sniff?.(head)) ?? null;
}

/** Reads any supported embedding file. Every problem with the file is a FormatError. */
export async function readEmbeddings(source: ByteSource, options: FormatReadOptions = {}): Promise<LoadedEmbeddings> {
  if (source.size === 0) throw new FormatError(source.name, '', 'the file is empty (0 bytes); expected embeddings');
  const head = await readExactly(source, 0, Math.min(HEAD_BYTES, source.size));
  const format = detectFormat(source.name, head);
  if (!format) {
    const expected = FORMATS.map((f) => `${f.title} (${f.extensions.map((e) => '.' + e).join(', ')})`).join(', ');
    throw new FormatError(source.name, '', `not a recognised embedding file: tried ${expected}; ${describeHead(head)}`);
  }
  return format.read(source, options);
}

/**
 * The tensor names of a file of named tensors, as cheaply as its format allows (an .npz's
 * directory alone); null when the file is no such file.
 */
export async function tensorNames(source: ByteSource, options: FormatReadOptions = {}): Promise<string[] | null> {
  if (source.size === 0) return null;
  const format = detectModule(source.name, await readExactly(source, 0, Math.min(HEAD_BYTES, source.size)));
  if (!format?.openTensors) return null;
  return (await format.tensorNames?.(source)) ?? (await format.openTensors(source, options)).names;
}

/** Opens a file of named tensors (safetensors, .npz), as captures read them. */
export async function openTensorArchive(source: ByteSource, options: FormatReadOptions = {}): Promise<TensorArchive> {
  if (source.size === 0) throw new FormatError(source.name, '', 'the file is empty (0 bytes); expected a .safetensors or .npz file');
  const format = detectModule(source.name, await readExactly(source, 0, Math.min(HEAD_BYTES, source.size)));
  if (!format?.openTensors) {
    const tensorFormats = FORMATS.filter((f) => f.openTensors !== undefined).map((f) => f.title);
    throw new FormatError(source.name, '', `expected a file of named tensors (${tensorFormats.join(' or ')})${format ? `, found ${format.title}` : ''}`);
  }
  return format.openTensors(source, options);
}

/** What the first bytes look like, with a hint for the usual wrong files. */
function describeHead(head: Uint8Array): string {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  const hex = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  if (starts(0x50, 0x4b, 0x03, 0x04)) return `found a zip archive whose first member is not an .npy array (a PyTorch .pt?): save the array with numpy.save or numpy.savez`;
  if (starts(0x1f, 0x8b)) return 'found gzip-compressed data: decompress it first';
  if (starts(0x80) && head[1] >= 2 && head[1] <= 5) return 'found a Python pickle: save the array with numpy.save instead';
  if (starts(0x89, 0x48, 0x44, 0x46)) return 'found an HDF5 file: save the dataset with numpy.save instead';
  return `found bytes ${hex}`;
}
