/**
 * Capturing a model's attention (`qklab capture`, and the app's Open of an .onnx): run an
 * exported ONNX model on one sequence (batch 1) with onnxruntime-web's wasm backend, the
 * engine's own (engine/ort-node.ts), and keep, per attention block in graph order, q, k, v
 * and the pattern under TransformerLens's names (src-shared/capture/layout.ts).
 *
 * The graph is analysed in src-shared/capture/find-attention.ts; here the tapped values are
 * added as graph outputs, the model runs at the 'basic' optimisation level (no fusion may
 * swallow a tapped value), and the result is laid out and encoded. No Electron import: the
 * CLI and the app's IPC host call the same functions.
 *
 * Messages name the model file, the inputs and the op types; never the file's bytes.
 */
import onnxProto from 'onnx-proto';
import { CaptureModelError, computedFactors, findAttention, requiredInputs, vocabularySize, type AttentionTap } from '../../../src-shared/capture/find-attention';
import { GraphIndex, toInt } from '../../../src-shared/capture/graph-index';
import { scaleValue } from '../../../src-shared/capture/scales';
import { CaptureShapeError, layerHooks, type LayerHooks, type TappedTensor } from '../../../src-shared/capture/layout';
import { float16ToFloat32 } from '../../../src-shared/formats/bytes';
import { createSession, ort } from '../../engine/ort-node';

const { onnx } = onnxProto;

/** protobufjs and Node's Buffer stop at 2 GiB: larger models keep their weights as external data, which capture does not read */
export const MAX_MODEL_BYTES = 2 ** 31 - 1;

const INPUT_IDS = 'input_ids';
const ATTENTION_MASK = 'attention_mask';
const INT64 = 7;
const INT32 = 6;

/** A request the model cannot answer (ids past its vocabulary, layers past its last); `option` is what the user gave. */
export class CaptureRequestError extends Error {
  constructor(
    readonly option: 'ids' | 'text' | 'layers',
    message: string,
  ) {
    super(message);
    this.name = 'CaptureRequestError';
  }
}

export { CaptureModelError };

export interface CaptureOptions {
  /** the token ids fed as input_ids [1, T] */
  ids: readonly number[];
  /** labels of the ids (the tokenizer's tokens); the ids in decimal when absent */
  tokens?: readonly string[];
  /** the text the ids were tokenized from, kept in the metadata */
  text?: string;
  /** where the ids came from, for messages: 'ids' (a list) or 'text' (a tokenizer) */
  idsFrom?: 'ids' | 'text';
  /** which attention layers to keep (graph order); all when absent */
  layers?: readonly number[];
  /** onnxruntime threads (ort.env.wasm.numThreads, fixed by the first session of the process) */
  threads?: number;
  /** how far the capture has got, 0…1 (the app's progress bar): the model analysed, loaded, run */
  onProgress?: (fraction: number) => void;
}

export interface CapturedLayer extends LayerHooks {
  tap: AttentionTap;
  /** the tap's scales with their computed factors' values in: q's and k's before the score MatMul, the scores' after it */
  qScale: number;
  kScale: number;
  scoreScale: number;
}

export interface Capture {
  /** the model's file name, as metadata and messages name it */
  model: string;
  ids: number[];
  tokens: string[];
  text?: string;
  /** attention blocks in the model */
  layerCount: number;
  /** the captured ones, in graph order */
  layers: CapturedLayer[];
}

/** The analysis of a model without running it: its attention blocks, inputs and vocabulary. */
export interface ModelPlan {
  model: onnxProto.onnx.ModelProto;
  taps: AttentionTap[];
  feedsMask: boolean;
  /** input_ids' element type (int64 or int32) */
  idsType: 'int64' | 'int32';
  vocabulary: number | null;
  /** the sequence length input_ids was exported with, when fixed (no dynamic axis); null when free */
  fixedLength: number | null;
}

function decodeModel(bytes: Uint8Array, name: string): onnxProto.onnx.ModelProto {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new CaptureModelError(`${name}: not an ONNX model (the protobuf does not decode: ${(e as Error).message})`);
  }
  if (!model.graph || (model.graph.node ?? []).length === 0) throw new CaptureModelError(`${name}: not an ONNX model (no graph, or a graph with no nodes)`);
  return model;
}

function intInputType(model: onnxProto.onnx.ModelProto, input: string, name: string): 'int64' | 'int32' {
  const info = model.graph!.input!.find((i) => i.name === input);
  const elem = info?.type?.tensorType?.elemType;
  if (elem === INT64 || elem === undefined || elem === null) return 'int64';
  if (elem === INT32) return 'int32';
  throw new CaptureModelError(`${name}: the input ${input} has element type ${elem} in the graph; qklab capture feeds token ids as int64 or int32`);
}

/** input_ids' second dimension when the export fixed it (a number, not a named axis). */
function fixedLength(model: onnxProto.onnx.ModelProto): number | null {
  const dims = model.graph!.input!.find((i) => i.name === INPUT_IDS)?.type?.tensorType?.shape?.dim;
  const d = dims?.length === 2 ? dims[1] : null;
  return d?.dimValue !== undefined && d.dimValue !== null && !d.dimParam ? toInt(d.dimValue) : null;
}

/** Decode and analyse a model: everything that can be refused before onnxruntime starts is refused here. */
export function planCapture(bytes: Uint8Array, name: string): ModelPlan {
  const model = decodeModel(bytes, name);
  const graph = model.graph!;
  if ((graph.initializer ?? []).some((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL)) {
    throw new CaptureModelError(
      `${name}: the model keeps its weights in external data files beside it; qklab capture reads single-file models (save it with its weights inside, under 2 GB)`,
    );
  }
  const required = requiredInputs(graph);
  if (!required.includes(INPUT_IDS)) {
    throw new CaptureModelError(`${name}: the model has no input named ${INPUT_IDS}; qklab capture feeds one sequence of token ids as ${INPUT_IDS} [1, T]`);
  }
  const other = required.filter((i) => i !== INPUT_IDS && i !== ATTENTION_MASK);
  if (other.length > 0) {
    const list = other.join(', ');
    throw new CaptureModelError(
      `${name}: the model requires the input${other.length === 1 ? '' : 's'} ${list}, which qklab capture does not feed (it feeds ${INPUT_IDS} and, where the model has it, ${ATTENTION_MASK} of ones)`,
    );
  }
  const index = new GraphIndex(graph);
  const taps = findAttention(graph, name, index);
  const feedsMask = required.includes(ATTENTION_MASK);
  if (feedsMask) intInputType(model, ATTENTION_MASK, name);
  return {
    model,
    taps,
    feedsMask,
    idsType: intInputType(model, INPUT_IDS, name),
    vocabulary: vocabularySize(graph, INPUT_IDS, index),
    fixedLength: fixedLength(model),
  };
}

/** The layers asked for, checked against the model's count (graph order); all when none are named. */
export function selectLayers(taps: readonly AttentionTap[], layers: readonly number[] | undefined, name: string): AttentionTap[] {
  if (!layers) return [...taps];
  const n = taps.length;
  for (const l of layers) {
    if (!Number.isInteger(l) || l < 0 || l >= n) {
      throw new CaptureRequestError('layers', `layer ${l} is past the last: ${name} has ${n} attention layer${n === 1 ? '' : 's'} (0–${n - 1})`);
    }
  }
  return [...new Set(layers)].sort((a, b) => a - b).map((l) => taps[l]);
}

/** Ids checked against the embedding table's rows, where the graph shows it. */
export function checkIds(ids: readonly number[], vocabulary: number | null, name: string, from: 'ids' | 'text' = 'ids'): void {
  if (ids.length === 0) throw new CaptureRequestError(from, `no token ids to feed ${name}`);
  const bad = ids.findIndex((id) => !Number.isInteger(id) || id < 0 || (vocabulary !== null && id >= vocabulary));
  if (bad < 0) return;
  const id = ids[bad];
  const where = from === 'text' ? `the tokenizer gave id ${id} (token ${bad})` : `id ${id} (position ${bad})`;
  if (vocabulary !== null && Number.isInteger(id) && id >= vocabulary) {
    throw new CaptureRequestError(from, `${where} is past the vocabulary of ${name}: ${vocabulary} tokens, ids 0–${vocabulary - 1}`);
  }
  throw new CaptureRequestError(from, `${where} is not a token id (a whole number ≥ 0)`);
}

/** The model with every tapped value added as a graph output (float32 unless the graph says otherwise). */
export function withTapOutputs(model: onnxProto.onnx.ModelProto, names: readonly string[]): Uint8Array {
  const graph = model.graph!;
  const outputs = new Set((graph.output ?? []).map((o) => o.name));
  const known = new Map((graph.valueInfo ?? []).map((v) => [v.name, v]));
  const added = names
    .filter((n, i) => !outputs.has(n) && names.indexOf(n) === i)
    .map((n) => known.get(n) ?? { name: n, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } });
  const edited = onnx.ModelProto.create({ ...model, graph: onnx.GraphProto.create({ ...graph, output: [...(graph.output ?? []), ...added] }) });
  return onnx.ModelProto.encode(edited).finish();
}

function float32(t: ort.Tensor, what: string): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') {
    const bits = t.data as Uint16Array;
    return Float32Array.from(bits, float16ToFloat32);
  }
  throw new CaptureShapeError(`${what} is ${t.type}; qklab capture reads float32 and float16 attention`);
}

/** A computed scale factor's value: it must be one number, or the walk back through it was wrong. */
function scalarOf(t: ort.Tensor, name: string): number {
  if (t.size !== 1 || (t.type !== 'float32' && t.type !== 'float16' && t.type !== 'float64')) {
    throw new CaptureModelError(
      `${name}: q or k is scaled by a value computed from shapes that is not one number (${t.type} [${t.dims.join(', ')}]); qklab capture walks back through scalar scales only`,
    );
  }
  return t.type === 'float16' ? float16ToFloat32((t.data as Uint16Array)[0]) : Number((t.data as Float32Array | Float64Array)[0]);
}

function tapped(t: ort.Tensor, what: string): TappedTensor {
  return { data: float32(t, what), dims: t.dims };
}

/** Run the model on one sequence and keep the attention of the asked layers. */
export async function captureModel(bytes: Uint8Array, name: string, options: CaptureOptions): Promise<Capture> {
  const plan = planCapture(bytes, name);
  const ids = [...options.ids];
  checkIds(ids, plan.vocabulary, name, options.idsFrom);
  if (plan.fixedLength !== null && plan.fixedLength > 0 && ids.length !== plan.fixedLength) {
    const n = plan.fixedLength;
    throw new CaptureRequestError(
      options.idsFrom ?? 'ids',
      `${name} takes exactly ${n} token${n === 1 ? '' : 's'} (input_ids [1, ${n}], fixed when it was exported), not ${ids.length}`,
    );
  }
  const chosen = selectLayers(plan.taps, options.layers, name);
  options.onProgress?.(0.3);
  const factors = [...new Set(chosen.flatMap(computedFactors))];
  const fetches = [...new Set(chosen.flatMap((t) => [t.q, t.k, t.v, t.pattern]))];
  let session: ort.InferenceSession;
  try {
    session = await createSession(withTapOutputs(plan.model, [...fetches, ...factors]), options.threads ?? 1, 'basic');
  } catch (e) {
    throw new CaptureModelError(`${name}: onnxruntime could not load the model: ${(e as Error).message}`);
  }
  options.onProgress?.(0.5);
  try {
    const T = ids.length;
    const tensor = (type: 'int64' | 'int32', values: readonly number[]): ort.Tensor =>
      type === 'int64' ? new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [1, T]) : new ort.Tensor('int32', Int32Array.from(values), [1, T]);
    const feeds: Record<string, ort.Tensor> = { [INPUT_IDS]: tensor(plan.idsType, ids) };
    if (plan.feedsMask) feeds[ATTENTION_MASK] = tensor(intInputType(plan.model, ATTENTION_MASK, name), new Array<number>(T).fill(1));
    let results: Record<string, ort.Tensor>;
    try {
      // 4 = fatal only: a failing kernel's error comes back in the exception, worded once
      results = await session.run(feeds, [...fetches, ...factors], { logSeverityLevel: 4 });
    } catch (e) {
      throw new CaptureModelError(`${name}: the model failed to run on ${T} token${T === 1 ? '' : 's'}: ${(e as Error).message}`);
    }
    options.onProgress?.(0.9);
    const factorValues = new Map(factors.map((f) => [f, scalarOf(results[f], name)]));
    const layers = chosen.map((tap): CapturedLayer => {
      const what = (hook: string) => `layer ${tap.layer}: ${hook}`;
      try {
        const hooks = layerHooks(
          tap.layer,
          {
            q: tapped(results[tap.q], what('q')),
            k: tapped(results[tap.k], what('k')),
            v: tapped(results[tap.v], what('v')),
            pattern: tapped(results[tap.pattern], what('the pattern')),
            kTransposed: tap.kTransposed,
          },
          T,
        );
        return {
          ...hooks,
          tap,
          qScale: scaleValue(tap.qScale, factorValues),
          kScale: scaleValue(tap.kScale, factorValues),
          scoreScale: scaleValue(tap.scoreScale, factorValues),
        };
      } catch (e) {
        if (e instanceof CaptureShapeError) throw new CaptureModelError(`${name}: ${e.message}`);
        throw e;
      }
    });
    return {
      model: name,
      ids,
      tokens: options.tokens ? [...options.tokens] : ids.map(String),
      text: options.text,
      layerCount: plan.taps.length,
      layers,
    };
  } finally {
    await session.release();
  }
}
