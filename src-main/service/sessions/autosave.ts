/**
 * Autosave and recovery. The renderer autosaves the session into userDataDir; a clean exit
 * leaves a marker beside it. An autosave found at start without the marker means the last
 * run crashed or was killed, and the next start offers to recover it.
 */
import { rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import type { SessionDoc } from '../../../src-shared/api/lab-api';
import type { RecoverSessionReply } from '../../../src-shared/api/requests';
import { parseJobSpec, type JobSpec } from '../../../src-shared/job/spec';
import { writeFileAtomic } from '../durable-files';
import type { ServiceContext } from '../service-context';
import { readSessionFile, sessionText } from './session-file';
import type { SessionBody, Sessions } from './sessions';

export const AUTOSAVE_FILE = 'autosave.qklab';
export const CLEAN_EXIT_FILE = 'clean-exit';

/** Every path a JobSpec names, rewritten through `map` (used to make a session's relative paths absolute). */
export function mapJobPaths(job: JobSpec, map: (path: string) => string): JobSpec {
  const out: JobSpec = structuredClone(job);
  for (const role of ['embeddings', 'queries', 'keys', 'values'] as const) {
    const s = out[role];
    if (s && 'path' in s) s.path = map(s.path);
  }
  if (out.projection?.id === 'file') {
    for (const r of ['q', 'k', 'v'] as const) if (out.projection[r]) out.projection[r] = map(out.projection[r]);
  }
  if (out.metric && typeof out.metric.path === 'string') out.metric.path = map(out.metric.path);
  out.mask?.forEach((m) => {
    if (typeof m.path === 'string') m.path = map(m.path);
  });
  return out;
}

export class Autosave {
  private recoverable = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly userDataDir: string,
    private readonly sessions: Sessions,
  ) {}

  private dataPath(name: string): string {
    return join(this.userDataDir, name);
  }

  /** At start: whether the last run left an autosave without exiting cleanly; the marker is removed until this run exits cleanly. */
  async start(): Promise<void> {
    const hadAutosave = await exists(this.dataPath(AUTOSAVE_FILE));
    const cleanExit = await exists(this.dataPath(CLEAN_EXIT_FILE));
    // an autosave without a clean-exit marker means the last run crashed or was killed
    this.recoverable = hadAutosave && !cleanExit;
    await rm(this.dataPath(CLEAN_EXIT_FILE), { force: true });
  }

  /** At close: finish the pending autosave and leave the clean-exit marker. */
  async close(): Promise<void> {
    await this.chain.catch(() => {});
    await writeFileAtomic(this.dataPath(CLEAN_EXIT_FILE), new Date().toISOString() + '\n');
  }

  async autosave(req: { session: SessionBody }): Promise<void> {
    // relative paths are made absolute: the autosave lives in userDataDir, not beside the data
    const base = this.ctx.jobFiles.baseDir;
    const job = mapJobPaths(parseJobSpec(req.session.job), (p) => (isAbsolute(p) || !base ? p : resolvePath(base, p)));
    const files = await this.sessions.describeFiles(job, false);
    const doc: SessionDoc = { format: 'qklab-session', version: 1, job, view: req.session.view, files, savedAt: new Date().toISOString() };
    const text = sessionText(doc);
    // one write at a time, in call order
    const write = this.chain.catch(() => {}).then(() => writeFileAtomic(this.dataPath(AUTOSAVE_FILE), text));
    this.chain = write;
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
    // the autosave's folder is the app's data folder: every file it names is outside it, read only once the user confirms
    const { sources, warnings, outside } = await this.sessions.openSessionFiles(doc, this.userDataDir, 'autosave');
    return { session: doc, sources, warnings, outside };
  }

  /** Whether the previous run left an autosave without exiting cleanly. */
  get crashedLastTime(): boolean {
    return this.recoverable;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
