/**
 * Loaded files: a small cache keyed by path, part, size and mtime (a slider drag re-runs
 * the same JobSpec many times a second and must not re-read a 100 MB file each time), and
 * the streamed sha256 a session records. Every file the app and the CLI read goes through it.
 */
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { LoadedEmbeddings } from '../../../src-shared/formats/types';
import type { LoadedCapture } from '../../../src-shared/formats/captures';
import { indexVocabulary } from '../../../src-shared/formats/sentence';
import { loadCaptureFile, loadFile, probeCaptureFile } from './file-source';
import { isVocabulary } from './source-info';
import { canonicalPath } from './paths';
import { notRegularFile, openRegularFile } from './safe-open';

/** sha256 of a regular file, read 1 MiB at a time (a 1 GB vocabulary is never held whole). */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const { handle } = await openRegularFile(path);
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close().catch(() => {});
  }
  return hash.digest('hex');
}

type Loaded = LoadedEmbeddings | LoadedCapture;

/** the float data a loaded file holds, for the cache's budget */
function loadedBytes(l: Loaded): number {
  if ('embeddings' in l) return l.embeddings.data.byteLength;
  const d = l.data;
  return d ? d.q.byteLength + d.k.byteLength + d.v.byteLength + (d.pattern?.byteLength ?? 0) : 0;
}

interface Entry {
  key: string;
  mtimeMs: number;
  size: number;
  loaded: Promise<Loaded>;
  bytes: number;
  /** stops the read once every caller waiting for it has cancelled */
  controller: AbortController;
  waiting: number;
  settled: boolean;
}

export interface LoadOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  /** refuse files whose float32 data would exceed this */
  maxBytes?: number;
}

function cannotOpen(path: string, e: unknown): Error {
  return new Error(`${basename(path)}: cannot open the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const e = new Error('the job was cancelled');
  e.name = 'AbortError';
  return e;
}

/** Resolve with the promise, or reject as soon as the signal aborts (the promise itself goes on). */
export function raceAbort<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (x) => {
        signal.removeEventListener('abort', onAbort);
        resolve(x);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the reader's own rejection, passed on as it came
        reject(e);
      },
    );
  });
}

/**
 * Loaded files by (path, part), valid while the file's size and mtime are unchanged.
 * A load in flight is shared by every caller asking for the same file; one caller's
 * cancellation does not cancel the load for the others (the load finishes into the cache),
 * but when every caller waiting for it has cancelled, the read stops and leaves the cache
 * (a cancelled 1 GB vocabulary would otherwise go on parsing for seconds into memory).
 */
export class FileCache {
  private readonly entries = new Map<string, Entry>();
  private readonly hashes = new Map<string, { mtimeMs: number; size: number; sha: Promise<string>; controller: AbortController; waiting: number; settled: boolean }>();
  /** stand-ins for files a session carried inline, used when the file itself is gone */
  private readonly embedded = new Map<string, LoadedEmbeddings>();

  constructor(
    private readonly maxEntries = 8,
    private readonly maxBytes = 2 ** 31,
    /** build a vocabulary's sentence look-up index as it loads (the app's sentence box; the CLI has none) */
    private readonly indexVocabularies = true,
  ) {}

  private static key(path: string, part?: string): string {
    return part ? `${canonicalPath(path)}#${part}` : canonicalPath(path);
  }

  setEmbedded(path: string, part: string | undefined, loaded: LoadedEmbeddings): void {
    this.embedded.set(FileCache.key(path, part), loaded);
  }

  embeddedFor(path: string, part?: string): LoadedEmbeddings | undefined {
    return this.embedded.get(FileCache.key(path, part));
  }

  /** The file as loaded now (re-read when it changed on disk); falls back to embedded data if the file is gone. */
  async load(path: string, part: string | undefined, options: LoadOptions = {}): Promise<{ loaded: LoadedEmbeddings; embedded: boolean }> {
    const key = FileCache.key(path, part);
    let st;
    try {
      st = await stat(path);
    } catch (e) {
      const fallback = this.embedded.get(key);
      if (fallback && (e as NodeJS.ErrnoException).code === 'ENOENT') return { loaded: fallback, embedded: true };
      throw cannotOpen(path, e);
    }
    const loaded = await this.cached(key, path, st, options, (signal) =>
      // a vocabulary's look-up index is built as part of the load, in slices, so the first
      // sentence look-up does not stall the main process
      loadFile(path, { part, onProgress: options.onProgress, maxBytes: options.maxBytes, signal }).then(async (l) => {
        if (this.indexVocabularies && isVocabulary(l)) await indexVocabulary(l.embeddings, { signal });
        return l;
      }),
    );
    return { loaded, embedded: false };
  }

  /** One layer of a capture file as loaded now (re-read when it changed on disk); cached like any other file. */
  async loadCapture(path: string, layer: number, options: LoadOptions = {}): Promise<LoadedCapture> {
    let st;
    try {
      st = await stat(path);
    } catch (e) {
      throw cannotOpen(path, e);
    }
    // a path is absolute, so the prefix never meets an embeddings key
    const key = `capture:${layer}:${FileCache.key(path)}`;
    return this.cached(key, path, st, options, (signal) => loadCaptureFile(path, layer, { onProgress: options.onProgress, maxBytes: options.maxBytes, signal }));
  }

  /** The layers of a capture file (not cached: the names are read again), or null when the file is no capture. */
  async probeCapture(path: string): Promise<{ naming: 'transformer-lens' | 'generic'; layers: number[] } | null> {
    let st;
    try {
      st = await stat(path);
    } catch (e) {
      throw cannotOpen(path, e);
    }
    if (!st.isFile()) throw notRegularFile(path, st);
    return probeCaptureFile(path);
  }

  /** The cached load of `key`, or `read` started now; shared by every caller until it settles. */
  private async cached<T extends Loaded>(key: string, path: string, st: Stats, options: LoadOptions, read: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (!st.isFile()) throw notRegularFile(path, st);
    let entry = this.entries.get(key);
    if (entry && (entry.mtimeMs !== st.mtimeMs || entry.size !== st.size)) {
      this.entries.delete(key);
      entry = undefined;
    }
    if (!entry) {
      const controller = new AbortController();
      const loaded = read(controller.signal);
      const created: Entry = { key, mtimeMs: st.mtimeMs, size: st.size, loaded, bytes: 0, controller, waiting: 0, settled: false };
      entry = created;
      this.entries.set(key, created);
      loaded.then(
        (l) => {
          created.settled = true;
          created.bytes = loadedBytes(l);
          this.evict();
        },
        () => {
          created.settled = true;
          if (this.entries.get(key) === created) this.entries.delete(key);
        },
      );
    } else {
      // most recently used last
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    const waited = entry;
    waited.waiting++;
    try {
      // the key says what was read: an entry under a capture key holds a capture, any other an embeddings file
      return (await raceAbort(waited.loaded, options.signal)) as T;
    } finally {
      waited.waiting--;
      if (waited.waiting === 0 && !waited.settled && options.signal?.aborted) {
        // nobody wants this load any more: stop reading and forget it
        waited.controller.abort();
        if (this.entries.get(key) === waited) this.entries.delete(key);
      }
    }
  }

  /** sha256 of the file as it is now, computed once per (size, mtime); stops reading when every caller has cancelled. */
  async sha256(path: string, signal?: AbortSignal): Promise<string> {
    const key = canonicalPath(path);
    const st = await stat(path);
    let h = this.hashes.get(key);
    if (!h || h.mtimeMs !== st.mtimeMs || h.size !== st.size) {
      const controller = new AbortController();
      const sha = sha256File(path, controller.signal);
      const created = { mtimeMs: st.mtimeMs, size: st.size, sha, controller, waiting: 0, settled: false };
      h = created;
      this.hashes.set(key, created);
      sha.then(
        () => (created.settled = true),
        () => {
          created.settled = true;
          if (this.hashes.get(key) === created) this.hashes.delete(key);
        },
      );
    }
    const waited = h;
    waited.waiting++;
    try {
      return await raceAbort(waited.sha, signal);
    } finally {
      waited.waiting--;
      if (waited.waiting === 0 && !waited.settled && signal?.aborted) {
        waited.controller.abort();
        if (this.hashes.get(key) === waited) this.hashes.delete(key);
      }
    }
  }

  /** The sha256 already known for this file (no disk read beyond a stat), or ''. */
  async knownSha256(path: string): Promise<string> {
    const h = this.hashes.get(canonicalPath(path));
    if (!h) return '';
    try {
      const st = await stat(path);
      if (st.mtimeMs !== h.mtimeMs || st.size !== h.size) return '';
      return await h.sha;
    } catch {
      return '';
    }
  }

  private evict(): void {
    let total = 0;
    for (const e of this.entries.values()) total += e.bytes;
    for (const [key, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && total <= this.maxBytes) break;
      if (this.entries.size === 1) break;
      this.entries.delete(key);
      total -= e.bytes;
    }
  }

  clear(): void {
    this.entries.clear();
    this.hashes.clear();
    this.embedded.clear();
  }
}
