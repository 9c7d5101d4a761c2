/**
 * The files a JobSpec names, for the app and the CLI alike: each path is resolved (a
 * relative one against `baseDir`: the opened session's folder in the app, the job file's
 * folder in the CLI), checked against the allow-list, and loaded through the file cache.
 * A capture path is one more such path: granted, confined and cached like the others.
 */
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { LoadedEmbeddings } from '../../../src-shared/formats/types';
import type { LoadedCapture } from '../../../src-shared/formats/captures';
import { fileRefs, type FileRef } from '../../../src-shared/job/resolve';
import { JobSpecError, type JobSpec } from '../../../src-shared/job/spec';
import type { FileCache } from './file-cache';
import { PathNotAllowedError, type Grant, type PathAllowList } from './paths';

export class JobFiles {
  /** folder relative paths in JobSpecs resolve against: the last opened session's (the CLI: the job file's) */
  baseDir: string | null = null;

  constructor(
    private readonly allow: PathAllowList,
    private readonly files: FileCache,
  ) {}

  /** A path a JobSpec names as an absolute path, relative ones against `dir`. */
  static absolute(path: string, dir: string): string {
    return isAbsolute(path) ? path : resolvePath(dir, path);
  }

  /**
   * A job opened from `dir` (the CLI's job file, named by the user on the command line):
   * every file it names granted, its relative paths resolved against `dir`. (A session
   * opened in the app grants only the files inside its folder: sessions/sessions.ts.)
   */
  openAt(job: JobSpec, dir: string, grant: Grant): void {
    for (const ref of fileRefs(job)) this.allow.allow(JobFiles.absolute(ref.path, dir), 'read', grant);
    this.baseDir = dir;
  }

  /** An absolute, allowed path for a path a JobSpec names; JobSpecError naming the field otherwise. */
  path(ref: Pick<FileRef, 'path' | 'field'>): string {
    let path = ref.path;
    if (!isAbsolute(path)) {
      if (!this.baseDir) throw new JobSpecError(ref.field, `"${path}" is a relative path, and no session folder to resolve it against is open`);
      path = resolvePath(this.baseDir, path);
    }
    if (!this.allow.allows(path, 'read')) throw new JobSpecError(ref.field, new PathNotAllowedError(path, 'read').message);
    return path;
  }

  /** Every file a JobSpec names, loaded (through the cache) from allowed paths. */
  async load(spec: JobSpec, signal: AbortSignal, onProgress: (fraction: number) => void): Promise<Map<string, LoadedEmbeddings | LoadedCapture>> {
    const refs = fileRefs(spec);
    const table = new Map<string, LoadedEmbeddings | LoadedCapture>();
    for (let n = 0; n < refs.length; n++) {
      const ref = refs[n];
      if (table.has(ref.key)) continue;
      const path = this.path(ref);
      const options = { signal, onProgress: (f: number) => onProgress((n + f) / refs.length) };
      table.set(ref.key, ref.capture ? await this.files.loadCapture(path, ref.capture.layer, options) : (await this.files.load(path, ref.part, options)).loaded);
    }
    if (signal.aborted) throw signal.reason;
    return table;
  }
}
