/**
 * The sources room: files the user opened (or dropped) as SourceInfos, and sentence
 * look-ups in them. Opening grants the path (the allow-list, paths.ts) and adds it to the
 * recent list.
 */
import type { SentenceLookup, SourceInfo } from '../../../src-shared/api/lab-api';
import type { LoadedEmbeddings } from '../../../src-shared/formats/types';
import { lookupSentence } from '../../../src-shared/formats/sentence';
import type { Host } from '../host';
import type { ServiceContext } from '../service-context';
import type { RecentFiles } from '../app/recent-files';
import type { FileCache } from './file-cache';
import { sourceInfo } from './source-info';

export class Sources {
  private readonly sources = new Map<string, { info: SourceInfo; loaded: LoadedEmbeddings }>();
  private nextSource = 1;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly host: Host,
    private readonly recent: RecentFiles,
  ) {}

  /** Allow reading a file the user dropped on the window (the preload's pathForFile reports it). */
  async grantDroppedPath(req: { path: string }): Promise<void> {
    this.ctx.allow.allow(req.path, 'read', 'drop');
  }

  async openEmbeddings(req: { path?: string; part?: string }): Promise<SourceInfo | null> {
    let path: string;
    if (req.path !== undefined) {
      path = this.ctx.allow.check(req.path, 'read');
    } else {
      const chosen = await this.host.chooseOpenPath('embeddings');
      if (!chosen) return null;
      path = this.ctx.allow.allow(chosen, 'read', 'dialog');
    }
    const info = await this.openSource(path, req.part);
    await this.recent.add(path, this.ctx.allow.grantOf(path, 'read'));
    return info;
  }

  /** A loaded file as a source the renderer can name. */
  register(path: string, loaded: LoadedEmbeddings, sha256: string): SourceInfo {
    const id = `src-${this.nextSource++}`;
    const info = sourceInfo(id, path, loaded, sha256);
    this.sources.set(id, { info, loaded });
    return info;
  }

  private async openSource(path: string, part?: string): Promise<SourceInfo> {
    // hash while loading; a file that fails to load stops its hash (a bad 3 GB file would hash on for seconds)
    const hashing = new AbortController();
    const files: FileCache = this.ctx.files;
    const sha = files.sha256(path, hashing.signal).catch(() => '');
    let opened: Awaited<ReturnType<FileCache['load']>>;
    try {
      opened = await files.load(path, part);
    } catch (e) {
      hashing.abort();
      throw e;
    }
    return this.register(path, opened.loaded, opened.embedded ? '' : await sha);
  }

  async lookupSentence(req: { sourceId: string; sentence: string }): Promise<SentenceLookup> {
    const source = this.sources.get(req.sourceId);
    if (!source) throw new Error(`unknown source "${req.sourceId}": open the file again`);
    const found = lookupSentence(source.loaded.embeddings, req.sentence);
    return { indices: [...found.indices], tokens: [...found.tokens], outOfVocabulary: [...found.outOfVocabulary] };
  }
}
