/**
 * An ONNX model opened with Open… and waiting for its input (issue #17 part 3): what the data
 * panel asks for (a text when a tokenizer.json lies beside the model, else token ids), the
 * request it sends, and the progress line. Main validates the input (the ids' syntax, the
 * vocabulary, the model itself); the renderer only passes on what was typed.
 */
import type { CaptureModelRequest, ModelFileInfo } from '../../../src-shared/api/lab-api';

export interface ModelState {
  info: ModelFileInfo;
  /** what the user typed: a text, or token ids */
  input: string;
  /** the capture in flight (its ProgressEvents and cancelJob carry this id), or null */
  captureId: string | null;
  /** its progress, 0…1, or null before the first event */
  fraction: number | null;
  /** why the last capture failed, in words (naming the model), or null */
  error: string | null;
}

export function modelState(info: ModelFileInfo): ModelState {
  return { info, input: '', captureId: null, fraction: null, error: null };
}

/** What the model's input box takes: a text to tokenize, or token ids. */
export function modelInputKind(info: ModelFileInfo): 'text' | 'ids' {
  return info.model.tokenizer ? 'text' : 'ids';
}

/** The line under the model's name: what to type, and why. */
export function modelPrompt(info: ModelFileInfo): string {
  return info.model.tokenizer
    ? `ONNX model · type a text: the ${info.model.tokenizer} beside it makes it token ids`
    : `ONNX model · no tokenizer.json beside it: type token ids, separated by commas or spaces`;
}

export function modelPlaceholder(info: ModelFileInfo): string {
  return modelInputKind(info) === 'text' ? 'the text to run the model on' : 'e.g. 464, 2068, 7586';
}

/** The captureModel request for what was typed (the text as typed; ids as typed, parsed and checked in main). */
export function captureRequestOf(state: ModelState, captureId: string): CaptureModelRequest {
  const { info, input } = state;
  return modelInputKind(info) === 'text' ? { path: info.path, captureId, text: input } : { path: info.path, captureId, ids: input };
}

/** The progress track's percent (null while unknown) and words. */
export function captureProgress(state: ModelState): { percent: number | null; text: string } {
  const percent = state.fraction === null ? null : Math.round(state.fraction * 100);
  return { percent, text: percent === null ? 'Capturing…' : `Capturing ${percent}%` };
}
