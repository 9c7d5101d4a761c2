/**
 * A ByteSource over a file on disk, read with positioned reads through one FileHandle, so
 * the format readers can take a 1 GB vocabulary chunk by chunk. The only Node-specific part
 * of reading embeddings. `loadFile` reads one file whole (`loadCaptureFile` one layer of a
 * capture); the service and the CLI reach them through the FileCache (file-cache.ts), which
 * keeps what it read.
 */
import { basename } from 'node:path';
import { readEmbeddings } from '../../../src-shared/formats';
import { probeCapture, readCapture, type CaptureNaming, type LoadedCapture } from '../../../src-shared/formats/captures';
import type { ByteSource, LoadedEmbeddings, ReadOptions } from '../../../src-shared/formats/types';
import { openRegularFile } from './safe-open';

export type FileSource = ByteSource & { close(): Promise<void> };

/**
 * A regular file (safe-open.ts: a FIFO or a device is refused before a byte is read). Reads
 * stop at the size fstat gave when the file was opened, so a file that grows while it is
 * read, or one whose stat says less than it holds, is never read past that size.
 */
export async function openFileSource(path: string): Promise<FileSource> {
  const { handle, size } = await openRegularFile(path);
  return {
    name: basename(path),
    size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const start = Math.max(0, Math.min(offset, size));
      const want = Math.max(0, Math.min(length, size - start));
      const buffer = new Uint8Array(want);
      let filled = 0;
      // a positioned read may return fewer bytes than asked: loop until done or end of file
      while (filled < want) {
        const { bytesRead } = await handle.read(buffer, filled, want - filled, start + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === want ? buffer : buffer.subarray(0, filled);
    },
    close: () => handle.close(),
  };
}

/** One embedding or parameter file read through the format modules (the FileCache's loader). */
export async function loadFile(path: string, options: ReadOptions = {}): Promise<LoadedEmbeddings> {
  const source = await openFileSource(path);
  try {
    return await readEmbeddings(source, options);
  } finally {
    await source.close();
  }
}

/** One layer of a capture file (formats/captures.ts), read through the same file handle code. */
export async function loadCaptureFile(path: string, layer: number, options: ReadOptions = {}): Promise<LoadedCapture> {
  const source = await openFileSource(path);
  try {
    return await readCapture(source, layer, options);
  } finally {
    await source.close();
  }
}

/** The layers of a capture file, or null when the file is no capture (formats/captures.ts probeCapture). */
export async function probeCaptureFile(path: string, options: ReadOptions = {}): Promise<{ naming: CaptureNaming; layers: number[] } | null> {
  const source = await openFileSource(path);
  try {
    return await probeCapture(source, options);
  } finally {
    await source.close();
  }
}
