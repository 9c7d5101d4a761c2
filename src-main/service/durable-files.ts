/**
 * The app's one way to write a file: atomically, durably and privately. Sessions, autosave,
 * the recent list, window state, exports and the CLI's results all go through
 * `writeFileAtomic`; the folders the lab creates come from `makePrivateDir`.
 *
 * The bytes go to a temporary file in the same folder (same file system, so the rename is
 * atomic), the temporary file is fsync'ed, then renamed over the target, then the folder is
 * fsync'ed so the rename itself survives a power cut. A crash or kill at any moment leaves
 * either the old file or the new one, never half of one; a stale temporary file is all
 * that can be left over, and its name (`isStaleTempName`) lets the next start remove it.
 *
 * Files are written 0600 and folders created 0700: sessions and results can hold the
 * user's data, and other accounts on the machine have no business reading them.
 */
import { chmod, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readJsonFile } from './sources/json-file';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** `.<target>.<pid>-<8 hex>.qklab.tmp`: hidden, and never taken for a result or a session. */
const TEMP_NAME = /^\..+\.(\d+)-[0-9a-f]{8}\.qklab\.tmp$/;

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.qklab.tmp`);
}

/** Whether a file name is one of writeFileAtomic's temporary files; its writer's pid, or null. */
export function tempWriterPid(name: string): number | null {
  const m = TEMP_NAME.exec(name);
  return m ? Number(m[1]) : null;
}

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = tempName(path);
  const handle = await open(tmp, 'wx', FILE_MODE);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

/** Create a folder (and its parents) 0700; a folder that exists already is left as it is. */
export async function makePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: DIR_MODE });
}

/** The app's own data folder: created 0700, and made 0700 if an earlier version left it open. */
export async function makeAppDataDir(path: string): Promise<void> {
  await makePrivateDir(path);
  if (process.platform !== 'win32') await chmod(path, DIR_MODE).catch(() => {});
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the temporary files a crash or kill during writeFileAtomic left in `dir` (files
 * of a writer that is still running are left alone). Returns the names removed.
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = tempWriterPid(name);
    if (pid === null || alive(pid)) continue;
    try {
      await rm(join(dir, name), { force: true });
      removed.push(name);
    } catch {
      // best effort: one that cannot be removed is tried again at the next start
    }
  }
  return removed;
}

/** fsync a folder so a rename in it is durable (not possible on Windows: skipped there). */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // some file systems refuse to fsync a directory; the rename is still atomic
  } finally {
    await handle?.close().catch(() => {});
  }
}

/** Read a small JSON file the app keeps for itself (recent list, window state); null if absent, unreadable, not a regular file or over 1 MiB. */
export async function readJsonQuietly(path: string): Promise<unknown> {
  try {
    return await readJsonFile(path, 2 ** 20);
  } catch {
    return null;
  }
}
