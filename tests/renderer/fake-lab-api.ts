/**
 * A fake LabApi for the renderer's unit tests ONLY: runs resolve when the test says so,
 * and every call is recorded. The app itself never sees this file.
 */
import type {
  CaptureModelRequest,
  ExperimentName,
  ExperimentReplyOf,
  ExperimentRequest,
  ExperimentRequestOf,
  LabApi,
  MenuCommand,
  ModelFileInfo,
  ModelPatternReply,
  OpenedSession,
  ProgressEvent,
  RecoveredSession,
  RunReply,
  SessionDoc,
  SessionFiles,
  SourceInfo,
  TileReply,
  TileRequest,
} from '../../src-shared/api/lab-api';
import type { AttentionResult } from '../../src-shared/job/problem';
import type { JobSpec } from '../../src-shared/job/spec';

export interface PendingRun {
  runId: string;
  job: JobSpec;
  channel?: string;
  resolve(reply: RunReply): void;
  reject(error: unknown): void;
}

/** A tiny 1-head result with the given weights (rows × cols). */
export function resultOf(weights: number[][], heads = 1): AttentionResult {
  const Tq = weights.length;
  const Tk = weights[0].length;
  const flat = new Float32Array(heads * Tq * Tk);
  for (let h = 0; h < heads; h++) for (let i = 0; i < Tq; i++) for (let j = 0; j < Tk; j++) flat[(h * Tq + i) * Tk + j] = weights[i][j];
  const entropy = new Float32Array(heads * Tq);
  const visible = new Int32Array(heads * Tq).fill(Tk);
  for (let h = 0; h < heads; h++)
    for (let i = 0; i < Tq; i++) {
      let H = 0;
      for (const w of weights[i]) if (w > 0) H -= w * Math.log(w);
      entropy[h * Tq + i] = H;
    }
  return {
    heads,
    Tq,
    Tk,
    dv: 2,
    weights: flat,
    scores: Float32Array.from(flat, (w) => (w > 0 ? Math.log(w) : -Infinity)),
    entropy,
    normEntropy: entropy.map((H) => H / Math.log(Tk)),
    effective: entropy.map((H) => Math.exp(H)),
    visible,
    argmax: new Int32Array(heads * Tq),
    maxWeight: new Float32Array(heads * Tq),
    emptyRows: Array.from({ length: heads }, () => []),
    meanEntropy: Array.from({ length: heads }, (_, h) => entropy.slice(h * Tq, (h + 1) * Tq).reduce((a, b) => a + b, 0) / Tq),
    maxEntropy: Math.log(Tk),
  };
}

export function replyOf(runId: string, result: AttentionResult): RunReply {
  return {
    runId,
    result,
    tokens: { queries: Array.from({ length: result.Tq }, (_, i) => `q${i}`), keys: Array.from({ length: result.Tk }, (_, j) => `k${j}`) },
    backend: 'fake',
    timing: { loadMs: 0, computeMs: 1, totalMs: 1, tiles: 1 },
  };
}

export function sourceInfo(over: Partial<SourceInfo> = {}): SourceInfo {
  return {
    id: 'src-1',
    name: 'emb.npy',
    path: '/data/emb.npy',
    format: 'npy',
    dtype: 'float32',
    shape: [4, 8],
    T: 4,
    d: 8,
    tokens: ['a', 'b', 'c', 'd'],
    vocabulary: false,
    sha256: '0'.repeat(64),
    ...over,
  };
}

export class FakeLabApi implements LabApi {
  runs: PendingRun[] = [];
  cancelled: string[] = [];
  autosaves: unknown[] = [];
  saved: unknown[] = [];
  exports: unknown[] = [];
  openResult: SourceInfo | ModelFileInfo | null | Error = sourceInfo();
  /** what recoverSession / openSession answer (`warnings` default to none) */
  recovery: { session: SessionDoc; sources: SourceInfo[]; warnings?: string[]; outside?: string[] } | null = null;
  sessionToOpen: { path: string; session: SessionDoc; sources: SourceInfo[]; warnings?: string[]; outside?: string[] } | null = null;
  /** paths grantSessionFiles was asked for, and what it answers */
  granted: string[] = [];
  grantedFiles: SessionFiles = { sources: [], warnings: [] };
  progressListeners = new Set<(e: ProgressEvent) => void>();
  menuListeners = new Set<(c: MenuCommand) => void>();
  /** answer every run at once with this result (null: leave runs pending) */
  autoReply: AttentionResult | null = null;

  async openEmbeddings(_req: { path?: string; part?: string }): Promise<SourceInfo | ModelFileInfo | null> {
    if (this.openResult instanceof Error) throw this.openResult;
    return this.openResult;
  }
  /** every captureModel request; each waits for the test (resolve / reject), or is rejected by cancelJob with its captureId */
  captures: (CaptureModelRequest & { resolve: (s: SourceInfo) => void; reject: (e: Error) => void })[] = [];
  captureModel(req: CaptureModelRequest): Promise<SourceInfo> {
    return new Promise<SourceInfo>((resolve, reject) => this.captures.push({ ...req, resolve, reject }));
  }
  async lookupSentence(req: { sourceId: string; sentence: string }) {
    const words = req.sentence.split(/\s+/).filter(Boolean);
    const known = words.filter((w) => w !== 'zzz');
    return { indices: known.map((_, i) => i), tokens: known, outOfVocabulary: words.filter((w) => w === 'zzz') };
  }
  runJob(req: { runId: string; job: JobSpec; channel?: string }): Promise<RunReply> {
    return new Promise<RunReply>((resolve, reject) => {
      this.runs.push({ ...req, resolve, reject });
      if (this.autoReply) resolve(replyOf(req.runId, this.autoReply));
    });
  }
  /** every runExperiment request, in order */
  experiments: ExperimentRequest[] = [];
  /** answers runExperiment (unset: the call rejects) */
  experimentHandler: ((req: ExperimentRequest) => unknown) | null = null;
  async runExperiment<N extends ExperimentName>(req: ExperimentRequestOf<N>): Promise<ExperimentReplyOf<N>> {
    this.experiments.push(req as ExperimentRequest);
    if (!this.experimentHandler) throw new Error('FakeLabApi: no experimentHandler set');
    return (await this.experimentHandler(req as ExperimentRequest)) as ExperimentReplyOf<N>;
  }
  async cancelJob(req: { runId: string }) {
    this.cancelled.push(req.runId);
    const run = this.runs.find((r) => r.runId === req.runId);
    run?.reject(new Error('the run was cancelled'));
    this.captures.find((c) => c.captureId === req.runId)?.reject(new Error('the job was cancelled'));
  }
  /** every fetchTile request; answers with zeros of the asked size (the engine's side is tested in tests/service) */
  tiles: TileRequest[] = [];
  async fetchTile(req: TileRequest): Promise<TileReply> {
    this.tiles.push(req);
    const n = (req.rows[1] - req.rows[0]) * (req.cols[1] - req.cols[0]);
    return { ...req, weights: new Float32Array(n), scores: new Float32Array(n), backend: 'fake', computeMs: 0 };
  }
  /** every modelPattern request, and what it answers (unset: the call rejects) */
  patterns: { runId: string; head: number }[] = [];
  patternReply: ((req: { runId: string; head: number }) => ModelPatternReply) | null = null;
  async modelPattern(req: { runId: string; head: number }): Promise<ModelPatternReply> {
    this.patterns.push(req);
    if (!this.patternReply) throw new Error('FakeLabApi: no patternReply set');
    return this.patternReply(req);
  }
  onProgress(listener: (e: ProgressEvent) => void) {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }
  emitProgress(e: ProgressEvent) {
    for (const l of this.progressListeners) l(e);
  }
  async exportRun(req: unknown) {
    this.exports.push(req);
    return '/out/heatmap.png';
  }
  async saveSession(req: unknown) {
    this.saved.push(req);
    return '/out/session.qklab';
  }
  async openSession(_req: { path?: string }): Promise<OpenedSession | null> {
    return this.sessionToOpen ? { warnings: [], outside: [], ...this.sessionToOpen } : null;
  }
  async grantSessionFiles(req: { paths: string[] }): Promise<SessionFiles> {
    this.granted.push(...req.paths);
    return this.grantedFiles;
  }
  async autosave(req: unknown) {
    this.autosaves.push(req);
  }
  async recoverSession(): Promise<RecoveredSession | null> {
    return this.recovery ? { warnings: [], outside: [], ...this.recovery } : null;
  }
  async recentFiles() {
    return [];
  }
  async appInfo() {
    return { version: 'test', backend: 'fake', workers: 1 };
  }
  onMenuCommand(listener: (c: MenuCommand) => void) {
    this.menuListeners.add(listener);
    return () => this.menuListeners.delete(listener);
  }
  pathForFile(file: File) {
    return `/dropped/${file.name}`;
  }
}

/** A FakeLabApi whose fetchTile answers only when the test says so (`waiting[k].answer()`): a tile on its way. */
export class SlowTiles extends FakeLabApi {
  waiting: { req: TileRequest; answer: () => void }[] = [];
  override fetchTile(req: TileRequest): Promise<TileReply> {
    this.tiles.push(req);
    return new Promise((resolve) => {
      const n = (req.rows[1] - req.rows[0]) * (req.cols[1] - req.cols[0]);
      this.waiting.push({ req, answer: () => resolve({ ...req, weights: new Float32Array(n), scores: new Float32Array(n), backend: 'fake', computeMs: 0 }) });
    });
  }
}
