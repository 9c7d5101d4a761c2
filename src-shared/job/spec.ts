/**
 * The JobSpec: the one contract between the app, the CLI, saved sessions and the engine.
 * The schema is generated from the metric catalogue, so a new score function or mask
 * needs no edit here. Validation returns messages that name the field:
 * `metric.tau: expected a number > 0, got -1`.
 */
import * as v from 'valibot';
import { MASKS, NORMALIZERS, NORMALIZER_IDS, POSITIONS, QUANTIZERS, RECURRENCES, SCORE_FUNCTIONS, type CatalogueEntry, type ParamSpec } from '../metrics/catalogue';
import { BACKEND_CHOICES, type BackendChoice, type OutputKind, type PoolKind } from './problem';
import { describeValue, firstProblem } from './issue-message';
import { tokenProblem } from '../formats/tokens';
import { MAX_INLINE_NUMBERS, USE_A_FILE } from './limits';

export const OUTPUT_KINDS: OutputKind[] = ['scores', 'weights', 'output', 'entropy', 'argmax', 'topk', 'overview'];

/** Where a matrix of vectors comes from. */
export type SourceSpec =
  | {
      /** relative paths resolve against the JobSpec file's folder */
      path: string;
      /** safetensors tensor name, or "q"/"k"/"v" of a JSON {q,k,v} file */
      part?: string;
      /** keep only these rows (token indices) */
      rows?: number[];
      /** keep only the tokens of this sentence (looked up in the file's vocabulary) */
      sentence?: string;
    }
  | { inline: { tokens?: string[]; vectors: number[][] } };

/**
 * A model's q, k and v per head from a capture file (docs/semantics.md "Captures"): layer
 * `layer`, and the heads listed (all when absent). It takes the place of the embeddings,
 * queries, keys, values, projection and heads fields.
 */
export interface CaptureSpec {
  /** a .safetensors or .npz capture; relative paths resolve against the JobSpec file's folder */
  path: string;
  layer: number;
  heads?: number[];
}

/** The fields a capture replaces: giving one of them beside `capture` is an error naming `capture`. */
export const CAPTURE_REPLACES = ['embeddings', 'queries', 'keys', 'values', 'projection', 'heads'] as const;

export type ProjectionSpec = { id: 'identity' } | { id: 'random'; seed?: number; width?: number } | { id: 'file'; q?: string; k?: string; v?: string };

/** A score function or mask with its parameters, as the catalogue describes them. */
export interface EntrySpec {
  id: string;
  [param: string]: unknown;
}

export interface OverviewSpec {
  rows?: number;
  cols?: number;
  pool?: PoolKind;
}

export interface JobSpec {
  capture?: CaptureSpec;
  embeddings?: SourceSpec;
  queries?: SourceSpec;
  keys?: SourceSpec;
  values?: SourceSpec;
  projection?: ProjectionSpec;
  heads?: number;
  metric?: EntrySpec;
  mask?: EntrySpec[];
  /** an id ("softmax"), or an id with parameters ({"id": "rank", "tau": 0.5}) */
  normalizer?: string | EntrySpec;
  /** RoPE / ALiBi / sinusoidal: positions for raw embeddings (docs/semantics.md "Positions") */
  position?: EntrySpec;
  /** int / float16 / bfloat16 rounding of q, k (and v), after positions */
  quantize?: EntrySpec;
  /** linear / retention / selective / delta: implicit attention in place of metric and normalizer */
  recurrence?: EntrySpec;
  transpose?: boolean;
  outputs?: OutputKind[];
  topk?: number;
  overview?: OverviewSpec;
  /** auto (default) | wasm | webgpu: where the job runs, never what it computes */
  backend?: BackendChoice;
}

const finiteNumber = v.pipe(v.number('expected a number'), v.finite('expected a finite number'));
/** float32's largest finite value: vectors and matrices are stored as float32 */
const FLOAT32_MAX = 3.4028234663852886e38;
const float32Number = v.pipe(
  v.number('expected a number'),
  v.finite('expected a finite number'),
  v.check((x) => Math.abs(x) <= FLOAT32_MAX, 'expected a number within float32 (±3.4e38)'),
);
const INT32_MAX = 2 ** 31 - 1;
const int = (min?: number, max?: number) => {
  const parts: v.GenericPipeItem[] = [v.integer('expected an integer')];
  if (min !== undefined) parts.push(v.minValue(min, `expected an integer ≥ ${min}`));
  if (max !== undefined) parts.push(v.maxValue(max, `expected an integer ≤ ${max}`));
  return v.pipe(v.number('expected an integer'), ...(parts as [v.GenericPipeItem]));
};
const nonNegativeIntList = v.array(int(0, INT32_MAX), 'expected a list of non-negative integers');
const numberMatrix = v.array(v.array(float32Number, 'expected a row of numbers'), 'expected an array of rows');
const token = v.pipe(
  v.string('expected a token string'),
  v.check(
    (t) => tokenProblem(t) === null,
    (issue) => tokenProblem(issue.input) ?? 'expected a token',
  ),
);

/**
 * Checks from a catalogue parameter's min, max and overflowBelow. They pass anything that is
 * not a number, so a choice that also takes a number (dot's scale) can pipe them after its union.
 */
function rangeChecks(p: ParamSpec): v.GenericPipeItem[] {
  const checks: [(x: number) => boolean, string][] = [];
  if (p.min !== undefined && p.max !== undefined && p.overflowBelow === undefined && Math.max(Math.abs(p.min), Math.abs(p.max)) <= 1e6) {
    // one interval reads better than two messages: "expected a number in (0, 1]"
    const interval = `expected a number in ${p.exclusiveMin ? '(' : '['}${p.min}, ${p.max}]`;
    checks.push([(x) => (p.exclusiveMin ? x > p.min! : x >= p.min!) && x <= p.max!, interval]);
    return checks.map(([ok, message]) => v.check((x: unknown) => typeof x !== 'number' || ok(x), message));
  }
  if (p.min !== undefined) {
    checks.push(p.exclusiveMin ? [(x) => x > p.min!, `expected a number > ${p.min}`] : [(x) => x >= p.min!, `expected a number ≥ ${p.min}`]);
  }
  if (p.overflowBelow !== undefined) {
    checks.push([(x) => x >= p.overflowBelow!, `expected ≥ ${p.overflowBelow} (a smaller ${p.label} makes scores overflow float32)`]);
  }
  if (p.max !== undefined) checks.push([(x) => x <= p.max!, `expected a number ≤ ${p.max}`]);
  return checks.map(([ok, message]) => v.check((x: unknown) => typeof x !== 'number' || ok(x), message));
}

function withRange(schema: v.GenericSchema, p: ParamSpec): v.GenericSchema {
  const checks = rangeChecks(p);
  return checks.length ? v.pipe(schema, ...(checks as [v.GenericPipeItem])) : schema;
}

function paramSchema(p: ParamSpec): v.GenericSchema {
  switch (p.kind) {
    case 'number':
      return withRange(finiteNumber, p);
    case 'integer':
      return int(p.min, p.max);
    case 'boolean':
      return v.boolean('expected true or false');
    case 'choice': {
      const words = v.picklist(p.choices ?? [], `expected one of ${(p.choices ?? []).map((c) => `"${c}"`).join(', ')}${p.allowNumber ? ' or a number' : ''}`);
      if (p.allowList) return withRange(v.union([words, v.array(finiteNumber)], `expected one of ${(p.choices ?? []).map((c) => `"${c}"`).join(', ')} or a list of numbers`), p);
      if (!p.allowNumber) return words;
      return withRange(v.union([words, finiteNumber], `expected one of ${(p.choices ?? []).map((c) => `"${c}"`).join(', ')} or a number`), p);
    }
    case 'choiceList': {
      const words = (p.choices ?? []).map((c) => `"${c}"`).join(', ');
      return v.pipe(
        v.array(v.picklist(p.choices ?? [], `expected one of ${words}`), `expected a list of ${words}`),
        v.check((list) => new Set(list).size === list.length, `expected each of ${words} at most once`),
      );
    }
    case 'integerList':
      return nonNegativeIntList;
    case 'numberList':
      return v.array(float32Number, 'expected a list of numbers');
    case 'edgeList':
      return v.array(v.tuple([int(0), int(0)], 'expected an edge [i, j]'), 'expected a list of edges [[i, j], …]');
    case 'matrix':
      return numberMatrix;
    case 'path':
      return v.pipe(v.string('expected a file path'), v.minLength(1, 'expected a file path'));
    case 'numberOrList':
      return v.union(
        [withRange(finiteNumber, p), v.pipe(v.array(withRange(finiteNumber, p), 'expected a list of numbers'), v.minLength(1, 'expected at least one number'))],
        'expected a number or a list of numbers',
      );
    case 'matrixSource':
      return v.union(
        [
          v.strictObject({ inline: v.pipe(numberMatrix, v.minLength(1, 'expected at least one row')) }),
          v.strictObject({ path: v.pipe(v.string('expected a file path'), v.minLength(1, 'expected a file path')) }),
        ],
        'expected {"inline": [[…]]} or {"path": "…"}',
      );
  }
}

function entrySchema(entry: CatalogueEntry) {
  const fields: Record<string, v.GenericSchema> = { id: v.literal(entry.id) };
  for (const p of entry.params) fields[p.name] = v.optional(paramSchema(p));
  return v.strictObject(fields);
}

function entryVariant(entries: CatalogueEntry[], what: string) {
  const ids = entries.map((e) => e.id);
  return v.variant('id', entries.map(entrySchema) as never, () => `expected a ${what} id: one of ${ids.join(', ')}`);
}

const sourceSchema = v.union(
  [
    v.strictObject({
      path: v.pipe(v.string('expected a file path'), v.minLength(1, 'expected a file path')),
      part: v.optional(v.string()),
      rows: v.optional(nonNegativeIntList),
      sentence: v.optional(v.string()),
    }),
    v.strictObject({
      inline: v.strictObject({
        tokens: v.optional(v.array(token)),
        vectors: v.pipe(
          numberMatrix,
          v.minLength(1, 'expected at least one vector'),
          v.check((rows) => rows.reduce((n, r) => n + r.length, 0) <= MAX_INLINE_NUMBERS, `expected at most ${MAX_INLINE_NUMBERS} numbers inline; ${USE_A_FILE}`),
        ),
      }),
    }),
  ],
  'expected {"path": …} or {"inline": {"vectors": [[…]]}}',
);

const projectionSchema = v.variant(
  'id',
  [
    v.strictObject({ id: v.literal('identity') }),
    v.strictObject({ id: v.literal('random'), seed: v.optional(int(0, 2 ** 32 - 1)), width: v.optional(int(1, 65536)) }),
    v.strictObject({
      id: v.literal('file'),
      q: v.optional(v.string()),
      k: v.optional(v.string()),
      v: v.optional(v.string()),
    }),
  ],
  'expected a projection id: one of identity, random, file',
);

const captureSchema = v.strictObject({
  path: v.pipe(v.string('expected a file path'), v.minLength(1, 'expected a file path')),
  layer: int(0, INT32_MAX),
  heads: v.optional(
    v.pipe(
      nonNegativeIntList,
      v.minLength(1, 'expected at least one head (leave `heads` out for all of them)'),
      v.check((list) => new Set(list).size === list.length, 'expected each head at most once'),
    ),
  ),
});

export const jobSpecSchema = v.strictObject({
  capture: v.optional(captureSchema),
  embeddings: v.optional(sourceSchema),
  queries: v.optional(sourceSchema),
  keys: v.optional(sourceSchema),
  values: v.optional(sourceSchema),
  projection: v.optional(projectionSchema),
  heads: v.optional(int(1, 1024)),
  metric: v.optional(entryVariant(SCORE_FUNCTIONS, 'score function')),
  mask: v.optional(v.array(entryVariant(MASKS, 'mask'), 'expected a list of masks')),
  // a plain id (sessions saved before normalisers took parameters) or an object with parameters
  normalizer: v.optional(
    v.union([v.picklist(NORMALIZER_IDS), entryVariant(NORMALIZERS, 'normalizer')], `expected one of ${NORMALIZER_IDS.join(', ')}, or an object such as {"id": "rank", "tau": 1}`),
  ),
  position: v.optional(entryVariant(POSITIONS, 'position')),
  quantize: v.optional(entryVariant(QUANTIZERS, 'quantizer')),
  recurrence: v.optional(entryVariant(RECURRENCES, 'recurrence')),
  transpose: v.optional(v.boolean('expected true or false')),
  outputs: v.optional(v.array(v.picklist(OUTPUT_KINDS, `expected one of ${OUTPUT_KINDS.join(', ')}`))),
  topk: v.optional(int(1, 4096)),
  overview: v.optional(
    v.strictObject({
      rows: v.optional(int(1, 8192)),
      cols: v.optional(int(1, 8192)),
      pool: v.optional(v.picklist(['mean', 'max'], 'expected "mean" or "max"')),
    }),
  ),
  backend: v.optional(v.picklist(BACKEND_CHOICES, `expected one of ${BACKEND_CHOICES.map((b) => `"${b}"`).join(', ')}`)),
});

/** The JobSpec's normaliser as an entry: a plain id is the entry with its default parameters. */
export function normalizerSpec(job: Pick<JobSpec, 'normalizer'>): EntrySpec {
  return typeof job.normalizer === 'object' ? job.normalizer : { id: job.normalizer ?? 'softmax' };
}

/**
 * A JobSpec that failed validation; `field` is a dotted path such as `mask.1.size`. Read
 * from a file (the CLI's job file), the message names the file first: `job.json: metric.tau: …`.
 */
export class JobSpecError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
    readonly file?: string,
  ) {
    super(`${file ? `${file}: ` : ''}${field ? `${field}: ` : ''}${problem}`);
    this.name = 'JobSpecError';
  }

  /** The same error, said of the JobSpec in `file` (unchanged if it names a file already). */
  inFile(file: string): JobSpecError {
    return this.file ? this : new JobSpecError(this.field, this.problem, file);
  }
}

/** Validate untrusted input (a parsed JSON file, an IPC payload) into a JobSpec; `file` names where it was read. */
export function parseJobSpec(input: unknown, file?: string): JobSpec {
  // valibot's objects accept lists (and then read [].keys, [].values as fields): refuse them first
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new JobSpecError('', `expected a JobSpec: a JSON object such as {"embeddings": {"path": "tokens.npy"}}, got ${describeValue(input)}`, file);
  }
  const result = v.safeParse(jobSpecSchema, input, { abortEarly: false });
  if (!result.success) {
    const { field, problem } = firstProblem(result.issues);
    throw new JobSpecError(field, problem, file);
  }
  const job: JobSpec = result.output;
  if (job.capture) {
    const both = CAPTURE_REPLACES.filter((f) => job[f] !== undefined);
    if (both.length > 0) {
      const named = both.map((f) => `\`${f}\``).join(', ');
      throw new JobSpecError(
        'capture',
        `a capture gives each head's q, k and v itself, so it cannot be combined with ${named}: remove ${both.length > 1 ? 'them' : 'it'}, or remove \`capture\``,
        file,
      );
    }
    if (job.position?.id === 'sinusoidal') {
      throw new JobSpecError(
        'position',
        "sinusoidal positions are added to embeddings before the projection, and a capture's q, k and v are already projected (use rope or alibi, or no position)",
        file,
      );
    }
  }
  return job;
}
