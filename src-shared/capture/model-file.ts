/**
 * An ONNX model opened in the app (issue #17 part 3): which files are models (the Open
 * dialog's filter and the Open flow read MODEL_EXTENSIONS), and the token ids a user types
 * for a model with no tokenizer.json beside it. Pure: main validates the typed ids with
 * `parseIdsText` (the renderer never decides what a valid id is).
 */

/** the extensions the Open dialog offers as models: opening one asks for a text or ids, then captures it */
export const MODEL_EXTENSIONS: readonly string[] = ['onnx'];

/** the most ids one capture feeds (the CLI takes more; a typed list of this many is already a long document) */
export const MAX_TYPED_IDS = 16_384;

/** Whether a path names a model the Open flow captures (by its extension). */
export function isModelPath(path: string): boolean {
  const dot = path.lastIndexOf('.');
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return dot > slash && MODEL_EXTENSIONS.includes(path.slice(dot + 1).toLowerCase());
}

/** Typed ids that are not a list of whole numbers; the message names the entry, never more than 24 of its characters. */
export class IdsTextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdsTextError';
  }
}

function shown(entry: string): string {
  return JSON.stringify(entry.length > 24 ? `${entry.slice(0, 24)}…` : entry);
}

/**
 * "3, 14 15,9" → [3, 14, 15, 9]: whole numbers ≥ 0 separated by commas and/or white space.
 * Anything else (an empty list, a sign, a decimal point, a letter, two commas in a row, more
 * than MAX_TYPED_IDS ids) is an IdsTextError naming the entry and its position.
 */
export function parseIdsText(text: string): number[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new IdsTextError('no token ids: type whole numbers separated by commas or spaces, e.g. 464, 2068, 7586');
  const parts = trimmed.split(/\s*,\s*|\s+/);
  if (parts.length > MAX_TYPED_IDS) throw new IdsTextError(`${parts.length} token ids: at most ${MAX_TYPED_IDS} are captured at once`);
  return parts.map((p, i) => {
    if (p === '') throw new IdsTextError(`token id ${i} is empty (two commas in a row?)`);
    const value = Number(p);
    if (!/^\d+$/.test(p) || !Number.isSafeInteger(value)) throw new IdsTextError(`token id ${i} is ${shown(p)}: expected a whole number ≥ 0`);
    return value;
  });
}
