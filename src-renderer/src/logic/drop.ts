/** Files dropped on the window: sessions (.qklab) open as sessions, anything else through Open… (embeddings, captures, an .onnx model to capture). */

export type DropKind = 'session' | 'embeddings';

export function dropKind(name: string): DropKind {
  return /\.qklab$/i.test(name) ? 'session' : 'embeddings';
}
