/**
 * The JobSpec: the one contract between the app, the CLI, saved sessions and the engine.
 * The schema is generated from the metric catalogue, so a new score function or mask
 * needs no edit here. Validation returns messages that name the field:
 * `metric.tau: expected a number > 0, got -1`.
 */
import * as v from 'valibot';
import { MASKS, NORMALIZERS, NORMALIZER_IDS, SCORE_FUNCTIONS, type CatalogueEntry, type ParamSpec } from '../metrics/catalogue';
import { BACKEND_CHOICES, type BackendChoice, type OutputKind, type PoolKind } from './problem';
import { describeValue, firstProblem } from './issue-message';

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

export type ProjectionSpec =
  | { id: 'identity' }
  | { id: 'random'; seed?: number; width?: number }
  | { id: 'file'; q?: string; k?: string; v?: string };

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
  transpose?: boolean;
  outputs?: OutputKind[];
  topk?: number;
  overview?: OverviewSpec;
  /** auto (default) | wasm | webgpu: where the job runs, never what it computes */
  backend?: BackendChoice;
}

const finiteNumber = v.pipe(v.number('expected a number'), v.finite('expected a finite number'));
const int = (min?: number, max?: number) => {
  const parts: v.GenericPipeItem[] = [v.integer('expected an integer')];
  if (min !== undefined) parts.push(v.minValue(min, `expected an integer ≥ ${min}`));
  if (max !== undefined) parts.push(v.maxValue(max, `expected an integer ≤ ${max}`));
  return v.pipe(v.number('expected an integer'), ...(parts as [v.GenericPipeItem]));
};
const nonNegativeIntList = v.array(int(0), 'expected a list of non-negative integers');
const numberMatrix = v.array(v.array(finiteNumber, 'expected a row of numbers'), 'expected an array of rows');

function paramSchema(p: ParamSpec): v.GenericSchema {
  switch (p.kind) {
    case 'number': {
      const checks: v.GenericPipeItem[] = [];
      if (p.min !== undefined) {
        checks.push(
          p.exclusiveMin
            ? v.gtValue(p.min, `expected a number > ${p.min}`)
            : v.minValue(p.min, `expected a number ≥ ${p.min}`),
        );
      }
      if (p.max !== undefined) checks.push(v.maxValue(p.max, `expected a number ≤ ${p.max}`));
      return checks.length ? v.pipe(finiteNumber, ...(checks as [v.GenericPipeItem])) : finiteNumber;
    }
    case 'integer':
      return int(p.min, p.max);
    case 'boolean':
      return v.boolean('expected true or false');
    case 'choice': {
      const words = v.picklist(p.choices ?? [], `expected one of ${(p.choices ?? []).map((c) => `"${c}"`).join(', ')}${p.allowNumber ? ' or a number' : ''}`);
      return p.allowNumber ? v.union([words, finiteNumber], `expected one of ${(p.choices ?? []).map((c) => `"${c}"`).join(', ')} or a number`) : words;
    }
    case 'integerList':
      return nonNegativeIntList;
    case 'numberList':
      return v.array(finiteNumber, 'expected a list of numbers');
    case 'edgeList':
      return v.array(v.tuple([int(0), int(0)], 'expected an edge [i, j]'), 'expected a list of edges [[i, j], …]');
    case 'matrix':
      return numberMatrix;
    case 'path':
      return v.pipe(v.string('expected a file path'), v.minLength(1, 'expected a file path'));
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
        tokens: v.optional(v.array(v.string('expected a token string'))),
        vectors: v.pipe(numberMatrix, v.minLength(1, 'expected at least one vector')),
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

export const jobSpecSchema = v.strictObject({
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
    v.union(
      [v.picklist(NORMALIZER_IDS), entryVariant(NORMALIZERS, 'normalizer')],
      `expected one of ${NORMALIZER_IDS.join(', ')}, or an object such as {"id": "rank", "tau": 1}`,
    ),
  ),
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

/** A JobSpec that failed validation; `field` is a dotted path such as `mask.1.size`. */
export class JobSpecError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(field ? `${field}: ${problem}` : problem);
    this.name = 'JobSpecError';
  }
}

/** Validate untrusted input (a parsed JSON file, an IPC payload) into a JobSpec. */
export function parseJobSpec(input: unknown): JobSpec {
  // valibot's objects accept lists (and then read [].keys, [].values as fields): refuse them first
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new JobSpecError('', `expected a JobSpec: a JSON object such as {"embeddings": {"path": "tokens.npy"}}, got ${describeValue(input)}`);
  }
  const result = v.safeParse(jobSpecSchema, input, { abortEarly: false });
  if (!result.success) {
    const { field, problem } = firstProblem(result.issues);
    throw new JobSpecError(field, problem);
  }
  return result.output as JobSpec;
}
