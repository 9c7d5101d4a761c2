/**
 * The lab's operations, written against the engine (a Backend) and the file system, with
 * no Electron import. The IPC handlers (src-main/electron/ipc.ts) and the end-to-end
 * harness (tests/e2e/harness.ts) are thin adapters over this class; what differs between
 * hosts (native dialogs, where app data lives) comes in through `Host`.
 *
 * Requests reaching these methods have passed the schemas of src-shared/api/requests.ts;
 * the service still re-checks what it relies on (JobSpecs, paths), because it is also
 * called directly by tests.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import type {
  ExperimentReply,
  ExperimentReplyOf,
  ExperimentRequest,
  ExperimentRequestOf,
  ExportRequest,
  ProgressEvent,
  RunReply,
  SentenceLookup,
  SessionDoc,
  SourceInfo,
  TileReply,
  TileRequest,
} from '../../src-shared/api/lab-api';
import type { OpenSessionReply, RecoverSessionReply, RequestOf } from '../../src-shared/api/requests';
import type { LoadedEmbeddings } from '../../src-shared/formats/types';
import { lookupSentence } from '../../src-shared/formats/sentence';
import type { AttentionProblem, AttentionResult } from '../../src-shared/job/problem';
import { fileRefs, resolveJob, type FileRef } from '../../src-shared/job/resolve';
import { JobSpecError, parseJobSpec, type JobSpec, type SourceSpec } from '../../src-shared/job/spec';
import { CancelledError, type Backend } from '../engine/backend';
import { portableResult } from '../engine/marshal';
import {
  EXPERIMENT_NAMES,
  runExperiment as runExperimentByName,
  type CompareMetricsResult,
  type ExperimentContext,
  type ExperimentInput,
  type ExperimentName,
} from '../../src-shared/experiments';
import { PathAllowList, PathNotAllowedError } from './paths';
import { readJsonQuietly, readSessionFile, sessionText, writeFileAtomic } from './session-file';
import { FileCache, inlineFromLoaded, loadedFromInline, sourceInfo } from './sources';
import type { StoredRun } from './lab-service-export';
import { fetchTileOf } from './lab-service-tile';
// exports are drawn in a worker thread (ECharts + resvg take seconds at 4×; the main process must keep answering)
import { Exporter } from './lab-service-exporter';

/** What differs between hosts: Electron shows native dialogs, the e2e harness returns paths the test set. */
export interface Host {
  /** the path the user chose to open, or null if cancelled */
  chooseOpenPath(kind: 'embeddings' | 'session'): Promise<string | null>;
  /** the path the user chose to save to, or null if cancelled */
  chooseSavePath(kind: SaveKind, defaultName: string): Promise<string | null>;
  /** where the app keeps autosave, recent files and window state */
  readonly userDataDir: string;
}

export type SaveKind = 'session' | ExportRequest['format'];

export interface LabServiceOptions {
  host: Host;
  backend: Backend;
  /** the app's version, for appInfo */
  version?: string;
  onProgress?: (e: ProgressEvent) => void;
  /** the recent list changed (the Electron menu rebuilds its Recent Files submenu) */
  onRecentChanged?: (paths: string[]) => void;
  /** finished runs kept for export (default 8) */
  keepResults?: number;
  /** loaded files kept (default 8) */
  cachedFiles?: number;
}

export const AUTOSAVE_FILE = 'autosave.qklab';
export const CLEAN_EXIT_FILE = 'clean-exit';
export const RECENT_FILE = 'recent.json';
export const MAX_RECENT = 10;

interface ActiveRun {
  runId: string;
  channel?: string;
  controller: AbortController;
}

type SessionBody = RequestOf<'saveSession'>['session'];

/** Every path a JobSpec names, rewritten through `map` (used to make a session's relative paths absolute). */
export function mapJobPaths(job: JobSpec, map: (path: string) => string): JobSpec {
  const out: JobSpec = structuredClone(job);
  for (const role of ['embeddings', 'queries', 'keys', 'values'] as const) {
    const s = out[role] as SourceSpec | undefined;
    if (s && 'path' in s) s.path = map(s.path);
  }
  if (out.projection?.id === 'file') {
    for (const r of ['q', 'k', 'v'] as const) if (out.projection[r]) out.projection[r] = map(out.projection[r]!);
  }
  if (out.metric && typeof out.metric.path === 'string') out.metric.path = map(out.metric.path);
  out.mask?.forEach((m) => {
    if (typeof m.path === 'string') m.path = map(m.path);
  });
  return out;
}

function cancelled(message: string): CancelledError {
  return new CancelledError(message);
}

/** A plain (non-shared) copy of a result, so it can cross IPC or be structured-cloned anywhere. */
export function unshareResult(r: AttentionResult): AttentionResult {
  return portableResult(r);
}

export class LabService {
  readonly allow = new PathAllowList();
  private readonly host: Host;
  private readonly backend: Backend;
  private readonly files: FileCache;
  private readonly sources = new Map<string, { info: SourceInfo; loaded: LoadedEmbeddings }>();
  private readonly runs = new Map<string, ActiveRun>();
  private readonly channels = new Map<string, ActiveRun>();
  private readonly results = new Map<string, StoredRun>();
  private readonly exporter = new Exporter();
  private readonly keepResults: number;
  private recent: string[] = [];
  private nextSource = 1;
  /** folder relative paths in JobSpecs resolve against: the last opened session's */
  private baseDir: string | null = null;
  /** the session file Save Session writes to without asking */
  private sessionPath: string | null = null;
  private recoverable = false;
  private autosaveChain: Promise<void> = Promise.resolve();
  private started = false;
  private closed = false;

  constructor(private readonly options: LabServiceOptions) {
    this.host = options.host;
    this.backend = options.backend;
    this.files = new FileCache(options.cachedFiles ?? 8);
    this.keepResults = Math.max(1, options.keepResults ?? 8);
  }

  /** Create and start: reads the recent list and whether the last run exited cleanly. */
  static async create(options: LabServiceOptions): Promise<LabService> {
    const service = new LabService(options);
    await service.start();
    return service;
  }

  get userDataDir(): string {
    return this.host.userDataDir;
  }

  private dataPath(name: string): string {
    return join(this.host.userDataDir, name);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await mkdir(this.host.userDataDir, { recursive: true });
    const hadAutosave = await exists(this.dataPath(AUTOSAVE_FILE));
    const cleanExit = await exists(this.dataPath(CLEAN_EXIT_FILE));
    // an autosave without a clean-exit marker means the last run crashed or was killed
    this.recoverable = hadAutosave && !cleanExit;
    await rm(this.dataPath(CLEAN_EXIT_FILE), { force: true });
    const list = await readJsonQuietly(this.dataPath(RECENT_FILE));
    this.recent = Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string' && isAbsolute(p) && !p.includes('\0')).slice(0, MAX_RECENT) : [];
    for (const p of this.recent) this.allow.allow(p, 'read', 'recent');
  }

  /** Stop every run, finish the pending autosave and leave the clean-exit marker. The backend is the caller's to close. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const run of this.runs.values()) run.controller.abort(cancelled('the app is closing'));
    await this.autosaveChain.catch(() => {});
    await this.exporter.close();
    await writeFileAtomic(this.dataPath(CLEAN_EXIT_FILE), new Date().toISOString() + '\n');
  }

  // ── sources ─────────────────────────────────────────────────────────────────────────

  /** Allow reading a file the user dropped on the window (the preload's pathForFile reports it). */
  async grantDroppedPath(req: { path: string }): Promise<void> {
    this.allow.allow(req.path, 'read', 'drop');
  }

  async openEmbeddings(req: { path?: string; part?: string }): Promise<SourceInfo | null> {
    let path: string;
    if (req.path !== undefined) {
      path = this.allow.check(req.path, 'read');
    } else {
      const chosen = await this.host.chooseOpenPath('embeddings');
      if (!chosen) return null;
      path = this.allow.allow(chosen, 'read', 'dialog');
    }
    const info = await this.openSource(path, req.part);
    await this.addRecent(path);
    return info;
  }

  private register(path: string, loaded: LoadedEmbeddings, sha256: string): SourceInfo {
    const id = `src-${this.nextSource++}`;
    const info = sourceInfo(id, path, loaded, sha256);
    this.sources.set(id, { info, loaded });
    return info;
  }

  private async openSource(path: string, part?: string): Promise<SourceInfo> {
    // hash while loading; a file that fails to load stops its hash (a bad 3 GB file would hash on for seconds)
    const hashing = new AbortController();
    const sha = this.files.sha256(path, hashing.signal).catch(() => '');
    let opened: Awaited<ReturnType<FileCache['load']>>;
    try {
      opened = await this.files.load(path, part);
    } catch (e) {
      hashing.abort();
      throw e;
    }
    return this.register(path, opened.loaded, opened.embedded ? '' : await sha);
  }

  async lookupSentence(req: { sourceId: string; sentence: string }): Promise<SentenceLookup> {
    const source = this.sources.get(req.sourceId);
    if (!source) throw new Error(`unknown source "${req.sourceId}": open the file again`);
    const found = lookupSentence(source.loaded.embeddings, req.sentence);
    return { indices: [...found.indices], tokens: [...found.tokens], outOfVocabulary: [...found.outOfVocabulary] };
  }

  // ── jobs ────────────────────────────────────────────────────────────────────────────

  /** An absolute, allowed path for a path a JobSpec names; JobSpecError naming the field otherwise. */
  private jobPath(ref: Pick<FileRef, 'path' | 'field'>): string {
    let path = ref.path;
    if (!isAbsolute(path)) {
      if (!this.baseDir) throw new JobSpecError(ref.field, `"${path}" is a relative path, and no session folder to resolve it against is open`);
      path = resolvePath(this.baseDir, path);
    }
    if (!this.allow.allows(path, 'read')) throw new JobSpecError(ref.field, new PathNotAllowedError(path, 'read').message);
    return path;
  }

  /** Every file a JobSpec names, loaded (through the cache) from allowed paths. */
  private async loadJobFiles(spec: JobSpec, signal: AbortSignal, onProgress: (fraction: number) => void): Promise<Map<string, LoadedEmbeddings>> {
    const refs = fileRefs(spec);
    const table = new Map<string, LoadedEmbeddings>();
    for (let n = 0; n < refs.length; n++) {
      const ref = refs[n];
      if (table.has(ref.key)) continue;
      const path = this.jobPath(ref);
      const { loaded } = await this.files.load(path, ref.part, { signal, onProgress: (f) => onProgress((n + f) / refs.length) });
      table.set(ref.key, loaded);
    }
    if (signal.aborted) throw signal.reason;
    return table;
  }

  async runJob(req: { runId: string; job: unknown; channel?: string }): Promise<RunReply> {
    if (this.closed) throw new Error('the lab is shutting down');
    const spec = parseJobSpec(req.job);
    if (this.runs.has(req.runId)) throw new Error(`a run with id "${req.runId}" is already running`);
    const run: ActiveRun = { runId: req.runId, channel: req.channel, controller: new AbortController() };
    const { signal } = run.controller;
    if (req.channel !== undefined) {
      const older = this.channels.get(req.channel);
      older?.controller.abort(cancelled(`the run was cancelled: a newer run on channel "${req.channel}" replaced it`));
      this.channels.set(req.channel, run);
    }
    this.runs.set(req.runId, run);
    const emit = (stage: ProgressEvent['stage'], fraction: number) => {
      if (!signal.aborted) this.options.onProgress?.({ runId: req.runId, stage, fraction: Math.min(1, Math.max(0, fraction)) });
    };
    const t0 = performance.now();
    try {
      emit('loading', 0);
      const table = await this.loadJobFiles(spec, signal, (f) => emit('loading', f));
      const problem = resolveJob(spec, table);
      const loadMs = performance.now() - t0;
      emit('computing', 0);
      const result = await this.backend.run(problem, { signal, onProgress: (p) => emit('computing', p.fraction) });
      if (signal.aborted) {
        // cancelled as it finished: nobody will read it
        this.backend.release(result);
        throw signal.reason;
      }
      this.keep(req.runId, { result, tokens: problem.tokens, spec });
      this.keepProblem(req.runId, problem);
      return {
        runId: req.runId,
        result: unshareResult(result),
        tokens: { queries: problem.tokens.queries ? [...problem.tokens.queries] : null, keys: problem.tokens.keys ? [...problem.tokens.keys] : null },
        backend: result.backend,
        timing: { loadMs, computeMs: result.timing.totalMs, totalMs: performance.now() - t0, tiles: result.timing.tiles },
      };
    } catch (err) {
      if (signal.aborted) {
        const reason = signal.reason;
        throw reason instanceof Error && reason.name === 'AbortError' ? reason : cancelled('the job was cancelled');
      }
      throw err;
    } finally {
      this.runs.delete(req.runId);
      if (req.channel !== undefined && this.channels.get(req.channel) === run) this.channels.delete(req.channel);
    }
  }

  /**
   * One experiment of SPEC §6 (src-shared/experiments) on the engine. Cancellable like a
   * run (cancelJob with the same runId); progress arrives as the same ProgressEvents,
   * 'computing' counting the experiment's engine runs.
   */
  async runExperiment<N extends ExperimentName>(request: ExperimentRequestOf<N>): Promise<ExperimentReplyOf<N>> {
    const req = request as ExperimentRequest;
    if (this.closed) throw new Error('the lab is shutting down');
    if (!(EXPERIMENT_NAMES as readonly string[]).includes(req.name)) throw new Error(`unknown experiment "${String(req.name)}"`);
    const spec = req.name === 'scaling' ? null : parseJobSpec(req.job === undefined ? missingJob(req.name) : req.job);
    if (this.runs.has(req.runId)) throw new Error(`a run with id "${req.runId}" is already running`);
    const run: ActiveRun = { runId: req.runId, controller: new AbortController() };
    const { signal } = run.controller;
    this.runs.set(req.runId, run);
    const emit = (stage: ProgressEvent['stage'], fraction: number) => {
      if (!signal.aborted) this.options.onProgress?.({ runId: req.runId, stage, fraction: Math.min(1, Math.max(0, fraction)) });
    };
    const t0 = performance.now();
    let runs = 0;
    let backend = this.backend.id;
    try {
      let input: ExperimentInput | null = null;
      if (spec) {
        emit('loading', 0);
        input = { spec, files: await this.loadJobFiles(spec, signal, (f) => emit('loading', f)) };
      }
      const loadMs = performance.now() - t0;
      emit('computing', 0);
      const ctx: ExperimentContext = {
        signal,
        onProgress: (f) => emit('computing', f),
        run: async (problem, s) => {
          runs++;
          const result = await this.backend.run(problem, { signal: s ?? signal });
          backend = result.backend;
          return result;
        },
      };
      const result = await runExperimentByName(ctx, req.name, input, req.options as never);
      if (signal.aborted) throw signal.reason;
      const computeMs = performance.now() - t0 - loadMs;
      return {
        runId: req.runId,
        name: req.name,
        result: plainExperimentResult(req.name, result),
        backend,
        timing: { loadMs, computeMs, totalMs: performance.now() - t0, runs },
      } as ExperimentReply as ExperimentReplyOf<N>;
    } catch (err) {
      if (signal.aborted) {
        const reason = signal.reason;
        throw reason instanceof Error && reason.name === 'AbortError' ? reason : cancelled('the experiment was cancelled');
      }
      throw err;
    } finally {
      this.runs.delete(req.runId);
    }
  }

  async cancelJob(req: { runId: string }): Promise<void> {
    this.runs.get(req.runId)?.controller.abort(cancelled('the job was cancelled'));
  }

  private keep(runId: string, run: StoredRun): void {
    const replaced = this.results.get(runId);
    this.results.delete(runId);
    this.results.set(runId, run);
    if (replaced && replaced !== run) this.retire(replaced);
    while (this.results.size > this.keepResults) {
      const oldest = this.results.keys().next().value!;
      this.retire(this.results.get(oldest)!);
      this.results.delete(oldest);
    }
  }

  /** Exports reading a kept run now: its memory is not given back while one is running. */
  private readonly leases = new Map<StoredRun, number>();
  private readonly retired = new WeakSet<StoredRun>();

  /** A run no longer kept: its memory goes back to the engine once no export reads it. */
  private retire(run: StoredRun): void {
    this.retired.add(run);
    if (!this.leases.has(run)) this.backend.release(run.result);
  }

  private async leased<T>(run: StoredRun, use: () => Promise<T>): Promise<T> {
    this.leases.set(run, (this.leases.get(run) ?? 0) + 1);
    try {
      return await use();
    } finally {
      const left = this.leases.get(run)! - 1;
      if (left > 0) this.leases.set(run, left);
      else {
        this.leases.delete(run);
        if (this.retired.has(run)) this.backend.release(run.result);
      }
    }
  }

  /**
   * The finished run kept for export (tests and the CLI read it too). Its arrays are valid
   * while it is kept: a run pushed out by newer ones gives its memory back to the engine.
   */
  storedRun(runId: string): StoredRun | undefined {
    return this.results.get(runId);
  }

  /**
   * The resolved problems of the kept runs (fetchTile recomputes regions of them). Kept
   * beside `results`, not in StoredRun, so exports do not post the inputs to their worker.
   */
  private readonly problems = new Map<string, AttentionProblem>();

  private keepProblem(runId: string, problem: AttentionProblem): void {
    this.problems.set(runId, problem);
    for (const id of this.problems.keys()) if (!this.results.has(id)) this.problems.delete(id);
  }

  /** Full-resolution weights and scores of a zoomed tile of a kept run (lab-service-tile.ts). */
  async fetchTile(req: TileRequest): Promise<TileReply> {
    if (this.closed) throw new Error('the lab is shutting down');
    const problem = this.problems.get(req.runId);
    if (!problem || !this.results.has(req.runId)) throw new Error(`the run "${req.runId}" is no longer available to zoom into; run it again`);
    return fetchTileOf(this.backend, problem, req);
  }

  // ── export ──────────────────────────────────────────────────────────────────────────

  async exportRun(req: ExportRequest): Promise<string | null> {
    const run = this.results.get(req.runId);
    if (!run) throw new Error(`the run "${req.runId}" is no longer available to export; run it again`);
    // leased from here: newer runs may retire this one while the save dialog is open
    return this.leased(run, async () => {
      let path: string;
      if (req.path !== undefined) {
        path = this.allow.check(req.path, 'write');
      } else {
        const chosen = await this.host.chooseSavePath(req.format, defaultExportName(run, req));
        if (!chosen) return null;
        path = this.allow.allow(chosen, 'write', 'dialog');
      }
      await this.exporter.export(run, req, path);
      return path;
    });
  }

  // ── sessions ────────────────────────────────────────────────────────────────────────

  /** `files` for a session: each file the job names, with its sha256 (hashed now when `hash`, else only if already known). */
  private async describeFiles(job: JobSpec, hash: boolean): Promise<SessionDoc['files']> {
    const out: SessionDoc['files'] = [];
    const seen = new Set<string>();
    for (const ref of fileRefs(job)) {
      if (seen.has(ref.path)) continue;
      seen.add(ref.path);
      const path = this.jobPath(ref);
      const embedded = this.files.embeddedFor(path, ref.part);
      let sha = '';
      try {
        sha = hash ? await this.files.sha256(path) : await this.files.knownSha256(path);
      } catch (e) {
        if (!embedded) throw new JobSpecError(ref.field, `${basename(path)}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      out.push({ path: ref.path, sha256: sha });
    }
    return out;
  }

  private async embedFiles(job: JobSpec): Promise<NonNullable<SessionDoc['embedded']>> {
    const embedded: NonNullable<SessionDoc['embedded']> = {};
    for (const ref of fileRefs(job)) {
      if (embedded[ref.key]) continue;
      const { loaded } = await this.files.load(this.jobPath(ref), ref.part);
      embedded[ref.key] = inlineFromLoaded(loaded);
    }
    return embedded;
  }

  async saveSession(req: { session: SessionBody; path?: string; saveAs?: boolean; embedData?: boolean }): Promise<string | null> {
    const job = parseJobSpec(req.session.job);
    let path: string;
    if (!req.saveAs && req.path !== undefined) {
      path = this.allow.check(req.path, 'write');
    } else if (!req.saveAs && this.sessionPath) {
      path = this.sessionPath;
    } else {
      const chosen = await this.host.chooseSavePath('session', this.sessionPath ? basename(this.sessionPath) : 'attention.qklab');
      if (!chosen) return null;
      path = this.allow.allow(chosen, 'read+write', 'dialog');
    }
    const doc: SessionDoc = {
      format: 'qklab-session',
      version: 1,
      job,
      view: req.session.view,
      files: await this.describeFiles(job, true),
      ...(req.embedData ? { embedded: await this.embedFiles(job) } : {}),
      savedAt: new Date().toISOString(),
    };
    await writeFileAtomic(path, sessionText(doc));
    this.sessionPath = path;
    this.allow.allow(path, 'read+write', 'session');
    await this.addRecent(path);
    return path;
  }

  /** Open what a session refers to: files (checked against their saved sha256), or its embedded copies. */
  private async openSessionFiles(doc: SessionDoc, dir: string, grant: 'session' | 'autosave'): Promise<{ sources: SourceInfo[]; warnings: string[] }> {
    const sources: SourceInfo[] = [];
    const warnings: string[] = [];
    const refs = fileRefs(doc.job);
    const absolute = (p: string) => (isAbsolute(p) ? p : resolvePath(dir, p));
    for (const ref of refs) {
      this.allow.allow(absolute(ref.path), 'read', grant);
      const inline = doc.embedded?.[ref.key];
      if (inline) this.files.setEmbedded(absolute(ref.path), ref.part, loadedFromInline(inline, `${ref.field} (embedded)`));
    }
    const seen = new Set<string>();
    for (const ref of refs) {
      if (seen.has(ref.key)) continue;
      seen.add(ref.key);
      const path = absolute(ref.path);
      try {
        const { loaded, embedded } = await this.files.load(path, ref.part);
        if (embedded) {
          warnings.push(`${basename(path)} was not found; using the copy embedded in the session`);
          sources.push(this.register(path, loaded, ''));
          continue;
        }
        const sha = await this.files.sha256(path);
        const saved = doc.files.find((f) => f.path === ref.path)?.sha256;
        if (saved && saved !== sha) warnings.push(`${basename(path)} has changed since the session was saved (its sha256 differs): the numbers may not match the saved ones`);
        sources.push(this.register(path, loaded, sha));
      } catch (e) {
        warnings.push(`${ref.field}: ${(e as Error).message}`);
      }
    }
    return { sources, warnings };
  }

  async openSession(req: { path?: string }): Promise<OpenSessionReply | null> {
    let path: string;
    if (req.path !== undefined) {
      path = this.allow.check(req.path, 'read');
    } else {
      const chosen = await this.host.chooseOpenPath('session');
      if (!chosen) return null;
      path = this.allow.allow(chosen, 'read', 'dialog');
    }
    const doc = await readSessionFile(path);
    const dir = dirname(path);
    const { sources, warnings } = await this.openSessionFiles(doc, dir, 'session');
    this.baseDir = dir;
    this.sessionPath = path;
    this.allow.allow(path, 'read+write', 'session');
    await this.addRecent(path);
    return { path, session: doc, sources, warnings };
  }

  async autosave(req: { session: SessionBody }): Promise<void> {
    // relative paths are made absolute: the autosave lives in userDataDir, not beside the data
    const base = this.baseDir;
    const job = mapJobPaths(parseJobSpec(req.session.job), (p) => (isAbsolute(p) || !base ? p : resolvePath(base, p)));
    const files = await this.describeFiles(job, false);
    const doc: SessionDoc = { format: 'qklab-session', version: 1, job, view: req.session.view, files, savedAt: new Date().toISOString() };
    const text = sessionText(doc);
    // one write at a time, in call order
    const write = this.autosaveChain.catch(() => {}).then(() => writeFileAtomic(this.dataPath(AUTOSAVE_FILE), text));
    this.autosaveChain = write;
    await write;
  }

  async recoverSession(): Promise<RecoverSessionReply | null> {
    if (!this.recoverable) return null;
    let doc: SessionDoc;
    try {
      doc = await readSessionFile(this.dataPath(AUTOSAVE_FILE));
    } catch {
      return null;
    }
    const { sources, warnings } = await this.openSessionFiles(doc, this.host.userDataDir, 'autosave');
    return { session: doc, sources, warnings };
  }

  /** Whether the previous run left an autosave without exiting cleanly. */
  get crashedLastTime(): boolean {
    return this.recoverable;
  }

  // ── recent files, app info ──────────────────────────────────────────────────────────

  async recentFiles(): Promise<string[]> {
    return [...this.recent];
  }

  private async addRecent(path: string): Promise<void> {
    this.recent = [path, ...this.recent.filter((p) => p !== path)].slice(0, MAX_RECENT);
    this.allow.allow(path, 'read', 'recent');
    try {
      await writeFileAtomic(this.dataPath(RECENT_FILE), JSON.stringify(this.recent, null, 1) + '\n');
    } catch {
      // the recent list is a convenience; failing to store it must not fail the open
    }
    this.options.onRecentChanged?.([...this.recent]);
  }

  async appInfo(): Promise<{ version: string; backend: string; workers: number }> {
    const engine = this.backend as Backend & { workers?: number; describe?: () => string };
    const workers = engine.workers;
    // the router describes itself ("auto (wasm; webgpu (…))"); a bare backend by its id
    const backend = typeof engine.describe === 'function' ? engine.describe() : this.backend.id;
    return { version: this.options.version ?? '0.0.0', backend, workers: typeof workers === 'number' ? workers : 1 };
  }
}

function missingJob(name: string): never {
  throw new JobSpecError('job', `the ${name} experiment runs over a JobSpec; none was given`);
}

/** An experiment's result with plain (non-shared) arrays, so it can cross IPC. */
export function plainExperimentResult<T>(name: ExperimentName, result: T): T {
  if (name !== 'compare') return result;
  const r = result as unknown as CompareMetricsResult;
  return { ...r, results: r.results.map(unshareResult) } as unknown as T;
}

function defaultExportName(run: StoredRun, req: ExportRequest): string {
  const metric = run.spec.metric?.id ?? 'dot';
  const what = req.format === 'png' || req.format === 'svg' ? (req.view?.matrix ?? 'weights') : 'attention';
  const scale = req.format === 'png' && req.scale && req.scale > 1 ? `@${req.scale}x` : '';
  return `${what}-${metric}${scale}.${req.format}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

