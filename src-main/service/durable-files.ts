/**
 * The app's one way to write a file: atomically and durably. Sessions, autosave, the
 * recent list, window state, exports and the CLI's results all go through `writeFileAtomic`.
 *
 * The bytes go to a temporary file in the same folder (same file system, so the rename is
 * atomic), the temporary file is fsync'ed, then renamed over the target, then the folder is
 * fsync'ed so the rename itself survives a power cut. A crash or kill at any moment leaves
 * either the old file or the new one, never half of one; a stale temporary file is all
 * that can be left over.
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', 0o644);
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

/** Read a small JSON file the app keeps for itself (recent list, window state); null if absent or unreadable. */
export async function readJsonQuietly(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return null;
  }
}
