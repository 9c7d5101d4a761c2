/**
 * `qklab capture MODEL.onnx (--ids 1,2,3 | --text "…" [--tokenizer tokenizer.json]) (--out FILE.safetensors | --json)`:
 * run an exported model on one sequence and write its attention per layer (TransformerLens
 * names) through the service's capture room (src-main/service/captures). Loaded on demand by
 * main.ts, so `qklab --help` never loads onnxruntime.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseCommand, stringFlags, SWITCH } from './common-flags';
import { wholeNumber, type Usage } from './options';
import { makePrivateDir, writeFileAtomic } from '../service/durable-files';
import { formatBytes } from '../service/sources/safe-open';
import { captureFile, tokenizerBeside } from '../service/captures/capture-file';
import { CaptureRequestError } from '../service/captures/capture-model';
import { captureSummary, encodeCapture } from '../service/captures/capture-output';

export interface CaptureArgs {
  model: string;
  ids?: number[];
  text?: string;
  tokenizer?: string;
  out?: string;
  json: boolean;
  layers?: number[];
  threads?: number;
}

/** "1,2,3" → [1, 2, 3]; anything but comma-separated whole numbers ≥ 0 is a usage error naming the flag. */
export function wholeNumberList(flag: string, text: string, usage: Usage, what: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  const bad = parts.findIndex((p, i) => p === '' || !/^\d+$/.test(p) || !Number.isSafeInteger(values[i]));
  if (parts.length === 0 || bad >= 0) {
    const shown = bad >= 0 && parts[bad] !== '' ? `"${parts[bad]}"` : 'an empty entry';
    throw usage(`--${flag} expects ${what} as comma-separated whole numbers ≥ 0, got ${shown}`);
  }
  return values;
}

export function parseCaptureArgs(args: string[], usage: Usage): CaptureArgs {
  const { values, positionals } = parseCommand(args, {
    ...stringFlags('ids', 'text', 'tokenizer', 'out', 'layers', 'threads'),
    json: SWITCH,
    debug: SWITCH,
  });
  if (positionals.length !== 1) throw usage('capture takes one MODEL.onnx');
  if ((values.ids === undefined) === (values.text === undefined)) throw usage('capture needs --ids ID,ID,… or --text "…" (one of the two)');
  if (!values.json && !values.out) throw usage('capture needs --out FILE.safetensors or --json');
  const model = resolve(positionals[0]);
  let tokenizer = values.tokenizer !== undefined ? resolve(values.tokenizer) : undefined;
  if (values.text !== undefined && tokenizer === undefined) {
    // Hugging Face exports put tokenizer.json beside model.onnx
    if (!existsSync(tokenizerBeside(model))) throw usage('--text needs --tokenizer tokenizer.json (there is no tokenizer.json beside the model)');
    tokenizer = tokenizerBeside(model);
  }
  if (values.text !== undefined && values.text.length === 0) throw usage('--text is empty');
  return {
    model,
    ids: values.ids !== undefined ? wholeNumberList('ids', values.ids, usage, 'token ids') : undefined,
    text: values.text,
    tokenizer,
    out: values.out !== undefined ? resolve(values.out) : undefined,
    json: Boolean(values.json),
    layers: values.layers !== undefined ? wholeNumberList('layers', values.layers, usage, 'layer numbers') : undefined,
    threads: wholeNumber('threads', values.threads, usage, 1),
  };
}

export async function cmdCapture(args: string[], { usage }: { usage: Usage }): Promise<void> {
  const a = parseCaptureArgs(args, usage);
  let capture;
  try {
    capture = await captureFile(a.model, { ids: a.ids, text: a.text, tokenizerPath: a.tokenizer, layers: a.layers, threads: a.threads });
  } catch (e) {
    // the request's own mistakes name the flag they came from
    if (e instanceof CaptureRequestError) throw new Error(`--${e.option}: ${e.message}`, { cause: e });
    throw e;
  }
  let written: string | undefined;
  if (a.out) {
    const bytes = encodeCapture(capture);
    await makePrivateDir(dirname(a.out));
    await writeFileAtomic(a.out, bytes);
    written = a.out;
    const first = capture.layers[0];
    const n = capture.layers.length;
    process.stderr.write(`wrote ${a.out} (${n} layer${n === 1 ? '' : 's'} × ${first.heads} heads, ${first.T} positions, ${formatBytes(bytes.length)})\n`);
  }
  if (a.json) process.stdout.write(JSON.stringify({ ...captureSummary(capture), ...(written ? { out: written } : {}) }) + '\n');
}
