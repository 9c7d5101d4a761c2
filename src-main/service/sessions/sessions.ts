/**
 * The sessions room: Save and Open Session. A session is a JobSpec, the renderer's view
 * state, the files the job names with their sha256 (checked when it opens again) and,
 * optionally, the data embedded. Opening one makes its folder the one relative paths
 * resolve against.
 *
 * A session names files; it does not grant them. Files inside the session's folder (links
 * resolved) are granted and read; any other file it names is left unread and listed in the
 * reply's `outside`, and is read only if the user confirms it (`grantSessionFiles`, which
 * grants nothing but those files of the session opened last). The captures the app made of
 * models the user opened (under userDataDir/captures) are no exception: a session file from
 * anywhere could name any of them.
 */
import { basename, dirname } from 'node:path';
import type { SessionDoc, SourceInfo } from '../../../src-shared/api/lab-api';
import type { OpenSessionReply, RequestOf, SessionFilesReply } from '../../../src-shared/api/requests';
import { fileRefs, type FileRef } from '../../../src-shared/job/resolve';
import { JobSpecError, parseJobSpec, type JobSpec } from '../../../src-shared/job/spec';
import type { RecentFiles } from '../app/recent-files';
import { writeFileAtomic } from '../durable-files';
import type { Host } from '../host';
import type { ServiceContext } from '../service-context';
import { JobFiles } from '../sources/job-files';
import { canonicalPath, checkPathShape, isInsideFolder, PathNotAllowedError } from '../sources/paths';
import type { Sources } from '../sources/sources';
import { inlineFromLoaded, loadedFromInline } from './embedded-data';
import { readSessionFile, sessionText } from './session-file';

export type SessionBody = RequestOf<'saveSession'>['session'];

export class Sessions {
  /** the session file Save Session writes to without asking */
  private sessionPath: string | null = null;
  /** the session opened (or recovered) last, and the files it names outside its folder: canonical path → path */
  private pending: { doc: SessionDoc; dir: string; grant: 'session' | 'autosave'; outside: Map<string, string> } | null = null;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly host: Host,
    private readonly sources: Sources,
    private readonly recent: RecentFiles,
  ) {}

  /** `files` for a session: each file the job names, with its sha256 (hashed now when `hash`, else only if already known). */
  async describeFiles(job: JobSpec, hash: boolean): Promise<SessionDoc['files']> {
    const { files, jobFiles } = this.ctx;
    const out: SessionDoc['files'] = [];
    const seen = new Set<string>();
    for (const ref of fileRefs(job)) {
      if (seen.has(ref.path)) continue;
      seen.add(ref.path);
      const path = jobFiles.path(ref);
      const embedded = files.embeddedFor(path, ref.part);
      let sha = '';
      try {
        sha = hash ? await files.sha256(path) : await files.knownSha256(path);
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
      // a capture is not embedded: its layers and pattern are no token vectors (the session names the file and its sha256)
      if (embedded[ref.key] || ref.capture) continue;
      const { loaded } = await this.ctx.files.load(this.ctx.jobFiles.path(ref), ref.part);
      embedded[ref.key] = inlineFromLoaded(loaded);
    }
    return embedded;
  }

  async saveSession(req: { session: SessionBody; path?: string; saveAs?: boolean; embedData?: boolean }): Promise<string | null> {
    const { allow } = this.ctx;
    const job = parseJobSpec(req.session.job);
    let path: string;
    if (!req.saveAs && req.path !== undefined) {
      path = allow.check(req.path, 'write');
    } else if (!req.saveAs && this.sessionPath) {
      path = this.sessionPath;
    } else {
      const chosen = await this.host.chooseSavePath('session', this.sessionPath ? basename(this.sessionPath) : 'attention.qklab');
      if (!chosen) return null;
      path = allow.allow(chosen, 'read+write', 'dialog');
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
    const via = allow.grantOf(path, 'write');
    allow.allow(path, 'read+write', 'session');
    await this.recent.add(path, via);
    return path;
  }

  /**
   * Open what a session refers to: the files inside its folder (checked against their saved
   * sha256), or their embedded copies. Files outside the folder are not read: `outside` lists them.
   */
  async openSessionFiles(doc: SessionDoc, dir: string, grant: 'session' | 'autosave'): Promise<SessionFilesReply & { outside: string[] }> {
    const { files, allow } = this.ctx;
    const refs = fileRefs(doc.job);
    // embedded copies come from the session file itself: they stand in for a granted file that is gone
    for (const ref of refs) {
      const inline = doc.embedded?.[ref.key];
      if (inline) files.setEmbedded(JobFiles.absolute(ref.path, dir), ref.part, loadedFromInline(inline, `${ref.field} (embedded)`));
    }
    const inside: FileRef[] = [];
    const outside = new Map<string, string>();
    for (const ref of refs) {
      const path = JobFiles.absolute(ref.path, dir);
      if (await isInsideFolder(path, dir)) {
        allow.allow(path, 'read', grant);
        inside.push(ref);
      } else outside.set(canonicalPath(path), path);
    }
    this.pending = { doc, dir, grant, outside };
    return { ...(await this.loadFiles(doc, dir, inside)), outside: [...outside.values()] };
  }

  /** Grant and read files the last opened session names outside its folder, once the user confirmed them; any other path is refused. */
  async grantSessionFiles(req: { paths: string[] }): Promise<SessionFilesReply> {
    const pending = this.pending;
    const wanted = new Set<string>();
    for (const p of req.paths) {
      const key = canonicalPath(checkPathShape(p));
      if (!pending?.outside.has(key)) throw new PathNotAllowedError(p, 'read');
      wanted.add(key);
    }
    if (!pending || wanted.size === 0) return { sources: [], warnings: [] };
    for (const key of wanted) this.ctx.allow.allow(pending.outside.get(key)!, 'read', pending.grant);
    const refs = fileRefs(pending.doc.job).filter((ref) => wanted.has(canonicalPath(JobFiles.absolute(ref.path, pending.dir))));
    return this.loadFiles(pending.doc, pending.dir, refs);
  }

  /** Load granted files of a session: each checked against its saved sha256, or replaced by its embedded copy when gone. */
  private async loadFiles(doc: SessionDoc, dir: string, refs: FileRef[]): Promise<SessionFilesReply> {
    const { files } = this.ctx;
    const sources: SourceInfo[] = [];
    const warnings: string[] = [];
    const seen = new Set<string>();
    for (const ref of refs) {
      // a capture is listed once whatever its layer (the run loads the layer it names)
      const key = ref.capture ? `capture:${ref.path}` : ref.key;
      if (seen.has(key)) continue;
      seen.add(key);
      const path = JobFiles.absolute(ref.path, dir);
      try {
        if (ref.capture) {
          const capture = await this.sources.loadCapture(path);
          if (!capture) throw new Error(`${basename(path)}: no capture tensors found`);
          const sha = await files.sha256(path);
          const saved = doc.files.find((f) => f.path === ref.path)?.sha256;
          if (saved && saved !== sha) warnings.push(`${basename(path)} has changed since the session was saved (its sha256 differs): the numbers may not match the saved ones`);
          sources.push(this.sources.registerCapture(path, capture, sha));
          continue;
        }
        const { loaded, embedded } = await files.load(path, ref.part);
        if (embedded) {
          warnings.push(`${basename(path)} was not found; using the copy embedded in the session`);
          sources.push(this.sources.register(path, loaded, ''));
          continue;
        }
        const sha = await files.sha256(path);
        const saved = doc.files.find((f) => f.path === ref.path)?.sha256;
        if (saved && saved !== sha) warnings.push(`${basename(path)} has changed since the session was saved (its sha256 differs): the numbers may not match the saved ones`);
        sources.push(this.sources.register(path, loaded, sha));
      } catch (e) {
        warnings.push(`${ref.field}: ${(e as Error).message}`);
      }
    }
    return { sources, warnings };
  }

  async openSession(req: { path?: string }): Promise<OpenSessionReply | null> {
    const { allow } = this.ctx;
    let path: string;
    if (req.path !== undefined) {
      path = allow.check(req.path, 'read');
    } else {
      const chosen = await this.host.chooseOpenPath('session');
      if (!chosen) return null;
      path = allow.allow(chosen, 'read', 'dialog');
    }
    const doc = await readSessionFile(path);
    const dir = dirname(path);
    const { sources, warnings, outside } = await this.openSessionFiles(doc, dir, 'session');
    this.ctx.jobFiles.baseDir = dir;
    this.sessionPath = path;
    const via = allow.grantOf(path, 'read');
    allow.allow(path, 'read+write', 'session');
    await this.recent.add(path, via);
    return { path, session: doc, sources, warnings, outside };
  }
}
