/**
 * The sources room: files the user opened (or dropped) as SourceInfos, and sentence
 * look-ups in them. Opening grants the path (the allow-list, paths.ts) and adds it to the
 * recent list.
 */
import type { ModelFileInfo, SentenceLookup, SourceInfo } from '../../../src-shared/api/lab-api';
import { isModelPath } from '../../../src-shared/capture/model-file';
import { modelFileInfo } from '../captures/model-captures';
import type { LoadedEmbeddings } from '../../../src-shared/formats/types';
import type { LoadedCapture } from '../../../src-shared/formats/captures';
import { lookupSentence } from '../../../src-shared/formats/sentence';
import { basename } from 'node:path';
import type { Host } from '../host';
import type { ServiceContext } from '../service-context';
import type { RecentFiles } from '../app/recent-files';
import type { FileCache } from './file-cache';
import { captureSourceInfo, sourceInfo } from './source-info';

export class Sources {
  /** a capture's entry has no embeddings (its layers are read by the runs) */
  private readonly sources = new Map<string, { info: SourceInfo; loaded: LoadedEmbeddings | null }>();
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

  /** An embedding or capture file as a source; an ONNX model as a ModelFileInfo (captured by captures/model-captures.ts once the user typed its input). */
  async openEmbeddings(req: { path?: string; part?: string }): Promise<SourceInfo | ModelFileInfo | null> {
    let path: string;
    if (req.path !== undefined) {
      path = this.ctx.allow.check(req.path, 'read');
    } else {
      const chosen = await this.host.chooseOpenPath('embeddings');
      if (!chosen) return null;
      path = this.ctx.allow.allow(chosen, 'read', 'dialog');
    }
    const info = isModelPath(path) ? await modelFileInfo(path) : await this.openSource(path, req.part);
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

  /** A capture file as a source: its first layer loaded (through the cache, for the runs) to describe its shapes. */
  registerCapture(path: string, loaded: LoadedCapture, sha256: string): SourceInfo {
    const id = `src-${this.nextSource++}`;
    const info = captureSourceInfo(id, path, loaded, sha256);
    this.sources.set(id, { info, loaded: null });
    return info;
  }

  /**
   * The layers of `path` when it is a capture file (its first layer loaded), else null. A file
   * of named tensors that cannot be read as one is left to the embeddings reader, whose
   * message the user then sees.
   */
  async loadCapture(path: string, signal?: AbortSignal): Promise<LoadedCapture | null> {
    const files: FileCache = this.ctx.files;
    const found = await files.probeCapture(path).catch(() => null);
    if (!found || found.layers.length === 0) return null;
    return files.loadCapture(path, found.layers[0], { signal });
  }

  /** A capture file the app wrote itself (a model it captured), granted by the caller, as a capture source. */
  async openCaptureFile(path: string): Promise<SourceInfo> {
    const capture = await this.loadCapture(path);
    if (!capture) throw new Error(`${basename(path)}: no capture tensors found`);
    return this.registerCapture(path, capture, await this.ctx.files.sha256(path));
  }

  private async openSource(path: string, part?: string): Promise<SourceInfo> {
    // hash while loading; a file that fails to load stops its hash (a bad 3 GB file would hash on for seconds)
    const hashing = new AbortController();
    const files: FileCache = this.ctx.files;
    const sha = files.sha256(path, hashing.signal).catch(() => '');
    try {
      const capture = part === undefined ? await this.loadCapture(path) : null;
      if (capture) return this.registerCapture(path, capture, await sha);
      const opened = await files.load(path, part);
      return this.register(path, opened.loaded, opened.embedded ? '' : await sha);
    } catch (e) {
      hashing.abort();
      throw e;
    }
  }

  async lookupSentence(req: { sourceId: string; sentence: string }): Promise<SentenceLookup> {
    const source = this.sources.get(req.sourceId);
    if (!source) throw new Error(`unknown source "${req.sourceId}": open the file again`);
    if (!source.loaded) throw new Error(`${source.info.name} is a capture file: its tokens are the model's, with no vocabulary to look a sentence up in`);
    const found = lookupSentence(source.loaded.embeddings, req.sentence);
    return { indices: [...found.indices], tokens: [...found.tokens], outOfVocabulary: [...found.outOfVocabulary] };
  }
}
