/**
 * The one table of operations between the renderer and main (cf. Electron Fiddle's
 * `ipc-events.ts`): for each LabApi operation its IPC channel, the schema its request must
 * pass, and the largest request main accepts. The preload mirrors this table one method
 * per operation; main's IPC adapter validates every payload against it (size first, then
 * schema) before the service sees it; the end-to-end harness goes through the same check.
 *
 * Replies travel in an envelope (`{ok, value}` / `{ok: false, error}`) so that an error's
 * name (e.g. `AbortError` for a cancelled run) and message reach the renderer unchanged;
 * Electron's own rejection would prefix and flatten them.
 */
import * as v from 'valibot';
import { jobSpecSchema, type JobSpec } from '../job/spec';
import { EXPERIMENTS, EXPERIMENT_NAMES, requestOptionsSchema, type ExperimentName } from '../experiments';
import { firstProblem } from '../job/issue-message';
import { MAX_JOBSPEC_BYTES, USE_A_FILE } from '../job/limits';
import type { ExperimentReply, ExperimentRequest, ExportRequest, LabApi, MenuCommand, ProgressEvent, SessionDoc, SourceInfo } from './lab-api';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The operations that cross the process boundary (the listeners and pathForFile stay in the renderer). */
export type LabApiOperation = Exclude<keyof LabApi, 'onProgress' | 'onMenuCommand' | 'pathForFile'>;

/**
 * Operations the preload uses but does not expose as their own LabApi method:
 * `grantDroppedPath` is sent by the preload's `pathForFile` when a real file (one with a
 * path on disk, which only a drop or a file input can produce) reaches it.
 */
export type InternalOperation = 'grantDroppedPath';

export type OperationName = LabApiOperation | InternalOperation;

// ── pieces ────────────────────────────────────────────────────────────────────────────

/** A file path as a dialog returns it: non-empty, no NUL, bounded. Absoluteness is main's check. */
const pathString = v.pipe(
  v.string('expected a file path'),
  v.minLength(1, 'expected a file path'),
  v.maxLength(4096, 'expected a file path of at most 4096 characters'),
  v.check((s) => !s.includes('\0'), 'a file path cannot contain a NUL character'),
);

/** Ids chosen by the renderer (run ids, channels): short and printable. */
const idString = (what: string) =>
  v.pipe(
    v.string(`expected ${what}`),
    v.minLength(1, `expected ${what}`),
    v.maxLength(128, `expected ${what} of at most 128 characters`),
    v.regex(/^[A-Za-z0-9_.:-]+$/, `expected ${what} made of letters, digits and _ . : -`),
  );

const heatmapViewSchema = v.strictObject({
  matrix: v.picklist(['weights', 'scores'], 'expected "weights" or "scores"'),
  colormap: v.pipe(v.string('expected a colormap name'), v.minLength(1), v.maxLength(64)),
  scale: v.picklist(['linear', 'log', 'rowmax'], 'expected "linear", "log" or "rowmax"'),
  head: v.pipe(v.number('expected a head index'), v.integer('expected an integer'), v.minValue(0, 'expected a head index ≥ 0'), v.maxValue(1023)),
});

const inlineDataSchema = v.strictObject({
  tokens: v.nullable(v.array(v.string())),
  vectors: v.array(v.array(v.pipe(v.number(), v.finite()))),
});

/** The renderer's own view state: any JSON object (not a list). */
const viewSchema = v.custom<Record<string, unknown>>(
  (x) => typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x),
  'expected the view state as an object',
);

/** What the renderer sends of a session: the JobSpec and its own view state. */
export const sessionBodySchema = v.strictObject({
  job: jobSpecSchema,
  view: viewSchema,
  /** accepted so an opened session can be sent back whole; main rebuilds it from the files it holds */
  embedded: v.optional(v.record(v.string(), inlineDataSchema)),
});

/** A `.qklab` file as read from disk (validated the same way as any other untrusted input). */
export const sessionDocSchema = v.strictObject({
  format: v.literal('qklab-session', 'expected "format": "qklab-session"'),
  version: v.literal(1, 'expected "version": 1 (this app reads session version 1)'),
  job: jobSpecSchema,
  view: viewSchema,
  files: v.array(v.strictObject({ path: pathString, sha256: v.string() }), 'expected a list of {path, sha256}'),
  embedded: v.optional(v.record(v.string(), inlineDataSchema)),
  savedAt: v.string(),
});

// ── experiments ──────────────────────────────────────────────────────────────────────

const experimentRunId = idString('a run id');
/** One variant per registered experiment: its options schema, and the JobSpec where it runs over one. */
export const experimentRequestSchema = v.variant(
  'name',
  EXPERIMENTS.map((m) =>
    v.strictObject({ runId: experimentRunId, name: v.literal(m.id), ...(m.needsJob ? { job: jobSpecSchema } : {}), options: requestOptionsSchema(m) }),
  ) as unknown as [v.StrictObjectSchema<{ runId: typeof experimentRunId; name: v.LiteralSchema<ExperimentName, undefined>; options: v.GenericSchema }, undefined>],
  `expected an experiment name: one of ${EXPERIMENT_NAMES.join(', ')}`,
);

// ── zoomed tiles ─────────────────────────────────────────────────────────────────────

/** The largest side of a fetchTile tile (rows and columns): 512 × 512 floats is 1 MiB per matrix. */
export const TILE_MAX_SIDE = 512;

/** The most heads an export's grid of all heads draws (64 heads are already 16 panels tall). */
export const GRID_MAX_HEADS = 64;

const tileIndex = v.pipe(
  v.number('expected an index'),
  v.integer('expected an integer index'),
  v.minValue(0, 'expected an index ≥ 0'),
  v.maxValue(2 ** 24, 'expected an index ≤ 16777216'),
);
/** A half-open range [start, end) of at most TILE_MAX_SIDE entries. */
/** A head of a kept run (fetchTile, modelPattern): the run's own check says whether it has that many. */
const headIndex = v.pipe(
  v.number('expected a head index'),
  v.integer('expected an integer'),
  v.minValue(0, 'expected a head index ≥ 0'),
  v.maxValue(1023, 'expected a head index ≤ 1023'),
);

const tileRange = (what: string) =>
  v.pipe(
    v.tuple([tileIndex, tileIndex], `expected [start, end) of ${what}`),
    v.check(([a, b]) => b > a, `expected [start, end) of ${what} with start < end`),
    v.check(([a, b]) => b - a <= TILE_MAX_SIDE, `expected at most ${TILE_MAX_SIDE} ${what}`),
  );

const noArguments = v.union([v.undefined(), v.null()], 'expected no arguments');

// ── the table ─────────────────────────────────────────────────────────────────────────

export interface Operation<S extends v.GenericSchema = v.GenericSchema> {
  name: OperationName;
  /** the ipcMain.handle channel */
  channel: string;
  request: S;
  /** the largest request accepted, as measured by `payloadBytes` */
  maxBytes: number;
  /** what to do instead of an oversized request, added to the refusal */
  tooLarge?: string;
}

function op<S extends v.GenericSchema>(name: OperationName, request: S, maxBytes: number, tooLarge?: string): Operation<S> {
  return { name, channel: `qklab:${name}`, request, maxBytes, ...(tooLarge ? { tooLarge } : {}) };
}

export const OPERATIONS = {
  openEmbeddings: op('openEmbeddings', v.strictObject({ path: v.optional(pathString), part: v.optional(v.pipe(v.string(), v.maxLength(512))) }), 16 * KiB),
  captureModel: op(
    'captureModel',
    v.pipe(
      v.strictObject({
        path: pathString,
        captureId: idString('a capture id'),
        text: v.optional(v.pipe(v.string('expected a text'), v.minLength(1, 'expected a text to tokenize'), v.maxLength(100_000, 'expected a text of at most 100000 characters'))),
        ids: v.optional(v.pipe(v.string('expected token ids as text'), v.maxLength(200_000, 'expected token ids of at most 200000 characters'))),
      }),
      v.check((r) => (r.text === undefined) !== (r.ids === undefined), 'expected either a text or token ids, one of the two'),
    ),
    256 * KiB,
  ),
  lookupSentence: op(
    'lookupSentence',
    v.strictObject({
      sourceId: idString('a source id'),
      sentence: v.pipe(v.string('expected a sentence'), v.maxLength(20_000, 'expected a sentence of at most 20000 characters')),
    }),
    64 * KiB,
  ),
  // inline vectors make JobSpecs the one large request: held to a JobSpec's limit (src-shared/job/limits.ts)
  runJob: op('runJob', v.strictObject({ runId: idString('a run id'), job: jobSpecSchema, channel: v.optional(idString('a channel name')) }), MAX_JOBSPEC_BYTES, USE_A_FILE),
  cancelJob: op('cancelJob', v.strictObject({ runId: idString('a run id') }), 1 * KiB),
  fetchTile: op(
    'fetchTile',
    v.strictObject({
      runId: idString('a run id'),
      head: headIndex,
      rows: tileRange('rows'),
      cols: tileRange('columns'),
    }),
    1 * KiB,
  ),
  modelPattern: op(
    'modelPattern',
    v.strictObject({
      runId: idString('a run id'),
      head: headIndex,
    }),
    1 * KiB,
  ),
  // like runJob, the JobSpec's inline vectors are what can make it large
  runExperiment: op('runExperiment', experimentRequestSchema, MAX_JOBSPEC_BYTES, USE_A_FILE),
  exportRun: op(
    'exportRun',
    v.strictObject({
      runId: idString('a run id'),
      format: v.picklist(['png', 'svg', 'csv', 'npy', 'json'], 'expected one of png, svg, csv, npy, json'),
      scale: v.optional(v.picklist([1, 2, 4], 'expected a PNG scale of 1, 2 or 4')),
      view: v.optional(heatmapViewSchema),
      path: v.optional(pathString),
      caption: v.optional(v.pipe(v.string(), v.maxLength(1000, 'expected a caption of at most 1000 characters'))),
      picture: v.optional(
        v.variant(
          'kind',
          [
            v.strictObject({ kind: v.literal('head') }),
            v.strictObject({ kind: v.literal('grid') }),
            v.strictObject({ kind: v.literal('region'), rows: tileRange('rows'), cols: tileRange('columns') }),
          ],
          'expected a picture of kind "head", "grid" or "region"',
        ),
      ),
      exportId: v.optional(idString('an export id')),
    }),
    32 * KiB,
  ),
  saveSession: op(
    'saveSession',
    v.strictObject({
      session: sessionBodySchema,
      path: v.optional(pathString),
      saveAs: v.optional(v.boolean()),
      embedData: v.optional(v.boolean()),
    }),
    64 * MiB,
  ),
  openSession: op('openSession', v.strictObject({ path: v.optional(pathString) }), 16 * KiB),
  // main reads only paths the session opened last listed in its `outside`; a JobSpec names at most a few dozen files
  grantSessionFiles: op(
    'grantSessionFiles',
    v.strictObject({ paths: v.pipe(v.array(pathString, 'expected a list of file paths'), v.maxLength(64, 'expected at most 64 file paths')) }),
    300 * KiB,
  ),
  autosave: op('autosave', v.strictObject({ session: sessionBodySchema }), 64 * MiB),
  recoverSession: op('recoverSession', noArguments, 64),
  recentFiles: op('recentFiles', noArguments, 64),
  appInfo: op('appInfo', noArguments, 64),
  grantDroppedPath: op('grantDroppedPath', v.strictObject({ path: pathString }), 16 * KiB),
} as const satisfies Record<OperationName, Operation>;

/** Main → renderer events (webContents.send / ipcRenderer.on). */
export const EVENTS = {
  progress: 'qklab:event:progress',
  menuCommand: 'qklab:event:menu-command',
} as const;

export type EventPayloads = {
  progress: ProgressEvent;
  menuCommand: MenuCommand;
};

// ── request and reply types ───────────────────────────────────────────────────────────

/** A request as the LabApi declares it (the schemas above check exactly these shapes). */
export type RequestOf<K extends OperationName> = K extends 'runExperiment'
  ? ExperimentRequest
  : K extends LabApiOperation
    ? Parameters<LabApi[K]>[0]
    : K extends 'grantDroppedPath'
      ? { path: string }
      : never;

export interface SessionFilesReply {
  sources: SourceInfo[];
  /** files whose sha256 differs from the one saved, files that are missing, … */
  warnings: string[];
}

export interface RecoverSessionReply extends SessionFilesReply {
  session: SessionDoc;
  /** files the session names outside its folder, not read (grantSessionFiles reads them once the user confirms) */
  outside: string[];
}

export interface OpenSessionReply extends RecoverSessionReply {
  path: string;
}

type Awaited_<T> = T extends Promise<infer U> ? U : T;
export type ReplyOf<K extends OperationName> = K extends 'runExperiment'
  ? ExperimentReply
  : K extends 'openSession'
    ? OpenSessionReply | null
    : K extends 'recoverSession'
      ? RecoverSessionReply | null
      : K extends 'grantDroppedPath'
        ? void
        : K extends LabApiOperation
          ? Awaited_<ReturnType<LabApi[K]>>
          : never;

/** The service as the transports see it: one method per operation, requests already validated. */
export type LabOperations = { [K in OperationName]: (req: RequestOf<K>) => Promise<ReplyOf<K>> };

export interface ErrorInfo {
  name: string;
  message: string;
  /** the request field a validation error names (dotted) */
  field?: string;
}

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

/** An Error rebuilt from an envelope, with the original name (e.g. `AbortError`). */
export function errorFromInfo(info: ErrorInfo): Error {
  const e = new Error(info.message);
  e.name = info.name;
  if (info.field !== undefined) (e as Error & { field?: string }).field = info.field;
  return e;
}

export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof Error) {
    const field = (err as Error & { field?: unknown }).field;
    return { name: err.name || 'Error', message: err.message, ...(typeof field === 'string' ? { field } : {}) };
  }
  return { name: 'Error', message: String(err) };
}

// ── validation ────────────────────────────────────────────────────────────────────────

/** A request refused before reaching the service. */
export class RequestError extends Error {
  constructor(
    readonly operation: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${operation}: ${field ? field + ': ' : ''}${problem}`);
    this.name = 'RequestError';
  }
}

/**
 * The size of a request as main counts it, without serialising it: 8 bytes per number,
 * a string's length plus 2, 2 per array or object plus its keys. Stops counting (and
 * returns Infinity) as soon as `limit` is passed, at nesting deeper than 64 (this also
 * catches cycles), or at a value IPC should never carry (functions, symbols, bigints).
 */
export function payloadBytes(value: unknown, limit = Infinity): number {
  let total = 0;
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length) {
    const { value: x, depth } = stack.pop()!;
    if (depth > 64) return Infinity;
    switch (typeof x) {
      case 'number':
        total += 8;
        break;
      case 'string':
        total += x.length + 2;
        break;
      case 'boolean':
      case 'undefined':
        total += 1;
        break;
      case 'object':
        if (x === null) {
          total += 1;
        } else if (Array.isArray(x)) {
          total += 2;
          for (let i = 0; i < x.length; i++) {
            // numbers (the bulk of inline vectors) are counted here, not stacked: a hostile
            // request is refused after a quick count of its first few MiB
            if (typeof x[i] === 'number') total += 8;
            else stack.push({ value: x[i], depth: depth + 1 });
          }
        } else if (ArrayBuffer.isView(x)) {
          total += x.byteLength + 2;
        } else {
          total += 2;
          for (const key of Object.keys(x)) {
            total += key.length + 3;
            stack.push({ value: (x as Record<string, unknown>)[key], depth: depth + 1 });
          }
        }
        break;
      default:
        return Infinity;
    }
    if (total > limit) return Infinity;
  }
  return total;
}

/** Check a request's size and shape; returns the validated request or throws RequestError. */
export function parseRequest<K extends OperationName>(name: K, payload: unknown): RequestOf<K> {
  const operation = (OPERATIONS as Record<string, Operation>)[name];
  if (!operation || !Object.prototype.hasOwnProperty.call(OPERATIONS, name)) throw new RequestError(String(name), '', 'unknown operation');
  const size = payloadBytes(payload, operation.maxBytes);
  if (size > operation.maxBytes) {
    const advice = operation.tooLarge ? `; ${operation.tooLarge}` : '';
    throw new RequestError(name, '', `the request is larger than the ${formatBytes(operation.maxBytes)} this operation accepts (or nested too deeply)${advice}`);
  }
  // every request is an object or nothing; valibot's objects would take a list (as {})
  if (Array.isArray(payload)) throw new RequestError(name, '', 'expected a request object, got a list');
  const result = v.safeParse(operation.request, payload, { abortEarly: false });
  if (!result.success) {
    const { field, problem } = firstProblem(result.issues);
    throw new RequestError(name, field, problem);
  }
  return result.output as RequestOf<K>;
}

export function formatBytes(n: number): string {
  if (n >= MiB) return `${n / MiB} MiB`;
  if (n >= KiB) return `${n / KiB} KiB`;
  return `${n} bytes`;
}

// keep the schemas' outputs and the declared request types in step where they can be compared
type Assert<T extends true> = T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Schema<K extends OperationName> = v.InferOutput<(typeof OPERATIONS)[K]['request']>;
export type _ExportFormatMatches = Assert<Same<Schema<'exportRun'>['format'], ExportRequest['format']>>;
export type _ExportPictureMatches = Assert<Same<Schema<'exportRun'>['picture'], ExportRequest['picture']>>;
export type _CancelMatches = Assert<Same<Schema<'cancelJob'>, RequestOf<'cancelJob'>>>;
export type _TileMatches = Assert<Same<Schema<'fetchTile'>, RequestOf<'fetchTile'>>>;
export type _ModelPatternMatches = Assert<Same<Schema<'modelPattern'>, RequestOf<'modelPattern'>>>;
export type _CaptureModelMatches = Assert<Same<Schema<'captureModel'>, RequestOf<'captureModel'>>>;
export type _OpenMatches = Assert<Same<Schema<'openEmbeddings'>, RequestOf<'openEmbeddings'>>>;
export type _SentenceMatches = Assert<Same<Schema<'lookupSentence'>, RequestOf<'lookupSentence'>>>;
export type _ExperimentMatches = Assert<Same<Schema<'runExperiment'>['name'], ExperimentRequest['name']>>;
export type _JobFieldsMatch = Assert<Same<keyof Schema<'runJob'>['job'], keyof JobSpec>>;
