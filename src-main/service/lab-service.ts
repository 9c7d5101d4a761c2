/**
 * The lab's operations, written against the engine (a Backend) and the file system, with
 * no Electron import. LabService only wires the rooms, one folder each:
 *
 *   sources/      files opened and dropped, the allow-list, the file cache, the loader of a JobSpec's files
 *   runs/         JobSpec runs, cancel, finished runs kept (with their leases), zoomed tiles
 *   experiments/  the experiments of SPEC §6
 *   export/       exports of kept runs (drawn in a worker)
 *   sessions/     Save / Open Session, autosave and recovery
 *   captures/     an ONNX model opened in the app, captured in a worker thread into a capture file it owns
 *   app/          the recent list, app info
 *
 * The operations table (src-shared/api/requests.ts) is the one list of operations:
 * LabService implements it (the compiler checks each method against the table's request
 * and reply types), and dispatch.ts validates requests against it. The IPC handlers (src-main/electron/ipc.ts)
 * and the e2e harness (tests/e2e/harness.ts) are thin adapters over it; what differs
 * between hosts (native dialogs, where app data lives) comes in through `Host`. The CLI is
 * another host of the same rooms (src-main/cli/cli-service.ts).
 *
 * Requests reaching these methods have passed the schemas of src-shared/api/requests.ts;
 * the rooms still re-check what they rely on (JobSpecs, paths), because tests call them
 * directly.
 */
import type { CaptureModelRequest, ExperimentReplyOf, ExperimentRequestOf, ExportRequest, TileRequest } from '../../src-shared/api/lab-api';
import type { LabOperations } from '../../src-shared/api/requests';
import type { ExperimentName } from '../../src-shared/experiments';
import { appInfo } from './app/app-info';
import { RecentFiles } from './app/recent-files';
import { Experiments } from './experiments/experiments';
import { Exports } from './export/exports';
import type { Host, LabServiceOptions } from './host';
import type { StoredRun } from './runs/kept-results';
import type { AttentionProblem } from '../../src-shared/job/problem';
import { fetchKeptTile } from './runs/fetch-tile';
import { modelPatternOf } from './runs/model-pattern';
import { Runs } from './runs/runs';
import { createContext, type ServiceContext } from './service-context';
import { Autosave } from './sessions/autosave';
import { Sessions, type SessionBody } from './sessions/sessions';
import { Sources } from './sources/sources';
import { ModelCaptures } from './captures/model-captures';
import type { PathAllowList } from './sources/paths';
import { makeAppDataDir, removeStaleTempFiles } from './durable-files';

export class LabService implements LabOperations {
  private readonly ctx: ServiceContext;
  private readonly host: Host;
  private readonly recent: RecentFiles;
  private readonly sources: Sources;
  private readonly captures: ModelCaptures;
  private readonly runs: Runs;
  private readonly experiments: Experiments;
  private readonly exports: Exports;
  private readonly sessions: Sessions;
  private readonly autosaves: Autosave;
  private started = false;

  constructor(private readonly options: LabServiceOptions) {
    const ctx = (this.ctx = createContext(options));
    const host = (this.host = options.host);
    this.recent = new RecentFiles(ctx.allow, host.userDataDir, options.onRecentChanged);
    this.sources = new Sources(ctx, host, this.recent);
    this.captures = new ModelCaptures(ctx, host, this.sources);
    this.runs = new Runs(ctx);
    this.experiments = new Experiments(ctx);
    this.exports = new Exports(ctx, host);
    this.sessions = new Sessions(ctx, host, this.sources, this.recent);
    this.autosaves = new Autosave(ctx, host.userDataDir, this.sessions);
  }

  /** Create and start: reads the recent list and whether the last run exited cleanly. */
  static async create(options: LabServiceOptions): Promise<LabService> {
    const service = new LabService(options);
    await service.start();
    return service;
  }

  get allow(): PathAllowList {
    return this.ctx.allow;
  }

  get userDataDir(): string {
    return this.host.userDataDir;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await makeAppDataDir(this.host.userDataDir);
    // a crash or kill during a save leaves only a temporary file: gone before anything reads the folder
    await removeStaleTempFiles(this.host.userDataDir);
    await this.autosaves.start();
    await this.recent.load();
  }

  /** Stop every run, finish the pending autosave and leave the clean-exit marker. The backend is the caller's to close. */
  async close(): Promise<void> {
    if (this.ctx.closed) return;
    this.ctx.closed = true;
    this.runs.cancelAll('the app is closing');
    await this.exports.close();
    // last: the clean-exit marker
    await this.autosaves.close();
  }

  // ── the operations of the table, each handed to its room ────────────────────────────

  grantDroppedPath = (req: { path: string }) => this.sources.grantDroppedPath(req);
  openEmbeddings = (req: { path?: string; part?: string }) => this.sources.openEmbeddings(req);
  captureModel = (req: CaptureModelRequest) => this.captures.captureModel(req);
  lookupSentence = (req: { sourceId: string; sentence: string }) => this.sources.lookupSentence(req);
  runJob = (req: { runId: string; job: unknown; channel?: string }) => this.runs.runJob(req);
  cancelJob = (req: { runId: string }) => this.runs.cancelJob(req);
  fetchTile = (req: TileRequest) => fetchKeptTile(this.ctx, req);
  modelPattern = (req: { runId: string; head: number }) => modelPatternOf(this.ctx, req);
  runExperiment = <N extends ExperimentName>(req: ExperimentRequestOf<N>): Promise<ExperimentReplyOf<N>> => this.experiments.runExperiment(req);
  exportRun = (req: ExportRequest) => this.exports.exportRun(req);
  saveSession = (req: { session: SessionBody; path?: string; saveAs?: boolean; embedData?: boolean }) => this.sessions.saveSession(req);
  openSession = (req: { path?: string }) => this.sessions.openSession(req);
  grantSessionFiles = (req: { paths: string[] }) => this.sessions.grantSessionFiles(req);
  autosave = (req: { session: SessionBody }) => this.autosaves.autosave(req);
  recoverSession = () => this.autosaves.recoverSession();
  recentFiles = () => this.recent.recentFiles();
  appInfo = () => appInfo(this.ctx.backend, this.options.version);

  /**
   * The finished run kept for export (tests read it). Its arrays are valid while it is
   * kept: a run pushed out by newer ones gives its memory back to the engine.
   */
  storedRun(runId: string): StoredRun | undefined {
    return this.ctx.kept.get(runId);
  }

  /** The resolved problem of a kept run (tests hold what the page shows against the float64 reference of exactly it). */
  storedProblem(runId: string): AttentionProblem | undefined {
    return this.ctx.kept.problemOf(runId);
  }

  /** Whether the previous run left an autosave without exiting cleanly. */
  get crashedLastTime(): boolean {
    return this.autosaves.crashedLastTime;
  }
}
