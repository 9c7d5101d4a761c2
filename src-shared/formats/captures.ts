/**
 * Captures: a model's per-layer, per-head queries, keys and values (and its own attention
 * pattern) in a file of named tensors, .safetensors or .npz, as `qklab capture` writes them.
 * Two namings are read (docs/semantics.md "Captures"):
 *
 * - TransformerLens, without the batch axis: `blocks.{l}.attn.hook_q`, `hook_k`, `hook_v`
 *   of shape [pos, head, d_head], and `blocks.{l}.attn.hook_pattern` [head, query_pos, key_pos];
 * - generic: `layers.{l}.q`, `.k`, `.v` [pos, head, d_head] and `layers.{l}.pattern`.
 *
 * A [pos, head, d_head] tensor in C order is already the lab's layout: pos rows of
 * head·d_head columns, head h in columns [h·d_head, (h+1)·d_head) (AttentionProblem.q). The
 * pattern in C order is head-major H×Tq×Tk, as AttentionResult.weights. Only the layer asked
 * for is read. Every problem is a FormatError naming the file and the tensor.
 */
import { openTensorArchive, tensorNames } from './index';
import type { FormatReadOptions, TensorArchive } from './module';
import { FormatError, type ByteSource } from './types';

export type CaptureNaming = 'transformer-lens' | 'generic';

/** One layer of a capture, in the lab's layouts. */
export interface CaptureLayer {
  /** query positions, and key (= value) positions */
  Tq: number;
  Tk: number;
  heads: number;
  /** q and k width per head */
  dHead: number;
  /** v width per head */
  dv: number;
  /** Tq × (heads·dHead), Tk × (heads·dHead), Tk × (heads·dv); head h is the h-th column slice */
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  /** the model's own weights, heads × Tq × Tk, when the file holds them */
  pattern: Float32Array | null;
}

/** A capture file as loaded for one layer. */
export interface LoadedCapture {
  kind: 'capture';
  /** the format of the file: safetensors or npz */
  format: string;
  /** the dtype of the asked layer's q as stored (F32, float16…); '' when the file has no such layer */
  dtype: string;
  naming: CaptureNaming;
  /** every layer the file holds, ascending */
  layers: number[];
  /** the layer asked for */
  layer: number;
  /** that layer's tensors; null when the file has no such layer (the JobSpec's `capture.layer` is wrong) */
  data: CaptureLayer | null;
  /** one per key position, from the metadata key `tokens` (a JSON array of strings), if present */
  tokens: string[] | null;
  /** the file's metadata as stored (safetensors `__metadata__`: model, taps…) */
  metadata: Record<string, string>;
}

type Role = 'q' | 'k' | 'v' | 'pattern';
const ROLES: readonly Role[] = ['q', 'k', 'v', 'pattern'];

const NAMINGS: { naming: CaptureNaming; pattern: RegExp; name: (layer: number, role: Role) => string }[] = [
  { naming: 'transformer-lens', pattern: /^blocks\.(\d+)\.attn\.hook_(q|k|v|pattern)$/, name: (l, r) => `blocks.${l}.attn.hook_${r}` },
  { naming: 'generic', pattern: /^layers\.(\d+)\.(q|k|v|pattern)$/, name: (l, r) => `layers.${l}.${r}` },
];

const EXPECTED_NAMES = 'TransformerLens names (blocks.{l}.attn.hook_q, hook_k, hook_v, optional hook_pattern) or generic names (layers.{l}.q, .k, .v, optional .pattern)';

/** The capture layers a list of tensor names holds, under the first naming that finds any. */
export function captureLayers(names: readonly string[]): { naming: CaptureNaming; layers: number[]; name: (layer: number, role: Role) => string } | null {
  for (const naming of NAMINGS) {
    const layers = new Set<number>();
    for (const n of names) {
      const m = naming.pattern.exec(n);
      if (m) layers.add(Number(m[1]));
    }
    if (layers.size > 0) return { naming: naming.naming, layers: [...layers].sort((a, b) => a - b), name: naming.name };
  }
  return null;
}

/** Reads layer `layer` of a capture file (and the list of its layers). */
export async function readCapture(source: ByteSource, layer: number, options: FormatReadOptions = {}): Promise<LoadedCapture> {
  const file = source.name;
  const archive = await openTensorArchive(source, options);
  const found = captureLayers(archive.names);
  if (!found) {
    const held = archive.names.slice(0, 12).map((n) => `'${n}'`);
    if (archive.names.length > 12) held.push(`and ${archive.names.length - 12} more`);
    throw new FormatError(file, '', `no capture tensors: expected ${EXPECTED_NAMES}; the file holds ${held.join(', ') || 'no tensors'}`);
  }
  const tokens = metadataTokens(file, archive.metadata);
  const base = { kind: 'capture' as const, format: archive.format, dtype: '', naming: found.naming, layers: found.layers, layer, tokens, metadata: archive.metadata };
  if (!found.layers.includes(layer)) return { ...base, data: null };

  const names = new Map<Role, string>();
  for (const role of ROLES) {
    const name = found.name(layer, role);
    if (archive.names.includes(name)) names.set(role, name);
    else if (role !== 'pattern') throw new FormatError(file, `layer ${layer}`, `has no tensor '${name}'; a capture layer needs q, k and v`);
  }
  const shapes = await layerShapes(file, archive, names, tokens);
  const { Tq, Tk, heads, dHead, dv } = shapes;
  if (tokens && tokens.length !== Tk) {
    throw new FormatError(file, "metadata 'tokens'", `holds ${tokens.length} tokens, but layer ${layer} has ${Tk} positions`);
  }
  const read = (role: Role) => archive.read(names.get(role)!, { ...options, onProgress: undefined });
  const data: CaptureLayer = {
    Tq,
    Tk,
    heads,
    dHead,
    dv,
    q: await read('q'),
    k: await read('k'),
    v: await read('v'),
    pattern: names.has('pattern') ? await read('pattern') : null,
  };
  options.onProgress?.(1);
  return { ...base, dtype: shapes.dtype, data };
}

/**
 * The layers a file holds as a capture (its naming and layers), or null when it is no
 * capture: not a file of named tensors, or one without capture names (an embeddings
 * .safetensors). Reads the tensor names only (a safetensors header, an .npz's directory).
 */
export async function probeCapture(source: ByteSource, options: FormatReadOptions = {}): Promise<{ naming: CaptureNaming; layers: number[] } | null> {
  const names = await tensorNames(source, options);
  const found = names && captureLayers(names);
  return found ? { naming: found.naming, layers: found.layers } : null;
}

/** Checks the layer's shapes against each other; every message names the file and the tensor. */
async function layerShapes(file: string, archive: TensorArchive, names: Map<Role, string>, tokens: string[] | null) {
  const shape = async (role: Role) => {
    const described = await archive.describe(names.get(role)!);
    return { ...described, name: names.get(role)! };
  };
  const [q, k, v] = [await shape('q'), await shape('k'), await shape('v')];
  const pattern = names.has('pattern') ? await shape('pattern') : null;

  for (const t of [q, k, v]) {
    if (t.shape.length !== 3 || t.shape.some((n) => n === 0)) {
      throw new FormatError(file, t.place, `has shape ${shapeText(t.shape)}; expected a 3-D [pos, head, d_head] array with no empty axis`);
    }
    // [head, pos, d_head] cannot always be told from [pos, head, d_head]; the pattern or the tokens tell where they can
    const [a, b] = t.shape;
    const positions = pattern?.shape.length === 3 ? pattern.shape[t === q ? 1 : 2] : (tokens?.length ?? -1);
    const headCount = pattern?.shape.length === 3 ? pattern.shape[0] : -1;
    if (a !== positions && b === positions && (headCount === -1 || a === headCount)) {
      throw new FormatError(
        file,
        t.place,
        `has shape ${shapeText(t.shape)}, which looks like [head, pos, d_head]: that layout is not accepted; captures store [pos, head, d_head] (numpy: x.transpose(1, 0, 2))`,
      );
    }
  }
  const [Tq, heads, dHead] = q.shape;
  const [Tk, kHeads, dk] = k.shape;
  const [Tv, vHeads, dv] = v.shape;
  if (kHeads !== heads || vHeads !== heads) {
    const odd = kHeads !== heads ? k : v;
    throw new FormatError(
      file,
      odd.place,
      `has ${odd.shape[1]} heads (shape ${shapeText(odd.shape)}), but '${q.name}' has ${heads} (shape ${shapeText(q.shape)}); q, k and v are [pos, head, d_head] with the same heads`,
    );
  }
  if (dk !== dHead) {
    throw new FormatError(
      file,
      k.place,
      `has d_head ${dk} (shape ${shapeText(k.shape)}), but '${q.name}' has ${dHead} (shape ${shapeText(q.shape)}); queries and keys are compared, so their widths must match`,
    );
  }
  if (Tv !== Tk) {
    throw new FormatError(file, v.place, `has ${Tv} positions (shape ${shapeText(v.shape)}), but '${k.name}' has ${Tk} (shape ${shapeText(k.shape)}); every key needs its value`);
  }
  if (pattern) {
    const want = [heads, Tq, Tk];
    if (pattern.shape.length !== 3 || pattern.shape.some((n, i) => n !== want[i])) {
      throw new FormatError(file, pattern.place, `has shape ${shapeText(pattern.shape)}; expected [head, query_pos, key_pos] = ${shapeText(want)} to match q and k`);
    }
  }
  return { Tq, Tk, heads, dHead, dv, dtype: q.dtype };
}

/** A shape as the issue and the docs write it: [pos, head, d_head]. */
function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Names of control characters a token may hold in a model's vocabulary, shown escaped. */
const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * The metadata key `tokens`: a JSON array of strings, one per position. Model vocabularies
 * hold newlines and tabs, which the lab's tokens may not (formats/tokens.ts), so control
 * characters are shown escaped (`\n`, `\u001b`) rather than refused.
 */
function metadataTokens(file: string, metadata: Record<string, string>): string[] | null {
  const text = metadata.tokens;
  if (text === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FormatError(file, "metadata 'tokens'", 'is not valid JSON; expected a JSON array of strings, one per position');
  }
  if (!Array.isArray(value) || !value.every((t) => typeof t === 'string')) {
    throw new FormatError(file, "metadata 'tokens'", 'expected a JSON array of strings, one per position');
  }
  // eslint-disable-next-line no-control-regex -- the control characters are what is replaced
  return value.map((t: string) => t.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
