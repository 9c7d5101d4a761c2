/**
 * The app's Open of an ONNX model (issue #17 part 3). Open… on an .onnx grants the model and
 * answers a ModelFileInfo (sources.ts); the user types a text (tokenized by the
 * tokenizer.json beside the model) or token ids; `captureModel` then runs the CLI's own
 * capture (`captureFile`) in a worker thread (capture-thread.ts), cancellable through the
 * table of active work, writes it as one .safetensors file the app owns (under
 * `userDataDir/captures`, named after the model and the capture's sha256) and opens that
 * file as a capture source, exactly like a capture file the user opened: JobSpecs name it
 * as `capture: {path, layer}`, sessions name it.
 *
 * Every message names the model file (or the tokenizer) and the problem, never the files'
 * contents.
 */
import { createHash } from 'node:crypto';
import { basename, extname, join } from 'node:path';
import type { CaptureModelRequest, ModelFileInfo, SourceInfo } from '../../../src-shared/api/lab-api';
import { IdsTextError, isModelPath, MODEL_EXTENSIONS, parseIdsText } from '../../../src-shared/capture/model-file';
import { trackWork } from '../active-work';
import { makePrivateDir, writeFileAtomic } from '../durable-files';
import type { Host } from '../host';
import type { ServiceContext } from '../service-context';
import { checkPathShape } from '../sources/paths';
import type { Sources } from '../sources/sources';
import { tokenizerBesideIfAny } from './capture-file';
import { captureInWorker, type CaptureThreadJob } from './capture-thread';

/** The folder of the captures the app made of the models the user opened (a session naming one asks for it like any other file). */
export function capturesDir(userDataDir: string): string {
  return join(userDataDir, 'captures');
}

/** What Open… answers for a model: its name and whether a tokenizer.json lies beside it. */
export async function modelFileInfo(path: string): Promise<ModelFileInfo> {
  const tokenizer = await tokenizerBesideIfAny(path);
  return { name: basename(path), path, model: { tokenizer: tokenizer && basename(tokenizer) } };
}

/** A message that names the model: the capture's own messages mostly do; the others get it in front. */
function namingModel(e: unknown, name: string): unknown {
  if (!(e instanceof Error) || e.name === 'AbortError' || /cancelled/i.test(e.message) || e.message.includes(name)) return e;
  const named = new Error(`${name}: ${e.message}`, { cause: e });
  named.name = e.name;
  return named;
}

export class ModelCaptures {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly host: Host,
    private readonly sources: Sources,
  ) {}

  /** What the worker is asked for: a text with the tokenizer beside the model, or the typed ids (labelled by it when there is one). */
  async captureRequest(path: string, req: { text?: string; ids?: string }): Promise<CaptureThreadJob['request']> {
    const name = basename(path);
    const tokenizer = await tokenizerBesideIfAny(path);
    if (req.text !== undefined) {
      if (!tokenizer) throw new Error(`${name}: there is no tokenizer.json beside the model to turn a text into token ids; type the token ids instead`);
      if (req.text.trim() === '') throw new Error(`${name}: the text is empty`);
      return { text: req.text, tokenizerPath: tokenizer };
    }
    try {
      return { ids: parseIdsText(req.ids ?? ''), ...(tokenizer ? { tokenizerPath: tokenizer } : {}) };
    } catch (e) {
      if (e instanceof IdsTextError) throw new Error(`${name}: ${e.message}`, { cause: e });
      throw e;
    }
  }

  async captureModel(req: CaptureModelRequest): Promise<SourceInfo> {
    const path = this.ctx.allow.check(checkPathShape(req.path), 'read');
    const name = basename(path);
    if (!isModelPath(path)) throw new Error(`${name}: not a model to capture (expected ${MODEL_EXTENSIONS.map((e) => '.' + e).join(', ')})`);
    try {
      const request = await this.captureRequest(path, req);
      const captured = await trackWork(this.ctx, req.captureId, 'capturing', (signal, progress) =>
        captureInWorker(path, request, { signal, onProgress: (f) => progress(f * 0.95) }),
      );
      const dir = capturesDir(this.host.userDataDir);
      await makePrivateDir(dir);
      const sha = createHash('sha256').update(captured.bytes).digest('hex');
      const file = join(dir, `${basename(name, extname(name))}-${sha.slice(0, 12)}.safetensors`);
      await writeFileAtomic(file, captured.bytes);
      this.ctx.allow.allow(file, 'read', 'internal');
      return await this.sources.openCaptureFile(file);
    } catch (e) {
      throw namingModel(e, name);
    }
  }
}
