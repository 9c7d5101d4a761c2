/** Types for scripts/make-bad-corpus.mjs (plain Node, no build step). */
export interface CorpusEntry {
  name: string;
  kind: 'embeddings' | 'jobspec';
  what: string;
  size: number;
  sparse?: true;
}
export declare const SPARSE_BYTES: number;
export declare function makeBadCorpus(dir: string, options?: { sparse?: boolean }): CorpusEntry[];
