/**
 * Store state → JobSpec, and back (for opening a session). Pure functions: the stores call
 * them, the unit tests call them, nothing here touches the DOM or the LabApi.
 *
 * The JobSpec's `mask` list IS the mask stack, index for index, so an engine error about
 * `mask.1.size` lands on the second card of the stack. The data panel's padding toggles
 * edit the first `padding` mask of the stack (adding one when there is none).
 */
import type { CaptureInfo, SentenceLookup, SourceInfo } from '../../../src-shared/api/lab-api';
import { catalogueEntry, MASKS, NORMALIZERS, POSITIONS, QUANTIZERS, RECURRENCES, SCORE_FUNCTIONS, type CatalogueEntry } from '../../../src-shared/metrics/catalogue';
import { JobSpecError, normalizerSpec, parseJobSpec, type EntrySpec, type JobSpec, type ProjectionSpec, type SourceSpec } from '../../../src-shared/job/spec';
import type { OutputKind } from '../../../src-shared/job/problem';
import { defaultFormValues, formatList, formToParams, paramsToForm, parseNumberList, type FormValues } from './form';
import type { InlineData } from './samples';

// ---------------------------------------------------------------- state shapes

export type SourceRole = 'embeddings' | 'queries' | 'keys' | 'values';

/**
 * What a vocabulary file (GloVe, word2vec) still needs before it can run: a sentence to pick its
 * tokens. The next step, not a fault: the data panel shows it as guidance; the job waits for it.
 */
export function sentenceGuidance(slot: SlotState | null): string | null {
  if (!slot || slot.kind !== 'file' || !slot.info.vocabulary || (slot.sentence && slot.sentence.trim())) return null;
  return `${slot.info.name} is a vocabulary of ${slot.info.T.toLocaleString('en')} words: type a sentence to pick tokens`;
}

export type SlotState =
  | { kind: 'inline'; name: string; data: InlineData }
  | {
      kind: 'file';
      info: SourceInfo;
      /** for vocabulary files: the sentence whose tokens to use */
      sentence?: string;
      lookup?: SentenceLookup | null;
    };

/** A capture file as the run's source (docs/semantics.md "Captures"), at one of its layers. */
export interface CaptureState {
  info: SourceInfo & { capture: CaptureInfo };
  layer: number;
  /** the model heads a session listed (`capture.heads`), kept and sent as they were; absent: every head */
  heads?: number[];
}

export interface SourcesState {
  /** one embedding set for Q, K and V, separate sources, or a capture file's q, k and v */
  mode: 'shared' | 'separate' | 'capture';
  /** the capture file opened last (kept while another mode is shown); the source in mode "capture" */
  capture: CaptureState | null;
  embeddings: SlotState | null;
  queries: SlotState | null;
  keys: SlotState | null;
  /** optional in separate mode: the values default to the keys */
  values: SlotState | null;
}

export interface EntryState {
  id: string;
  values: FormValues;
}

export interface MaskState extends EntryState {
  /** stable identity for the list (drag / reorder / Vue keys) */
  key: number;
  /** added by the padding toggles (removed again when the last toggle is cleared) */
  auto?: boolean;
}

export interface ProjectionState {
  id: 'identity' | 'random' | 'file';
  seed: number | null;
  width: number | null;
  q: string;
  k: string;
  v: string;
}

export interface ConfigState {
  metric: EntryState;
  masks: MaskState[];
  /** positions and quantization of q and k (id "none": not in the JobSpec) */
  position: EntryState;
  quantize: EntryState;
  /** implicit attention (id "none": the score function and normaliser apply) */
  recurrence: EntryState;
  normalizer: EntryState;
  transpose: boolean;
  heads: number | null;
  projection: ProjectionState;
}

/** dotted JobSpec field path → message (`metric.tau`, `mask.1.size`, `embeddings`) */
export type FieldErrors = Record<string, string>;

// ---------------------------------------------------------------- defaults

export function scoreEntry(id: string): CatalogueEntry {
  const e = catalogueEntry('score', id);
  if (!e) throw new Error(`no score function "${id}" in the catalogue`);
  return e;
}

export function maskEntry(id: string): CatalogueEntry {
  const e = catalogueEntry('mask', id);
  if (!e) throw new Error(`no mask "${id}" in the catalogue`);
  return e;
}

/** The catalogue entry of a position, quantizer or recurrence id. */
export function transformEntry(kind: TransformKind, id: string): CatalogueEntry {
  const e = catalogueEntry(kind, id);
  if (!e) throw new Error(`no ${kind} "${id}" in the catalogue`);
  return e;
}

/** The panel's catalogue sections with a "none" entry, by their JobSpec field (TransformSection.vue draws each). */
export type TransformKind = 'position' | 'quantize' | 'recurrence';
export const TRANSFORM_ENTRIES: Record<TransformKind, CatalogueEntry[]> = { position: POSITIONS, quantize: QUANTIZERS, recurrence: RECURRENCES };

/** Whether a recurrence replaces the score function and normaliser (their sections say so and are left out of the JobSpec). */
export function usesRecurrence(config: Pick<ConfigState, 'recurrence'>): boolean {
  return config.recurrence.id !== 'none';
}

export function normalizerEntry(id: string): CatalogueEntry {
  const e = catalogueEntry('normalizer', id);
  if (!e) throw new Error(`no normalizer "${id}" in the catalogue`);
  return e;
}

export function defaultConfig(): ConfigState {
  return {
    metric: { id: 'dot', values: defaultFormValues(scoreEntry('dot')) },
    masks: [],
    position: { id: 'none', values: {} },
    quantize: { id: 'none', values: {} },
    recurrence: { id: 'none', values: {} },
    normalizer: { id: 'softmax', values: {} },
    transpose: false,
    heads: 1,
    projection: { id: 'identity', seed: 0, width: null, q: '', k: '', v: '' },
  };
}

export function emptySources(): SourcesState {
  return { mode: 'shared', capture: null, embeddings: null, queries: null, keys: null, values: null };
}

let nextMaskKey = 1;
export function newMask(id: string, values?: FormValues): MaskState {
  return { key: nextMaskKey++, id, values: values ?? defaultFormValues(maskEntry(id)) };
}

// ---------------------------------------------------------------- sources

export function slotTokens(slot: SlotState | null): string[] | null {
  if (!slot) return null;
  if (slot.kind === 'inline') return slot.data.tokens;
  if (slot.lookup) return slot.lookup.tokens;
  return slot.info.tokens;
}

export function slotLength(slot: SlotState | null): number {
  if (!slot) return 0;
  if (slot.kind === 'inline') return slot.data.vectors.length;
  if (slot.lookup) return slot.lookup.indices.length;
  return slot.info.T;
}

export function slotWidth(slot: SlotState | null): number {
  if (!slot) return 0;
  if (slot.kind === 'inline') return slot.data.vectors[0]?.length ?? 0;
  return slot.info.d;
}

export function slotName(slot: SlotState | null): string {
  if (!slot) return '';
  return slot.kind === 'inline' ? slot.name : slot.info.name;
}

export function slotToSource(slot: SlotState): SourceSpec {
  if (slot.kind === 'inline') {
    return { inline: { tokens: [...slot.data.tokens], vectors: slot.data.vectors.map((r) => [...r]) } };
  }
  const spec: { path: string; part?: string; sentence?: string } = { path: slot.info.path };
  if (slot.info.part) spec.part = slot.info.part;
  if (slot.sentence && slot.sentence.trim()) spec.sentence = slot.sentence.trim();
  return spec;
}

/** The roles the JobSpec gets from the data panel (none for a capture, which gives q, k and v itself). */
export function activeRoles(sources: SourcesState): SourceRole[] {
  if (sources.mode === 'capture') return [];
  return sources.mode === 'shared' ? ['embeddings'] : ['queries', 'keys', 'values'];
}

/** The capture as a file slot: its key positions and tokens. */
function captureKeySlot(c: CaptureState): SlotState {
  return { kind: 'file', info: c.info };
}

/** The capture's queries as a file slot: the last Tq positions, as the causal mask's offset counts them. */
function captureQuerySlot(c: CaptureState): SlotState {
  const { Tq, Tk } = c.info.capture;
  const tokens = c.info.tokens && Tq <= Tk ? c.info.tokens.slice(Tk - Tq) : null;
  return { kind: 'file', info: { ...c.info, T: Tq, tokens } };
}

/** The slot whose tokens are the keys (the padding toggles act on them). */
export function keySlot(sources: SourcesState): SlotState | null {
  if (sources.mode === 'capture') return sources.capture && captureKeySlot(sources.capture);
  return sources.mode === 'shared' ? sources.embeddings : sources.keys;
}

export function querySlot(sources: SourcesState): SlotState | null {
  if (sources.mode === 'capture') return sources.capture && captureQuerySlot(sources.capture);
  return sources.mode === 'shared' ? sources.embeddings : sources.queries;
}

/** The data panel's line about a capture: format, dtype, layers, heads, positions, d_head, pattern. */
export function describeCapture(c: CaptureState): string {
  const { info } = c;
  const k = info.capture;
  const layers = k.layers.length === 1 ? `1 layer (${k.layers[0]})` : `${k.layers.length} layers (${k.layers[0]}–${k.layers[k.layers.length - 1]})`;
  const positions = k.Tq === k.Tk ? `${k.Tk} positions` : `${k.Tq} queries × ${k.Tk} keys`;
  const pattern = k.pattern ? "with the model's pattern" : "without the model's pattern";
  const listed = c.heads ? ` · runs heads ${c.heads.join(', ')}` : '';
  return `${info.format} · ${info.dtype} · ${layers} · ${k.heads} heads × ${positions} · d_head ${k.dHead} · ${pattern}${listed}`;
}

/** The capture state of an opened file at its first layer, or null when the file is no capture. */
export function captureOf(info: SourceInfo, layer?: number): CaptureState | null {
  const k = info.capture;
  if (!k || k.layers.length === 0) return null;
  return { info: info as CaptureState['info'], layer: layer !== undefined && k.layers.includes(layer) ? layer : k.layers[0] };
}

// ---------------------------------------------------------------- padding ⇄ mask stack

export function paddingMaskIndex(masks: MaskState[]): number {
  return masks.findIndex((m) => m.id === 'padding');
}

/** The key positions the padding toggles show as padded (the first padding mask's positions). */
export function paddedPositions(masks: MaskState[]): number[] {
  const i = paddingMaskIndex(masks);
  if (i < 0) return [];
  const parsed = parseNumberList(String(masks[i].values.positions ?? ''), true);
  return typeof parsed === 'string' ? [] : parsed;
}

/** The stack with key position `j` padded or unpadded (a new stack; the input is not changed). */
export function togglePadding(masks: MaskState[], j: number): MaskState[] {
  const out = masks.map((m) => ({ ...m, values: { ...m.values } }));
  const i = paddingMaskIndex(out);
  const current = new Set(paddedPositions(out));
  if (current.has(j)) current.delete(j);
  else current.add(j);
  const positions = [...current].sort((a, b) => a - b);
  if (i < 0) {
    if (positions.length === 0) return out;
    const m = newMask('padding');
    m.auto = true;
    m.values.positions = formatList(positions);
    out.push(m);
    return out;
  }
  const trailing = out[i].values.trailing;
  if (positions.length === 0 && out[i].auto && (trailing === null || trailing === undefined || trailing === '')) {
    out.splice(i, 1);
    return out;
  }
  out[i].values.positions = formatList(positions);
  return out;
}

/** Move a mask within the stack (indices clamped). */
export function moveMask(masks: MaskState[], from: number, to: number): MaskState[] {
  const out = [...masks];
  if (from < 0 || from >= out.length) return out;
  const target = Math.max(0, Math.min(out.length - 1, to));
  const [m] = out.splice(from, 1);
  out.splice(target, 0, m);
  return out;
}

// ---------------------------------------------------------------- the builder

/** Beyond this many cells per head the engine is asked for a pooled overview, not the full matrices. */
export const FULL_MATRIX_CELLS = 1024 * 1024;
export const OVERVIEW_SIZE = 512;

export interface BuildResult {
  /** the JobSpec, when there is something to run and no field has an error */
  job: JobSpec | null;
  /** the JobSpec as far as it could be built (for captions, sessions and autosave) */
  draft: JobSpec;
  errors: FieldErrors;
}

function entrySpec(entry: CatalogueEntry, state: EntryState, field: string, errors: FieldErrors): EntrySpec {
  const { params, errors: paramErrors } = formToParams(entry, state.values);
  for (const [name, message] of Object.entries(paramErrors)) errors[`${field}.${name}`] = message;
  return { id: entry.id, ...params };
}

function projectionSpec(p: ProjectionState): ProjectionSpec {
  if (p.id === 'random') {
    const spec: ProjectionSpec = { id: 'random', seed: p.seed ?? 0 };
    if (p.width !== null) spec.width = p.width;
    return spec;
  }
  if (p.id === 'file') {
    const spec: { id: 'file'; q?: string; k?: string; v?: string } = { id: 'file' };
    if (p.q.trim()) spec.q = p.q.trim();
    if (p.k.trim()) spec.k = p.k.trim();
    if (p.v.trim()) spec.v = p.v.trim();
    return spec;
  }
  return { id: 'identity' };
}

/** Tq × Tk of the run (after transpose), from what the data panel knows. */
export function runShape(sources: SourcesState, config: ConfigState): { Tq: number; Tk: number } {
  const tq = slotLength(querySlot(sources));
  const tk = slotLength(keySlot(sources));
  return config.transpose ? { Tq: tk, Tk: tq } : { Tq: tq, Tk: tk };
}

/** What to ask the engine for: the full matrices when they are small enough, else an overview. */
export function outputsFor(Tq: number, Tk: number): { outputs: OutputKind[]; overview?: JobSpec['overview'] } {
  if (Tq * Tk <= FULL_MATRIX_CELLS) return { outputs: ['weights', 'scores', 'entropy'] };
  return { outputs: ['overview', 'entropy'], overview: { rows: OVERVIEW_SIZE, cols: OVERVIEW_SIZE, pool: 'mean' } };
}

/**
 * The JobSpec of the panels' state, validated with parseJobSpec (the same schema main
 * applies), so a field error shows the instant it is typed.
 */
export function buildJobSpec(sources: SourcesState, config: ConfigState): BuildResult {
  const errors: FieldErrors = {};
  const draft: JobSpec = {};

  const capture = sources.mode === 'capture';
  if (capture) {
    // the capture replaces the sources, the projection and the heads (its heads all run, or those a session listed; the Head selector picks one)
    const c = sources.capture;
    if (c) draft.capture = { path: c.info.path, layer: c.layer, ...(c.heads ? { heads: [...c.heads] } : {}) };
    else errors.capture = 'no capture file loaded: open a .safetensors or .npz capture';
  }
  for (const role of activeRoles(sources)) {
    const slot = sources[role];
    if (!slot) {
      if (role !== 'values') errors[role] = role === 'embeddings' ? 'no embeddings loaded: open a file or pick a sample' : `no ${role} loaded`;
      continue;
    }
    const guidance = sentenceGuidance(slot);
    if (guidance) errors[`${role}.sentence`] = guidance;
    if (slot.kind === 'file' && slot.lookup && slot.lookup.indices.length === 0) {
      errors[`${role}.sentence`] = `none of the words were found in ${slot.info.name}`;
    }
    draft[role] = slotToSource(slot);
  }

  if (!capture) {
    draft.projection = projectionSpec(config.projection);
    if (config.heads !== null) draft.heads = config.heads;
  }

  // a recurrence replaces the score function and normaliser: their sections keep their state, unsent
  const recurrent = usesRecurrence(config);
  const metric = catalogueEntry('score', config.metric.id);
  if (!metric) errors.metric = `unknown score function "${config.metric.id}"`;
  else if (!recurrent) draft.metric = entrySpec(metric, config.metric, 'metric', errors);

  draft.mask = config.masks.map((m, i) => {
    const entry = catalogueEntry('mask', m.id);
    if (!entry) {
      errors[`mask.${i}`] = `unknown mask "${m.id}"`;
      return { id: m.id };
    }
    return entrySpec(entry, m, `mask.${i}`, errors);
  });
  for (const kind of ['position', 'quantize', 'recurrence'] as const) {
    const state = config[kind];
    if (state.id === 'none') continue;
    const entry = catalogueEntry(kind, state.id);
    if (!entry) errors[kind] = `unknown ${kind} "${state.id}"`;
    else draft[kind] = entrySpec(entry, state, kind, errors);
  }
  const normalizer = catalogueEntry('normalizer', config.normalizer.id);
  if (!normalizer) errors.normalizer = `unknown normalizer "${config.normalizer.id}"`;
  // a normaliser without parameters stays a plain id, as JobSpecs wrote it before objects
  else if (!recurrent) draft.normalizer = normalizer.params.length === 0 ? normalizer.id : entrySpec(normalizer, config.normalizer, 'normalizer', errors);
  if (config.transpose) draft.transpose = true;

  const { Tq, Tk } = runShape(sources, config);
  Object.assign(draft, outputsFor(Tq, Tk));

  if (Object.keys(errors).length > 0) return { job: null, draft, errors };
  try {
    return { job: parseJobSpec(draft), draft, errors };
  } catch (e) {
    if (e instanceof JobSpecError) {
      errors[e.field || 'job'] = e.problem;
      return { job: null, draft, errors };
    }
    throw e;
  }
}

// ---------------------------------------------------------------- JobSpec → state (sessions)

export interface RestoredState {
  sources: SourcesState;
  config: ConfigState;
  /** what could not be restored, in words */
  problems: string[];
}

export type EmbeddedData = Record<string, { tokens: string[] | null; vectors: number[][] }>;

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

function restoreSlot(spec: SourceSpec | undefined, infos: SourceInfo[], role: SourceRole, problems: string[], embedded: EmbeddedData = {}): SlotState | null {
  if (!spec) return null;
  if ('inline' in spec) {
    const tokens = spec.inline.tokens ?? spec.inline.vectors.map((_, i) => String(i));
    return { kind: 'inline', name: `inline ${role}`, data: { tokens, vectors: spec.inline.vectors } };
  }
  const info = infos.find((s) => s.path === spec.path && (spec.part === undefined || s.part === spec.part)) ?? infos.find((s) => s.path === spec.path);
  if (!info) {
    const data = embedded[spec.path];
    if (data) {
      const tokens = data.tokens ?? data.vectors.map((_, i) => String(i));
      return { kind: 'inline', name: `${baseName(spec.path)} (embedded in the session)`, data: { tokens, vectors: data.vectors } };
    }
    problems.push(`${role}: the file ${spec.path} was not reopened`);
    return null;
  }
  return { kind: 'file', info, sentence: spec.sentence, lookup: null };
}

function restoreCapture(spec: NonNullable<JobSpec['capture']>, infos: SourceInfo[], problems: string[]): CaptureState | null {
  const info = infos.find((s) => s.path === spec.path && s.capture);
  const state = info ? captureOf(info, spec.layer) : null;
  if (!state) problems.push(`capture: the file ${spec.path} was not reopened`);
  else if (state.layer !== spec.layer) problems.push(`capture: ${info!.name} holds no layer ${spec.layer} now (layer ${state.layer} is shown)`);
  if (!state || !spec.heads) return state;
  const past = spec.heads.filter((h) => h >= state.info.capture.heads);
  if (past.length === 0) return { ...state, heads: [...spec.heads] };
  problems.push(`capture: ${state.info.name} has ${state.info.capture.heads} heads, no head ${past.join(', ')}: every head runs`);
  return state;
}

function restoreEntry(entries: CatalogueEntry[], spec: EntrySpec | undefined, fallback: string): EntryState {
  const entry = entries.find((e) => e.id === spec?.id) ?? entries.find((e) => e.id === fallback)!;
  const { id: _id, ...params } = spec ?? { id: fallback };
  void _id;
  return { id: entry.id, values: paramsToForm(entry, params) };
}

/** A JobSpec (from a session file) as panel state; the files it names come from `infos`. */
export function stateFromJob(job: JobSpec, infos: SourceInfo[], embedded: EmbeddedData = {}): RestoredState {
  const problems: string[] = [];
  const separate = !job.embeddings && (job.queries !== undefined || job.keys !== undefined);
  const sources: SourcesState = job.capture
    ? { mode: 'capture', capture: restoreCapture(job.capture, infos, problems), embeddings: null, queries: null, keys: null, values: null }
    : separate
      ? {
          mode: 'separate',
          capture: null,
          embeddings: null,
          queries: restoreSlot(job.queries, infos, 'queries', problems, embedded),
          keys: restoreSlot(job.keys, infos, 'keys', problems, embedded),
          values: restoreSlot(job.values, infos, 'values', problems, embedded),
        }
      : { mode: 'shared', capture: null, embeddings: restoreSlot(job.embeddings, infos, 'embeddings', problems, embedded), queries: null, keys: null, values: null };

  const p = job.projection ?? { id: 'identity' };
  const projection: ProjectionState = {
    id: p.id,
    seed: p.id === 'random' ? (p.seed ?? 0) : 0,
    width: p.id === 'random' ? (p.width ?? null) : null,
    q: p.id === 'file' ? (p.q ?? '') : '',
    k: p.id === 'file' ? (p.k ?? '') : '',
    v: p.id === 'file' ? (p.v ?? '') : '',
  };
  const config: ConfigState = {
    metric: restoreEntry(SCORE_FUNCTIONS, job.metric, 'dot'),
    masks: (job.mask ?? []).map((m) => {
      const e = restoreEntry(MASKS, m, 'none');
      return newMask(e.id, e.values);
    }),
    position: restoreEntry(POSITIONS, job.position, 'none'),
    quantize: restoreEntry(QUANTIZERS, job.quantize, 'none'),
    recurrence: restoreEntry(RECURRENCES, job.recurrence, 'none'),
    normalizer: restoreEntry(NORMALIZERS, normalizerSpec(job), 'softmax'),
    transpose: job.transpose === true,
    heads: job.heads ?? 1,
    projection,
  };
  return { sources, config, problems };
}
