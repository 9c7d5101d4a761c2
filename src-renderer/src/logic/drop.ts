/** Files dropped on the window: sessions (.qklab) open as sessions, anything else as embeddings. */

export type DropKind = 'session' | 'embeddings';

export function dropKind(name: string): DropKind {
  return /\.qklab$/i.test(name) ? 'session' : 'embeddings';
}
