/**
 * Path confinement. The renderer is untrusted: it may name a file only if the user put
 * that file in its hands — chose it in a dialog, dropped it on the window, picked it from
 * the recent list, or opened a session / JobSpec that refers to it. Every other path is
 * refused with a message that says why. Reading and writing are granted separately: a
 * file the user opened may be read, a file the user chose in a Save dialog (or a session
 * the user opened or saved) may be written.
 */
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, normalize, relative, resolve, sep } from 'node:path';

export type Access = 'read' | 'write';

/** How a path came to be allowed (for messages and tests). */
export type Grant = 'dialog' | 'drop' | 'recent' | 'session' | 'autosave' | 'internal';

export class PathNotAllowedError extends Error {
  constructor(
    readonly path: string,
    readonly access: Access,
  ) {
    super(
      access === 'read'
        ? `QK Lab will not read "${path}": the app only opens files you chose in an Open dialog, dropped on the window, picked from Recent Files, or that a session you opened refers to`
        : `QK Lab will not write "${path}": the app only writes where you chose in a Save dialog or to a session you opened`,
    );
    this.name = 'PathNotAllowedError';
  }
}

/** A path as the allow-list compares it: absolute, normalised, case-folded where the file system folds case. */
export function canonicalPath(path: string, platform: NodeJS.Platform = process.platform): string {
  const abs = normalize(resolve(path));
  return platform === 'win32' || platform === 'darwin' ? abs.toLowerCase() : abs;
}

/** Rejects what no file dialog ever returns: empty strings, NUL bytes, relative paths. */
export function checkPathShape(path: unknown, what = 'path'): string {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`${what}: expected a file path`);
  if (path.includes('\0')) throw new TypeError(`${what}: a file path cannot contain a NUL character`);
  if (!isAbsolute(path)) throw new TypeError(`${what}: expected an absolute path, got "${path}"`);
  return path;
}

/** A path with its symbolic links resolved; for a path that does not exist (yet), its nearest existing folder's. */
async function realPathOf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : resolve(await realPathOf(parent), basename(path));
  }
}

/**
 * Whether `path` lies inside the folder `dir` once symbolic links are resolved in both: a
 * session may name the files beside it and below it, and nothing else on its own say —
 * not `../../etc/passwd`, not an absolute path elsewhere, not a link that points out.
 */
export async function isInsideFolder(path: string, dir: string, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  const [real, realDir] = await Promise.all([realPathOf(resolve(path)), realPathOf(resolve(dir))]);
  const rel = relative(canonicalPath(realDir, platform), canonicalPath(real, platform));
  return rel !== '' && rel !== '..' && !rel.startsWith('..' + sep) && !isAbsolute(rel);
}

export class PathAllowList {
  private readonly read = new Map<string, Grant>();
  private readonly write = new Map<string, Grant>();

  constructor(private readonly platform: NodeJS.Platform = process.platform) {}

  allow(path: string, access: Access | 'read+write', grant: Grant): string {
    const key = canonicalPath(checkPathShape(path), this.platform);
    if (access !== 'write') this.read.set(key, grant);
    if (access !== 'read') this.write.set(key, grant);
    return resolve(path);
  }

  allows(path: string, access: Access): boolean {
    if (typeof path !== 'string' || path.length === 0 || path.includes('\0') || !isAbsolute(path)) return false;
    return (access === 'read' ? this.read : this.write).has(canonicalPath(path, this.platform));
  }

  /** How a path was granted, or null. */
  grantOf(path: string, access: Access): Grant | null {
    if (!this.allows(path, access)) return null;
    return (access === 'read' ? this.read : this.write).get(canonicalPath(path, this.platform)) ?? null;
  }

  /** The normalised absolute path, or a PathNotAllowedError. */
  check(path: string, access: Access): string {
    checkPathShape(path);
    if (!this.allows(path, access)) throw new PathNotAllowedError(path, access);
    return resolve(path);
  }

  revoke(path: string): void {
    const key = canonicalPath(path, this.platform);
    this.read.delete(key);
    this.write.delete(key);
  }

  get size(): { read: number; write: number } {
    return { read: this.read.size, write: this.write.size };
  }
}
