/**
 * The sessions room: Save and Open Session. A session is a JobSpec, the renderer's view
 * state, the files the job names with their sha256 (checked when it opens again) and,
 * optionally, the data embedded. Opening one grants the files it names and makes its folder
 * the one relative paths resolve against.
 */
import { basename, dirname } from 'node:path';
import type { SessionDoc, SourceInfo } from '../../../src-shared/api/lab-api';
import type { OpenSessionReply, RequestOf } from '../../../src-shared/api/requests';
import { fileRefs } from '../../../src-shared/job/resolve';
import { JobSpecError, parseJobSpec, type JobSpec } from '../../../src-shared/job/spec';
import type { RecentFiles } from '../app/recent-files';
import { writeFileAtomic } from '../durable-files';
import type { Host } from '../host';
import type { ServiceContext } from '../service-context';
import { JobFiles } from '../sources/job-files';
import type { Sources } from '../sources/sources';
import { inlineFromLoaded, loadedFromInline } from './embedded-data';
import { readSessionFile, sessionText } from './session-file';

export type SessionBody = RequestOf<'saveSession'>['session'];

export class Sessions {
  /** the session file Save Session writes to without asking */
  private sessionPath: string | null = null;

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
      if (embedded[ref.key]) continue;
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
    allow.allow(path, 'read+write', 'session');
    await this.recent.add(path);
    return path;
  }

  /** Open what a session refers to: files (checked against their saved sha256), or its embedded copies. */
  async openSessionFiles(doc: SessionDoc, dir: string, grant: 'session' | 'autosave'): Promise<{ sources: SourceInfo[]; warnings: string[] }> {
    const { files, jobFiles } = this.ctx;
    const sources: SourceInfo[] = [];
    const warnings: string[] = [];
    const refs = fileRefs(doc.job);
    const absolute = (p: string) => JobFiles.absolute(p, dir);
    jobFiles.grantAll(doc.job, dir, grant);
    for (const ref of refs) {
      const inline = doc.embedded?.[ref.key];
      if (inline) files.setEmbedded(absolute(ref.path), ref.part, loadedFromInline(inline, `${ref.field} (embedded)`));
    }
    const seen = new Set<string>();
    for (const ref of refs) {
      if (seen.has(ref.key)) continue;
      seen.add(ref.key);
      const path = absolute(ref.path);
      try {
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
    const { sources, warnings } = await this.openSessionFiles(doc, dir, 'session');
    this.ctx.jobFiles.baseDir = dir;
    this.sessionPath = path;
    allow.allow(path, 'read+write', 'session');
    await this.recent.add(path);
    return { path, session: doc, sources, warnings };
  }
}
