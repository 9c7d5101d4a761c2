/**
 * JobSpec + loaded files → AttentionProblem: every default applied, every random matrix
 * generated, projections and transpose applied, every size checked. Pure and synchronous:
 * the caller loads the files `fileRefs` lists first (the service reads the disk, the tests
 * pass inline data), so the app, the CLI and the tests resolve a JobSpec identically.
 */
import { catalogueEntry, type CatalogueEntry } from '../metrics/catalogue';
import type { Embeddings, LoadedEmbeddings } from '../formats/types';
import type { LoadedCapture } from '../formats/captures';
import { lookupSentence, subsetEmbeddings } from '../formats/sentence';
import { columnSlice, matmul, matrix, type Matrix } from '../linalg/matrix';
import { gaussianMatrix } from '../random';
import { inverseCovariance, psdProblem } from '../linalg/spd';
import { JobSpecError, normalizerSpec, type EntrySpec, type JobSpec, type SourceSpec } from './spec';
import type { AttentionProblem, NormalizerId, NormalizerParams, OutputKind, PerHead, ResolvedMask, ResolvedMetric } from './problem';
import { addSinusoidal, alibiBias, transformHeads } from './transforms';
import { scoreOverflow } from './score-bounds';
import { checkRecurrenceFields, normalizeKeyRows, recurrenceSpec, resolveRecurrence } from './recurrence';

export const DEFAULT_OUTPUTS: OutputKind[] = ['weights', 'output', 'entropy'];
export const DEFAULT_TOPK = 5;
export const DEFAULT_OVERVIEW = 1024;

/** A file the JobSpec refers to; `key` indexes the table passed to `resolveJob`. */
export interface FileRef {
  key: string;
  path: string;
  part?: string;
  /** the JobSpec field that names it, for messages */
  field: string;
  /** a capture file, of which this layer is read (formats/captures.ts) */
  capture?: { layer: number };
}

/** Loaded files by key: embeddings and parameter files, and capture layers. */
export type FileTable = ReadonlyMap<string, LoadedEmbeddings | LoadedCapture>;

export function fileKey(path: string, part?: string): string {
  return part ? `${path}#${part}` : path;
}

/** The table key of a capture's layer (a capture is loaded one layer at a time). */
export function captureKey(path: string, layer: number): string {
  return `capture:${layer}:${path}`;
}

export function isCapture(loaded: LoadedEmbeddings | LoadedCapture): loaded is LoadedCapture {
  return 'kind' in loaded && loaded.kind === 'capture';
}

/** Every file a JobSpec needs loaded before it can be resolved. */
export function fileRefs(spec: JobSpec): FileRef[] {
  const refs: FileRef[] = [];
  const add = (field: string, path: string | undefined, part?: string) => {
    if (path) refs.push({ key: fileKey(path, part), path, part, field });
  };
  if (spec.capture) {
    const { path, layer } = spec.capture;
    refs.push({ key: captureKey(path, layer), path, field: 'capture.path', capture: { layer } });
  }
  for (const role of ['embeddings', 'queries', 'keys', 'values'] as const) {
    const s = spec[role];
    if (s && 'path' in s) add(role, s.path, s.part);
  }
  if (spec.projection?.id === 'file') {
    for (const r of ['q', 'k', 'v'] as const) add(`projection.${r}`, spec.projection[r]);
  }
  if (spec.metric && typeof spec.metric.path === 'string') add('metric.path', spec.metric.path);
  spec.mask?.forEach((m, i) => {
    if (typeof m.path === 'string') add(`mask.${i}.path`, m.path);
  });
  const gates = recurrenceSpec(spec)?.gates as { path?: unknown } | undefined;
  if (gates && typeof gates.path === 'string') add('recurrence.gates.path', gates.path);
  return refs;
}

interface Rows {
  m: Matrix;
  tokens: string[] | null;
}

function fail(field: string, problem: string): never {
  throw new JobSpecError(field, problem);
}

function loaded(files: FileTable, field: string, path: string, part?: string): LoadedEmbeddings {
  const f = files.get(fileKey(path, part));
  if (!f || isCapture(f)) fail(field, `the file "${path}" was not loaded`);
  return f;
}

/** The capture's layer as loaded, or the error naming the JobSpec field that is wrong. */
function loadedCapture(spec: JobSpec, files: FileTable): { capture: LoadedCapture; data: NonNullable<LoadedCapture['data']>; heads: number[] } | null {
  if (!spec.capture) return null;
  const { path, layer } = spec.capture;
  const capture = files.get(captureKey(path, layer));
  if (!capture || !isCapture(capture)) return fail('capture.path', `the file "${path}" was not loaded`);
  const data = capture.data;
  if (!data) {
    const { layers } = capture;
    const contiguous = layers.every((l, i) => l === i);
    const held = contiguous ? `${layers.length} layer${layers.length === 1 ? '' : 's'} (${layers.length === 1 ? '0' : `0–${layers.length - 1}`})` : `layers ${layers.join(', ')}`;
    const where = layer > layers[layers.length - 1] ? 'past the last layer of' : 'not a layer of';
    return fail('capture.layer', `layer ${layer} is ${where} ${path}, which holds ${held}`);
  }
  const heads = spec.capture.heads ?? Array.from({ length: data.heads }, (_, h) => h);
  heads.forEach((h, i) => {
    if (h >= data.heads) fail(`capture.heads.${i}`, `head ${h} is past the last head: layer ${layer} of ${path} has ${data.heads} heads (0–${data.heads - 1})`);
  });
  return { capture, data, heads };
}

/** Columns of the listed heads (each `width` wide) of a rows × (H·width) matrix; the matrix itself when that is every head in order. */
function headColumns(data: Float32Array, rows: number, H: number, width: number, heads: number[]): Matrix {
  if (heads.length === H && heads.every((h, i) => h === i)) return matrix(rows, H * width, data);
  const out = new Float32Array(rows * heads.length * width);
  for (let i = 0; i < rows; i++) {
    heads.forEach((h, n) => out.set(data.subarray((i * H + h) * width, (i * H + h + 1) * width), (i * heads.length + n) * width));
  }
  return matrix(rows, heads.length * width, out);
}

/** A capture's q, k and v (the listed heads) as the sources of the problem, with its tokens. */
function captureSources(c: NonNullable<ReturnType<typeof loadedCapture>>): { q: Rows; k: Rows; v: Rows } {
  const { data, heads, capture } = c;
  const keyTokens = capture.tokens;
  // queries are the last Tq positions, as the causal mask's offset Tk − Tq counts them
  const queryTokens = keyTokens && data.Tq <= data.Tk ? keyTokens.slice(data.Tk - data.Tq) : null;
  return {
    q: { m: headColumns(data.q, data.Tq, data.heads, data.dHead, heads), tokens: queryTokens },
    k: { m: headColumns(data.k, data.Tk, data.heads, data.dHead, heads), tokens: keyTokens },
    v: { m: headColumns(data.v, data.Tk, data.heads, data.dv, heads), tokens: keyTokens },
  };
}

/**
 * The model's own pattern for the capture's heads, when the JobSpec reads a capture whose
 * file holds one: pattern[(heads[n]·Tq + i)·Tk + j] is the model's weight of head heads[n].
 */
export function capturePattern(spec: JobSpec, files: FileTable): { pattern: Float32Array; heads: number[]; Tq: number; Tk: number } | null {
  const c = loadedCapture(spec, files);
  if (!c?.data.pattern) return null;
  return { pattern: c.data.pattern, heads: c.heads, Tq: c.data.Tq, Tk: c.data.Tk };
}

function sourceRows(spec: SourceSpec, field: string, files: FileTable): Rows {
  if ('inline' in spec) {
    const { vectors, tokens } = spec.inline;
    const d = vectors[0].length;
    if (d === 0) fail(`${field}.inline.vectors.0`, 'expected at least one number per vector');
    const data = new Float32Array(vectors.length * d);
    vectors.forEach((row, i) => {
      if (row.length !== d) fail(`${field}.inline.vectors.${i}`, `expected ${d} numbers like row 0, got ${row.length}`);
      data.set(row, i * d);
    });
    if (tokens && tokens.length !== vectors.length) {
      fail(`${field}.inline.tokens`, `expected ${vectors.length} tokens (one per vector), got ${tokens.length}`);
    }
    return { m: matrix(vectors.length, d, data), tokens: tokens ?? null };
  }
  let emb: Embeddings = loaded(files, field, spec.path, spec.part).embeddings;
  if (spec.sentence !== undefined) {
    const found = lookupSentence(emb, spec.sentence);
    if (found.indices.length === 0) {
      fail(`${field}.sentence`, `none of the words were found in ${spec.path}${found.outOfVocabulary.length ? ` (out of vocabulary: ${found.outOfVocabulary.join(', ')})` : ''}`);
    }
    emb = subsetEmbeddings(emb, found.indices);
  }
  if (spec.rows) {
    const bad = spec.rows.findIndex((r) => r >= emb.T);
    if (bad >= 0) fail(`${field}.rows.${bad}`, `row ${spec.rows[bad]} is past the end of ${spec.path} (${emb.T} rows)`);
    emb = subsetEmbeddings(emb, spec.rows);
  }
  return { m: matrix(emb.T, emb.d, emb.data), tokens: emb.tokens };
}

function fileMatrix(files: FileTable, field: string, path: string): { m: Matrix; shape: number[] } {
  const f = loaded(files, field, path);
  return { m: matrix(f.embeddings.T, f.embeddings.d, f.embeddings.data), shape: f.shape };
}

/** Per-head copies of a parameter given as rows×cols (shared) or H×rows×cols (per head). */
function perHeadFromFile(files: FileTable, field: string, path: string, heads: number, rows: number, cols: number): PerHead {
  const { m, shape } = fileMatrix(files, field, path);
  if (shape.length === 3) {
    if (shape[0] !== heads || shape[1] !== rows || shape[2] !== cols) {
      fail(field, `${path} has shape ${shape.join('×')}, expected ${heads}×${rows}×${cols} (heads × rows × columns)`);
    }
    // 3-D files arrive as rows × (H·cols) with head h in columns [h·cols, (h+1)·cols)
    return Array.from({ length: heads }, (_, h) => Float64Array.from(columnSlice(m, h * cols, cols).data));
  }
  if (m.rows !== rows || m.cols !== cols) fail(field, `${path} is ${m.rows}×${m.cols}, expected ${rows}×${cols}`);
  const shared = Float64Array.from(m.data);
  return Array.from({ length: heads }, () => shared);
}

function project(x: Rows, role: 'q' | 'k' | 'v', spec: JobSpec, files: FileTable): Rows {
  const p = spec.projection ?? { id: 'identity' };
  if (p.id === 'identity') return x;
  if (p.id === 'random') {
    const width = p.width ?? x.m.cols;
    const w = gaussianMatrix(p.seed ?? 0, `projection/${role}`, x.m.cols, width, 1 / Math.sqrt(x.m.cols));
    return { m: matmul(x.m, matrix(x.m.cols, width, Float32Array.from(w))), tokens: x.tokens };
  }
  const path = p[role];
  if (!path) return x;
  const { m: w } = fileMatrix(files, `projection.${role}`, path);
  if (w.rows !== x.m.cols) fail(`projection.${role}`, `${path} is ${w.rows}×${w.cols}, but the ${role} vectors have width ${x.m.cols} (expected ${x.m.cols}×width)`);
  return { m: matmul(x.m, w), tokens: x.tokens };
}

function param<T>(entry: CatalogueEntry, spec: EntrySpec, name: string): T {
  if (spec[name] !== undefined) return spec[name] as T;
  return entry.params.find((p) => p.name === name)?.default as T;
}

function perHead(heads: number, make: (h: number) => Float64Array): PerHead {
  return Array.from({ length: heads }, (_, h) => make(h));
}

function resolveMetric(spec: JobSpec, heads: number, dq: number, dk: number, keys: Matrix, files: FileTable): ResolvedMetric {
  const ms: EntrySpec = spec.metric ?? { id: 'dot' };
  const entry = catalogueEntry('score', ms.id)!;
  const tau = param<number>(entry, ms, 'tau');
  const seed = param<number>(entry, ms, 'seed');
  if (!entry.allowsUnequalWidths && dq !== dk) {
    fail('metric.id', `${ms.id} compares queries and keys of equal width, but they are ${dq} and ${dk} per head (bilinear, additive and gat accept different widths)`);
  }
  const d = dq;
  switch (ms.id) {
    case 'dot': {
      const scale = param<string | number>(entry, ms, 'scale');
      const c = scale === 'sqrt_d' ? 1 / Math.sqrt(d) : scale === 'none' ? 1 : scale === 'tau' ? 1 / tau : (scale as number);
      return { id: 'dot', c };
    }
    case 'cosine':
    case 'rbf':
    case 'laplacian':
    case 'euclidean':
      return { id: ms.id, tau };
    case 'mahalanobis': {
      const kind = param<string>(entry, ms, 'matrix');
      let M: PerHead;
      if (kind === 'identity') {
        const eye = new Float64Array(d * d);
        for (let i = 0; i < d; i++) eye[i * d + i] = 1;
        M = perHead(heads, () => eye);
      } else if (kind === 'whiten') {
        M = perHead(heads, (h) => {
          const kh = columnSlice(keys, h * d, d);
          return inverseCovariance(kh.data, kh.rows, d);
        });
      } else if (kind === 'diagonal') {
        const diag = ms.diagonal as number[] | undefined;
        if (!diag) fail('metric.diagonal', 'matrix "diagonal" needs a `diagonal` list');
        if (diag.length !== d) fail('metric.diagonal', `expected ${d} values (one per compared dimension), got ${diag.length}`);
        const m = new Float64Array(d * d);
        diag.forEach((x, i) => (m[i * d + i] = x));
        M = perHead(heads, () => m);
      } else if (kind === 'inline') {
        const rows = ms.inline as number[][] | undefined;
        if (!rows) fail('metric.inline', 'matrix "inline" needs an `inline` d×d array');
        if (rows.length !== d || rows.some((r) => r.length !== d)) fail('metric.inline', `expected a ${d}×${d} array`);
        const m = Float64Array.from(rows.flat());
        M = perHead(heads, () => m);
      } else {
        if (typeof ms.path !== 'string') fail('metric.path', 'matrix "file" needs a `path`');
        M = perHeadFromFile(files, 'metric.path', ms.path, heads, d, d);
      }
      M.forEach((m, h) => {
        const problem = psdProblem(m, d);
        if (problem) fail('metric.matrix', `M${heads > 1 ? ` of head ${h}` : ''} ${problem}`);
      });
      return { id: 'mahalanobis', tau, M };
    }
    case 'polynomial':
      return {
        id: 'polynomial',
        a: (ms.a as number | undefined) ?? 1 / d,
        r: param<number>(entry, ms, 'r'),
        p: param<number>(entry, ms, 'p'),
        tau,
      };
    case 'bilinear': {
      const W =
        typeof ms.path === 'string'
          ? perHeadFromFile(files, 'metric.path', ms.path, heads, dq, dk)
          : perHead(heads, (h) => gaussianMatrix(seed, `bilinear/W/head${h}`, dq, dk, 1 / Math.sqrt(dq)));
      return { id: 'bilinear', tau, W };
    }
    case 'additive': {
      const m = param<number>(entry, ms, 'hidden');
      return {
        id: 'additive',
        tau,
        m,
        Aq: perHead(heads, (h) => gaussianMatrix(seed, `additive/Aq/head${h}`, m, dq, 1 / Math.sqrt(dq))),
        Ak: perHead(heads, (h) => gaussianMatrix(seed, `additive/Ak/head${h}`, m, dk, 1 / Math.sqrt(dk))),
        v: perHead(heads, (h) => gaussianMatrix(seed, `additive/v/head${h}`, 1, m, 1 / Math.sqrt(m))),
      };
    }
    case 'ranknet': {
      // W's fan-in is the 3d-wide [q; k; q⊙k]; b's is taken as that same layer's, u's is m
      const m = param<number>(entry, ms, 'hidden');
      return {
        id: 'ranknet',
        tau,
        m,
        W: perHead(heads, (h) => gaussianMatrix(seed, `ranknet/W/head${h}`, m, 3 * d, 1 / Math.sqrt(3 * d))),
        b: perHead(heads, (h) => gaussianMatrix(seed, `ranknet/b/head${h}`, 1, m, 1 / Math.sqrt(3 * d))),
        u: perHead(heads, (h) => gaussianMatrix(seed, `ranknet/u/head${h}`, 1, m, 1 / Math.sqrt(m))),
      };
    }
    case 'gat':
      return {
        id: 'gat',
        tau,
        slope: 0.2,
        aq: perHead(heads, (h) => gaussianMatrix(seed, `gat/aq/head${h}`, 1, dq, 1 / Math.sqrt(dq))),
        ak: perHead(heads, (h) => gaussianMatrix(seed, `gat/ak/head${h}`, 1, dk, 1 / Math.sqrt(dk))),
      };
    case 'hamming': {
      const bits = param<number>(entry, ms, 'bits');
      return { id: 'hamming', tau, bits, R: perHead(heads, (h) => gaussianMatrix(seed, `hamming/R/head${h}`, bits, d, 1)) };
    }
  }
  return fail('metric.id', `unknown score function "${ms.id}"`);
}

function ids(list: number[], n: number, field: string, what: string): Int32Array {
  if (list.length !== n) fail(field, `expected ${n} ids (one per ${what}), got ${list.length}`);
  return Int32Array.from(list);
}

function pairMatrix(rows: number[][], tq: number, tk: number, field: string): Uint8Array {
  if (rows.length !== tq) fail(field, `expected ${tq} rows (one per query), got ${rows.length}`);
  const out = new Uint8Array(tq * tk);
  rows.forEach((row, i) => {
    if (row.length !== tk) fail(`${field}.${i}`, `expected ${tk} columns (one per key), got ${row.length}`);
    row.forEach((x, j) => {
      if (x !== 0 && x !== 1) fail(`${field}.${i}.${j}`, `expected 0 or 1, got ${x}`);
      out[i * tk + j] = x;
    });
  });
  return out;
}

function fileMask(files: FileTable, field: string, path: string, tq: number, tk: number): Uint8Array {
  const { m } = fileMatrix(files, field, path);
  if (m.rows !== tq || m.cols !== tk) fail(field, `${path} is ${m.rows}×${m.cols}, expected ${tq}×${tk} (queries × keys)`);
  const out = new Uint8Array(tq * tk);
  m.data.forEach((x, idx) => {
    if (x !== 0 && x !== 1) fail(field, `${path} has ${x} at row ${Math.floor(idx / tk)}, column ${idx % tk}; expected 0 or 1`);
    out[idx] = x;
  });
  return out;
}

function resolveMask(ms: EntrySpec, i: number, tq: number, tk: number, heads: number, d: number, files: FileTable): ResolvedMask | null {
  const entry = catalogueEntry('mask', ms.id)!;
  const field = `mask.${i}`;
  switch (ms.id) {
    case 'none':
      return null;
    case 'causal':
      return { id: 'causal', offset: (ms.offset as number | undefined) ?? tk - tq };
    case 'window':
      return { id: 'window', size: param<number>(entry, ms, 'size') };
    case 'dilated':
      return { id: 'dilated', stride: param<number>(entry, ms, 'stride') };
    case 'padding': {
      const keep = new Uint8Array(tk).fill(1);
      const positions = (ms.positions as number[] | undefined) ?? [];
      positions.forEach((p, n) => {
        if (p >= tk) fail(`${field}.positions.${n}`, `position ${p} is past the last key (${tk} keys)`);
        keep[p] = 0;
      });
      const trailing = (ms.trailing as number | undefined) ?? 0;
      if (trailing > tk) fail(`${field}.trailing`, `${trailing} trailing pads but only ${tk} keys`);
      keep.fill(0, tk - trailing);
      return { id: 'padding', keep };
    }
    case 'segments': {
      if (typeof ms.size === 'number') {
        const size = ms.size;
        return {
          id: 'segments',
          queryIds: Int32Array.from({ length: tq }, (_, q) => Math.floor(q / size)),
          keyIds: Int32Array.from({ length: tk }, (_, k) => Math.floor(k / size)),
        };
      }
      if (Array.isArray(ms.ids)) {
        if (tq !== tk) fail(`${field}.ids`, `one id list needs as many queries as keys (${tq} ≠ ${tk}); give queryIds and keyIds`);
        const list = ids(ms.ids as number[], tk, `${field}.ids`, 'position');
        return { id: 'segments', queryIds: list, keyIds: list };
      }
      if (Array.isArray(ms.queryIds) && Array.isArray(ms.keyIds)) {
        return {
          id: 'segments',
          queryIds: ids(ms.queryIds as number[], tq, `${field}.queryIds`, 'query'),
          keyIds: ids(ms.keyIds as number[], tk, `${field}.keyIds`, 'key'),
        };
      }
      return fail(field, 'segments needs `size`, `ids`, or `queryIds` and `keyIds`');
    }
    case 'buckets': {
      const bits = param<number>(entry, ms, 'bits');
      const seed = param<number>(entry, ms, 'seed');
      return { id: 'buckets', bits, R: perHead(heads, (h) => gaussianMatrix(seed, `buckets/R/head${h}`, bits, d, 1)) };
    }
    case 'graph': {
      let allowed: Uint8Array;
      if (Array.isArray(ms.edges)) {
        allowed = new Uint8Array(tq * tk);
        (ms.edges as [number, number][]).forEach(([a, b], n) => {
          if (a >= tq || b >= tk) fail(`${field}.edges.${n}`, `edge [${a}, ${b}] is outside ${tq} queries × ${tk} keys`);
          allowed[a * tk + b] = 1;
        });
      } else if (Array.isArray(ms.adjacency)) {
        allowed = pairMatrix(ms.adjacency as number[][], tq, tk, `${field}.adjacency`);
      } else if (typeof ms.path === 'string') {
        allowed = fileMask(files, `${field}.path`, ms.path, tq, tk);
      } else {
        return fail(field, 'graph needs `edges`, `adjacency` or `path`');
      }
      if (!param<boolean>(entry, ms, 'directed')) {
        const sym = Uint8Array.from(allowed);
        for (let a = 0; a < tq; a++) for (let b = 0; b < tk; b++) if (allowed[a * tk + b] && b < tq && a < tk) sym[b * tk + a] = 1;
        allowed = sym;
      }
      if (param<boolean>(entry, ms, 'selfLoops')) for (let a = 0; a < Math.min(tq, tk); a++) allowed[a * tk + a] = 1;
      return { id: 'graph', allowed };
    }
    case 'topk':
      return { id: 'topk', k: param<number>(entry, ms, 'k') };
    case 'custom': {
      if (Array.isArray(ms.matrix)) return { id: 'custom', allowed: pairMatrix(ms.matrix as number[][], tq, tk, `${field}.matrix`) };
      if (typeof ms.path === 'string') return { id: 'custom', allowed: fileMask(files, `${field}.path`, ms.path, tq, tk) };
      return fail(field, 'custom needs `matrix` or `path`');
    }
  }
  return fail(`${field}.id`, `unknown mask "${ms.id}"`);
}

/** The normaliser's id and its parameters, defaulted from the catalogue. */
function resolveNormalizer(spec: JobSpec): Pick<AttentionProblem, 'normalizer' | 'normalizerParams'> {
  const ns = normalizerSpec(spec);
  const entry = catalogueEntry('normalizer', ns.id);
  if (!entry) return fail('normalizer', `unknown normalizer "${ns.id}"`);
  const normalizer = ns.id as NormalizerId;
  if (entry.params.length === 0) return { normalizer };
  const params: NormalizerParams = {};
  for (const p of entry.params) params[p.name as keyof NormalizerParams] = param<number>(entry, ns, p.name);
  return { normalizer, normalizerParams: params };
}

/** queries, keys and values from the JobSpec's embeddings / queries / keys / values sources */
function embeddingSources(spec: JobSpec, files: FileTable): { q: Rows; k: Rows; v: Rows } {
  const qSpec = spec.queries ?? spec.embeddings;
  const kSpec = spec.keys ?? spec.embeddings;
  const vSpec = spec.values ?? spec.embeddings ?? spec.keys;
  if (!qSpec) fail('embeddings', 'no vectors: give `embeddings` (or `queries` and `keys`), or `capture`');
  if (!kSpec) fail('keys', 'no keys: give `embeddings` or `keys`');
  const field = (role: 'queries' | 'keys' | 'values') => (spec[role] ? role : role === 'values' && !spec.embeddings ? 'keys' : 'embeddings');
  return { q: sourceRows(qSpec, field('queries'), files), k: sourceRows(kSpec, field('keys'), files), v: sourceRows(vSpec!, field('values'), files) };
}

/** Resolve a validated JobSpec against its loaded files. Throws JobSpecError naming the field. */
export function resolveJob(spec: JobSpec, files: FileTable = new Map()): AttentionProblem {
  checkRecurrenceFields(spec);
  const capture = loadedCapture(spec, files);
  const sources = capture ? captureSources(capture) : embeddingSources(spec, files);
  if (spec.position?.id === 'sinusoidal') {
    // PE before projection; the rows that end up as queries sit at i + (Tk − Tq), as the causal mask counts
    const [asQueries, asKeys] = spec.transpose ? (['k', 'q'] as const) : (['q', 'k'] as const);
    const offset = sources[asKeys].m.rows - sources[asQueries].m.rows;
    for (const role of ['q', 'k', 'v'] as const) {
      sources[role] = { ...sources[role], m: addSinusoidal(sources[role].m, role === asQueries ? offset : 0) };
    }
  }
  let q = project(sources.q, 'q', spec, files);
  let k = project(sources.k, 'k', spec, files);
  let v = project(sources.v, 'v', spec, files);

  const heads = capture ? capture.heads.length : (spec.heads ?? 1);
  for (const [name, x] of [
    ['queries', q],
    ['keys', k],
    ['values', v],
  ] as const) {
    if (x.m.cols % heads !== 0) fail('heads', `the ${name} are ${x.m.cols} wide, which ${heads} heads cannot split evenly (${x.m.cols} / ${heads} is not a whole number)`);
  }
  if (spec.transpose) [q, k] = [k, q];
  if (v.m.rows !== k.m.rows) {
    fail(
      spec.transpose ? 'transpose' : 'values',
      `the values have ${v.m.rows} rows but there are ${k.m.rows} keys${spec.transpose ? ' (transposed: the queries act as keys)' : ''}; they must match`,
    );
  }
  const tq = q.m.rows;
  const tk = k.m.rows;
  const scored = transformHeads(spec, heads, { q: q.m, k: k.m, v: v.m });
  q = { ...q, m: scored.q };
  k = { ...k, m: scored.k };
  v = { ...v, m: scored.v };
  const bias = alibiBias(spec, heads, tk - tq);
  const dq = q.m.cols / heads;
  const dk = k.m.cols / heads;
  const rec = recurrenceSpec(spec);
  let recurrence: AttentionProblem['recurrence'];
  if (rec) {
    if (tq !== tk) fail('recurrence', `a recurrence runs over one sequence, so it needs as many queries as keys (${tq} ≠ ${tk})`);
    if (dq !== dk) fail('recurrence', `a recurrence compares queries and keys of equal width, but they are ${dq} and ${dk} per head`);
    const keyInput = spec.transpose ? sources.q.m : sources.k.m;
    recurrence = resolveRecurrence(rec, { heads, T: tk, d: dk, keyInput }, (f, path) => fileMatrix(files, f, path).m);
    if (rec.id === 'delta' && (rec.normalizeKeys ?? true)) k = { ...k, m: normalizeKeyRows(k.m, heads) };
  }
  const metric = resolveMetric(spec, heads, dq, dk, k.m, files);
  const normalizer = resolveNormalizer(spec);
  const dotTau = spec.metric?.id === 'dot' && spec.metric.scale === 'tau' ? ((spec.metric.tau as number | undefined) ?? 1) : undefined;
  const overflow = recurrence ? null : scoreOverflow(metric, q.m, k.m, heads, normalizer.normalizer, dotTau);
  if (overflow) fail(overflow.field, overflow.problem);
  const masks = recurrence
    ? [{ id: 'causal' as const, offset: 0 }]
    : (spec.mask ?? []).map((m, i) => resolveMask(m, i, tq, tk, heads, dq, files)).filter((m): m is ResolvedMask => m !== null);
  if (masks.some((m) => m.id === 'buckets') && dq !== dk) fail('mask', 'the buckets mask hashes queries and keys with the same planes, so they need equal widths');

  const outputs = spec.outputs ?? DEFAULT_OUTPUTS;
  const ov = spec.overview ?? {};
  return {
    heads,
    q: q.m,
    k: k.m,
    v: v.m,
    metric,
    masks: [...masks.filter((m) => m.id !== 'topk'), ...masks.filter((m) => m.id === 'topk')],
    ...normalizer,
    outputs,
    topk: Math.min(spec.topk ?? DEFAULT_TOPK, tk),
    overview: outputs.includes('overview')
      ? { rows: Math.min(ov.rows ?? DEFAULT_OVERVIEW, tq), cols: Math.min(ov.cols ?? DEFAULT_OVERVIEW, tk), pool: ov.pool ?? 'mean' }
      : undefined,
    tokens: { queries: q.tokens, keys: k.tokens },
    ...(bias ? { bias } : {}),
    ...(recurrence ? { recurrence } : {}),
    ...(spec.backend ? { backend: spec.backend } : {}),
  };
}
