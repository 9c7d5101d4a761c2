/** Reading embedding and parameter files from disk through the format modules. */
import { resolve as resolvePath, isAbsolute } from 'node:path';
import { readEmbeddings } from '../../src-shared/formats';
import type { LoadedEmbeddings, ReadOptions } from '../../src-shared/formats/types';
import { fileRefs, type FileTable } from '../../src-shared/job/resolve';
import type { JobSpec } from '../../src-shared/job/spec';
import { openFileSource } from './file-source';

export async function loadFile(path: string, options: ReadOptions = {}): Promise<LoadedEmbeddings> {
  const source = await openFileSource(path);
  try {
    return await readEmbeddings(source, options);
  } finally {
    await source.close();
  }
}

/** Load every file a JobSpec names (paths relative to `baseDir`), keyed as the JobSpec writes them. */
export async function loadJobFiles(spec: JobSpec, baseDir: string, options: ReadOptions = {}): Promise<FileTable> {
  const table = new Map<string, LoadedEmbeddings>();
  for (const ref of fileRefs(spec)) {
    if (table.has(ref.key)) continue;
    const full = isAbsolute(ref.path) ? ref.path : resolvePath(baseDir, ref.path);
    table.set(ref.key, await loadFile(full, { ...options, part: ref.part }));
  }
  return table;
}
