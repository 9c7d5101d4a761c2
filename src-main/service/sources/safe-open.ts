/**
 * The one way the app and the CLI open a file they read: embedding files, sessions and
 * the autosave, job files, the recent list and window state, `qklab inspect`.
 *
 * - The file is opened non-blocking: opening a FIFO for reading otherwise waits, forever,
 *   for a writer (and holds one of libuv's few threads while it waits).
 * - The handle, not the path, is then checked to be a regular file (`fstat`): a FIFO, a
 *   device, a socket or a folder is refused with a message that says which it is. Checking
 *   the path first and opening it after would leave a gap for the path to change.
 * - Size caps count the bytes actually read, never what `stat` says: `/dev/urandom` and
 *   `/proc` files report a size of 0 and then read on without end.
 *
 * Every message names the file and what is wrong, never the file's bytes.
 */
import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';

/** O_NONBLOCK does not exist on Windows, where opening a named pipe does not wait for a writer. */
const READ_FLAGS = constants.O_RDONLY | (process.platform === 'win32' ? 0 : constants.O_NONBLOCK);

/** A file that could not be opened or read; `code` is the system's (ENOENT, …), ENOTREG or EFBIG. */
export class SafeOpenError extends Error {
  constructor(
    readonly path: string,
    readonly code: string,
    /** what is wrong, without the file's name */
    readonly problem: string,
    name = basename(path),
  ) {
    super(`${name}: ${problem}`);
    this.name = 'SafeOpenError';
  }
}

/** What a file that is not a regular file is, in words. */
export function fileKind(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a folder';
  return 'not a file';
}

/** "<name>: not a regular file (a FIFO)". */
export function notRegularFile(path: string, st: Stats, name = basename(path)): SafeOpenError {
  return new SafeOpenError(path, 'ENOTREG', `not a regular file (${fileKind(st)})`, name);
}

export function formatBytes(bytes: number): string {
  return bytes >= 2 ** 20 ? `${Math.round(bytes / 2 ** 20)} MiB` : bytes >= 1024 ? `${Math.round(bytes / 1024)} KiB` : `${bytes} bytes`;
}

export interface RegularFile {
  handle: FileHandle;
  /** the size fstat reported when the file was opened */
  size: number;
  mtimeMs: number;
}

/** Open a regular file for reading, or throw a SafeOpenError naming it. The caller closes the handle. */
export async function openRegularFile(path: string, name = basename(path)): Promise<RegularFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    // a socket cannot be opened at all (ENXIO): say what it is rather than the code
    const st = code === 'ENXIO' || code === 'EISDIR' ? await stat(path).catch(() => null) : null;
    if (st && !st.isFile()) throw notRegularFile(path, st, name);
    throw new SafeOpenError(path, code, `cannot open the file (${code})`, name);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw notRegularFile(path, st, name);
    return { handle, size: st.size, mtimeMs: st.mtimeMs };
  } catch (e) {
    await handle.close().catch(() => {});
    throw e;
  }
}

/**
 * A whole regular file, refused once more than `maxBytes` have been read (`what` names the
 * kind of file in the message: "sessions", "job files").
 */
export async function readRegularFile(path: string, maxBytes: number, what = 'files', name = basename(path)): Promise<Buffer> {
  const tooBig = () => new SafeOpenError(path, 'EFBIG', `the file is larger than ${formatBytes(maxBytes)}; ${what} larger than that are refused`, name);
  const { handle, size } = await openRegularFile(path, name);
  try {
    if (size > maxBytes) throw tooBig();
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // one byte past the cap is enough to know the file is too big
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(chunk, 0, chunk.length, null));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
        throw new SafeOpenError(path, code, `cannot read the file (${code})`, name);
      }
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooBig();
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close().catch(() => {});
  }
}
