/** Shared pieces of the service tests: temp folders, a scripted Host, small embedding files. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Host, SaveKind } from '../../src-main/service/host';
import { encodeNpy } from '../../src-main/service/npy-write';
import { gaussianMatrix } from '../../src-shared/random';
import { isModelFileInfo, type ModelFileInfo, type SourceInfo } from '../../src-shared/api/lab-api';

export function tempDir(prefix = 'qklab-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A Host whose dialogs return the paths a test queued (null = the user cancelled). */
export class ScriptedHost implements Host {
  readonly opens: (string | null)[] = [];
  readonly saves: (string | null)[] = [];
  readonly asked: { kind: string; defaultName?: string }[] = [];

  constructor(readonly userDataDir: string) {}

  async chooseOpenPath(kind: 'embeddings' | 'session'): Promise<string | null> {
    this.asked.push({ kind });
    if (!this.opens.length) throw new Error(`the test did not expect an Open dialog (${kind})`);
    return this.opens.shift()!;
  }

  async chooseSavePath(kind: SaveKind, defaultName: string): Promise<string | null> {
    this.asked.push({ kind, defaultName });
    if (!this.saves.length) throw new Error(`the test did not expect a Save dialog (${kind})`);
    return this.saves.shift()!;
  }
}

export const WORDS = ['the', 'cat', 'sat', 'on', 'the', 'mat', 'and', 'purred'];

export function vectors(T: number, d: number, seed = 1): number[][] {
  const m = gaussianMatrix(seed, 'service-test', T, d, 1);
  return Array.from({ length: T }, (_, i) => Array.from(m.subarray(i * d, (i + 1) * d), (x) => Math.round(x * 1000) / 1000));
}

/** A JobSpec written as `name` in `dir`; returns its path. */
export function writeJobFile(dir: string, name: string, job: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(job));
  return path;
}

/** A JSON embedding file {"tokens", "vectors"}. */
export function writeJsonEmbeddings(path: string, tokens: string[], d = 8, seed = 1): number[][] {
  const v = vectors(tokens.length, d, seed);
  writeFileSync(path, JSON.stringify({ tokens, vectors: v }));
  return v;
}

/** A float32 .npy file of T×d Gaussian rows. */
export function writeNpyEmbeddings(path: string, T: number, d: number, seed = 2): Float32Array {
  const data = Float32Array.from(gaussianMatrix(seed, 'service-npy', T, d, 1));
  writeFileSync(path, encodeNpy(data, [T, d]));
  return data;
}

export function deferred<T = void>(): { promise: Promise<T>; resolve: (x: T) => void } {
  let resolve!: (x: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Open… of an embedding or capture file, as a SourceInfo (null when the dialog was cancelled); a model's ModelFileInfo fails the test. */
export async function openSource(
  service: { openEmbeddings(req: { path?: string; part?: string }): Promise<SourceInfo | ModelFileInfo | null> },
  req: { path?: string; part?: string },
): Promise<SourceInfo | null> {
  const info = await service.openEmbeddings(req);
  if (info && isModelFileInfo(info)) throw new Error(`${info.name} opened as a model, not a source`);
  return info;
}
