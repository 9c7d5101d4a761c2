/**
 * The one surface between the renderer and the lab (cf. Netron's host, Electron Fiddle's
 * typed IPC). The preload implements it over IPC; the end-to-end tests implement it by
 * calling the real service in Node; no component knows which. Every operation is one
 * method with one request object; main validates each request (`requests.ts`) before the
 * service sees it.
 */
import type { JobSpec } from '../job/spec';
import type { AttentionResult } from '../job/problem';
import type { ExperimentName, ExperimentOptionsMap, ExperimentResultMap } from '../experiments';

export type { ExperimentName } from '../experiments';

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
  /**
   * A capture file (docs/semantics.md "Captures"): the layers it holds and the shape of its
   * first layer. JobSpecs name it as `capture: {path, layer}`; T, d and tokens are its key
   * positions, its heads × d_head and its metadata tokens.
   */
  capture?: CaptureInfo;
}

/** What the renderer knows of a capture file: enough for a layer picker and the shapes shown. */
export interface CaptureInfo {
  naming: 'transformer-lens' | 'generic';
  /** every layer the file holds, ascending */
  layers: number[];
  /** the layer the numbers below describe (the first) */
  layer: number;
  heads: number;
  /** query and key positions */
  Tq: number;
  Tk: number;
  dHead: number;
  dv: number;
  /** whether the layer holds the model's own pattern (modelDivergence, model vs re-scored) */
  pattern: boolean;
}

/**
 * An ONNX model the user opened (Open… on an .onnx): nothing is read yet. The app asks for a
 * text (when a `tokenizer.json` lies beside the model) or token ids, then `captureModel`
 * runs it and answers a capture SourceInfo (docs/semantics.md "Model captures").
 */
export interface ModelFileInfo {
  name: string;
  path: string;
  model: {
    /** the tokenizer.json beside the model (its name), which tokenizes a typed text; null: type token ids */
    tokenizer: string | null;
  };
}

/** Whether Open… answered a model to capture (rather than a loaded source). */
export function isModelFileInfo(x: SourceInfo | ModelFileInfo): x is ModelFileInfo {
  return 'model' in x && typeof x.model === 'object' && x.model !== null;
}

/**
 * Capture an opened model on one sequence: `text` (tokenized by the tokenizer.json beside it)
 * or `ids` as typed ("464, 2068 7586", checked in main). `captureId` names it in flight: its
 * ProgressEvents carry it as runId (stage 'capturing'), and cancelJob({ runId: captureId })
 * stops it. The capture becomes an app-owned .safetensors file, opened as a capture source.
 */
export interface CaptureModelRequest {
  path: string;
  captureId: string;
  text?: string;
  ids?: string;
}

/** The model's own attention pattern of one head of the capture a run read (LabApi.modelPattern). */
export interface ModelPatternReply {
  runId: string;
  /** the run's head (as the result shows it) and the model head it is */
  head: number;
  modelHead: number;
  layer: number;
  Tq: number;
  Tk: number;
  /** Tq × Tk, row-major: the model's weights of that head */
  weights: Float32Array;
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

/**
 * One experiment of SPEC §6 (src-shared/experiments), run by the engine. An experiment whose
 * module `needsJob` runs over `job` (required for it, refused for the others). Cancel with
 * cancelJob({runId}); progress arrives as ProgressEvents with the same runId.
 */
export interface ExperimentRequestOf<N extends ExperimentName> {
  runId: string;
  name: N;
  job?: JobSpec;
  options: ExperimentOptionsMap[N];
}
export type ExperimentRequest = { [N in ExperimentName]: ExperimentRequestOf<N> }[ExperimentName];

export interface ExperimentTiming {
  /** loading the JobSpec's files and resolving it */
  loadMs: number;
  /** the experiment's runs */
  computeMs: number;
  totalMs: number;
  /** engine runs the experiment made */
  runs: number;
}

/** An experiment's result; its arrays travel as typed arrays (structured clone). */
export type ExperimentReply = {
  [N in ExperimentName]: { runId: string; name: N; result: ExperimentResultMap[N]; backend: string; timing: ExperimentTiming };
}[ExperimentName];

/** The reply of one named experiment (ExperimentReplyOf<N> for a registered name N). */
export type ExperimentReplyOf<N extends ExperimentName> = Extract<ExperimentReply, { name: N }>;

/**
 * A zoomed tile of a finished run (fetchTile): rows [r0, r1) × columns [c0, c1) of one
 * head, half-open, each side at most 512 (TILE_MAX_SIDE in requests.ts).
 */
export interface TileRequest {
  runId: string;
  head: number;
  rows: [number, number];
  cols: [number, number];
}

/** The tile at full resolution, computed by the engine for those rows only. */
export interface TileReply {
  runId: string;
  head: number;
  rows: [number, number];
  cols: [number, number];
  /** (r1 − r0) × (c1 − c0), row-major; blocked pairs are 0 */
  weights: Float32Array;
  /** same shape; blocked pairs are −Infinity */
  scores: Float32Array;
  /** which backend computed it (as RunReply.backend) */
  backend: string;
  computeMs: number;
}

export interface ProgressEvent {
  runId: string;
  fraction: number;
  /** 'exporting': an export's drawing and writing (its runId is the request's exportId); 'capturing': a model capture (its captureId) */
  stage: 'loading' | 'computing' | 'exporting' | 'capturing';
}

export type ImageFormat = 'png' | 'svg';
export type DataFormat = 'csv' | 'npy' | 'json';

/** How a heatmap is drawn; shared by the app's charts and every export. */
export interface HeatmapView {
  /** which matrix: the weights, the scores, or (compare) B − A */
  matrix: 'weights' | 'scores';
  colormap: string;
  /** 'rowmax': each query row divided by its largest weight (a long causal map's rows, each visible) */
  scale: 'linear' | 'log' | 'rowmax';
  /** focused head */
  head: number;
}

export type ExportPicture = { kind: 'head' } | { kind: 'grid' } | { kind: 'region'; rows: [number, number]; cols: [number, number] };

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
  /**
   * What a PNG or SVG shows: the view's head (the default), every head as a grid on one colour
   * scale, or a region of the view's head recomputed at full resolution (as fetchTile: rows
   * [r0, r1) × columns [c0, c1), at most TILE_MAX_SIDE a side). CSV, NPY and JSON write the run.
   */
  picture?: ExportPicture;
  /**
   * Names this export in flight: its ProgressEvents carry it as runId (stage 'exporting'), and
   * cancelJob({ runId: exportId }) stops it (the written file is then never created).
   */
  exportId?: string;
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

/** Files of a session, loaded: their sources, and a sentence per file that is not as it was saved. */
export interface SessionFiles {
  sources: SourceInfo[];
  /** one sentence per file that is not as it was saved, naming the file */
  warnings: string[];
}

/** A session as main recovered it from the autosave; `warnings` as for an opened session. */
export interface RecoveredSession extends SessionFiles {
  session: SessionDoc;
  /**
   * Files the session names outside its own folder (links resolved): not read. A session
   * names files, it does not grant them: the user is asked, and `grantSessionFiles` reads
   * the ones confirmed.
   */
  outside: string[];
}

/** A session as main opened it: its file, its JobSpec and view, the files it names, loaded. */
export interface OpenedSession extends RecoveredSession {
  path: string;
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
  /**
   * Open an embedding or capture file, or an ONNX model; without a path, main shows the Open
   * dialog (null if cancelled). A model answers a ModelFileInfo: capture it with captureModel.
   */
  openEmbeddings(req: { path?: string; part?: string }): Promise<SourceInfo | ModelFileInfo | null>;
  /** Capture a model Open… answered (in a worker thread; cancellable): its capture as a source. */
  captureModel(req: CaptureModelRequest): Promise<SourceInfo>;
  lookupSentence(req: { sourceId: string; sentence: string }): Promise<SentenceLookup>;
  /** Run a JobSpec. A newer run with the same `channel` cancels the older one. */
  runJob(req: { runId: string; job: JobSpec; channel?: string }): Promise<RunReply>;
  cancelJob(req: { runId: string }): Promise<void>;
  /**
   * Full-resolution weights and scores of a zoomed tile of a finished run (≤ 512 × 512):
   * the engine recomputes just those query rows against every key, so a T = 16384 run
   * (which keeps only pooled overviews) can still show exact weights up close.
   */
  fetchTile(req: TileRequest): Promise<TileReply>;
  /**
   * The model's own pattern of one head of a finished run that read a capture holding it
   * (one head only: the compare view's A when the user compares the model with the lab).
   */
  modelPattern(req: { runId: string; head: number }): Promise<ModelPatternReply>;
  /** Run one experiment of SPEC §6 on the engine; cancellable by cancelJob({runId}). */
  runExperiment<N extends ExperimentName>(req: ExperimentRequestOf<N>): Promise<ExperimentReplyOf<N>>;
  onProgress(listener: (e: ProgressEvent) => void): () => void;
  /** Export a finished run; returns the written path, or null if the dialog was cancelled. */
  exportRun(req: ExportRequest): Promise<string | null>;
  saveSession(req: { session: Omit<SessionDoc, 'format' | 'version' | 'files' | 'savedAt'>; path?: string; saveAs?: boolean; embedData?: boolean }): Promise<string | null>;
  /**
   * Open a `.qklab` file (without a path, main shows the Open dialog; null if cancelled).
   * `warnings`: one readable sentence per file that is not as it was saved (its sha256
   * changed, it is gone and the embedded copy is used, it cannot be read), naming the file.
   */
  openSession(req: { path?: string }): Promise<OpenedSession | null>;
  /** Read files the session opened (or recovered) last lists in `outside`, once the user confirmed them; other paths are refused. */
  grantSessionFiles(req: { paths: string[] }): Promise<SessionFiles>;
  /** Store the current state for crash recovery (cheap; called on every change, debounced). */
  autosave(req: { session: Omit<SessionDoc, 'format' | 'version' | 'files' | 'savedAt'> }): Promise<void>;
  /** The autosaved session left by a run that did not exit cleanly, if any. */
  recoverSession(): Promise<RecoveredSession | null>;
  recentFiles(): Promise<string[]>;
  appInfo(): Promise<{ version: string; backend: string; workers: number }>;
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
  /** The path of a file dropped on the window (Electron: webUtils.getPathForFile), or null. */
  pathForFile(file: File): string | null;
}
