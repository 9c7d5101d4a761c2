/**
 * The one surface between the renderer and the lab (cf. Netron's host, Electron Fiddle's
 * typed IPC). The preload implements it over IPC; the end-to-end tests implement it by
 * calling the real service in Node; no component knows which. Every operation is one
 * method with one request object; main validates each request (`requests.ts`) before the
 * service sees it.
 */
import type { JobSpec } from '../job/spec';
import type { AttentionResult } from '../job/problem';

/** A loaded embedding file, as the renderer sees it (the vectors stay in main). */
export interface SourceInfo {
  /** stable id for this load, used in JobSpecs as {"path": <path>} and in lookups */
  id: string;
  name: string;
  path: string;
  format: string;
  dtype: string;
  shape: number[];
  T: number;
  d: number;
  /** all tokens when T ≤ 4096, else null (a vocabulary: pick tokens with lookupSentence) */
  tokens: string[] | null;
  /** true for large vocabulary files (GloVe, word2vec): the UI offers a sentence box */
  vocabulary: boolean;
  parts?: string[];
  part?: string;
  sha256: string;
}

export interface SentenceLookup {
  indices: number[];
  tokens: string[];
  outOfVocabulary: string[];
}

export interface RunTimingInfo {
  loadMs: number;
  computeMs: number;
  totalMs: number;
  tiles: number;
}

/** A finished job: the result arrays travel as typed arrays (structured clone / transfer). */
export interface RunReply {
  runId: string;
  result: AttentionResult;
  tokens: { queries: string[] | null; keys: string[] | null };
  backend: string;
  timing: RunTimingInfo;
}

export interface ProgressEvent {
  runId: string;
  fraction: number;
  stage: 'loading' | 'computing';
}

export type ImageFormat = 'png' | 'svg';
export type DataFormat = 'csv' | 'npy' | 'json';

/** How a heatmap is drawn; shared by the app's charts and every export. */
export interface HeatmapView {
  /** which matrix: the weights, the scores, or (compare) B − A */
  matrix: 'weights' | 'scores';
  colormap: string;
  scale: 'linear' | 'log';
  /** focused head */
  head: number;
}

export interface ExportRequest {
  runId: string;
  format: ImageFormat | DataFormat;
  /** PNG pixel ratio: 1, 2 or 4 */
  scale?: number;
  view?: HeatmapView;
  /** a path the user chose in a save dialog; omitted → main shows the dialog */
  path?: string;
  /** caption: the configuration in words (e.g. "cosine τ=0.5 · causal · softmax") */
  caption?: string;
}

/** A `.qklab` session file. */
export interface SessionDoc {
  format: 'qklab-session';
  version: 1;
  job: JobSpec;
  view: Record<string, unknown>;
  /** every file the JobSpec names, with its sha256 when saved */
  files: { path: string; sha256: string }[];
  /** when the user chose to embed the data: path → inline vectors */
  embedded?: Record<string, { tokens: string[] | null; vectors: number[][] }>;
  savedAt: string;
}

/** What the native menu (or a keyboard shortcut handled in main) asks the renderer to do. */
export type MenuCommand =
  | { type: 'open-embeddings' }
  | { type: 'open-session' }
  | { type: 'open-recent'; path: string }
  | { type: 'save-session' }
  | { type: 'save-session-as' }
  | { type: 'export'; format: ImageFormat | DataFormat; scale?: number }
  | { type: 'toggle-theme' }
  | { type: 'about' }
  | { type: 'metrics-reference' };

export interface LabApi {
  /** Open an embedding file; without a path, main shows the Open dialog (null if cancelled). */
  openEmbeddings(req: { path?: string; part?: string }): Promise<SourceInfo | null>;
  lookupSentence(req: { sourceId: string; sentence: string }): Promise<SentenceLookup>;
  /** Run a JobSpec. A newer run with the same `channel` cancels the older one. */
  runJob(req: { runId: string; job: JobSpec; channel?: string }): Promise<RunReply>;
  cancelJob(req: { runId: string }): Promise<void>;
  onProgress(listener: (e: ProgressEvent) => void): () => void;
  /** Export a finished run; returns the written path, or null if the dialog was cancelled. */
  exportRun(req: ExportRequest): Promise<string | null>;
  saveSession(req: { session: Omit<SessionDoc, 'format' | 'version' | 'files' | 'savedAt'>; path?: string; saveAs?: boolean; embedData?: boolean }): Promise<string | null>;
  openSession(req: { path?: string }): Promise<{ path: string; session: SessionDoc; sources: SourceInfo[] } | null>;
  /** Store the current state for crash recovery (cheap; called on every change, debounced). */
  autosave(req: { session: Omit<SessionDoc, 'format' | 'version' | 'files' | 'savedAt'> }): Promise<void>;
  /** The autosaved session left by a run that did not exit cleanly, if any. */
  recoverSession(): Promise<{ session: SessionDoc; sources: SourceInfo[] } | null>;
  recentFiles(): Promise<string[]>;
  appInfo(): Promise<{ version: string; backend: string; workers: number }>;
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
  /** The path of a file dropped on the window (Electron: webUtils.getPathForFile), or null. */
  pathForFile(file: File): string | null;
}
