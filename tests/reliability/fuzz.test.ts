/**
 * Property-based fuzzing of every door hostile data comes through (issue #6):
 *   - every embedding format, with structure-aware generators (npy headers, safetensors
 *     headers, CSV/GloVe text, JSON, word2vec binary) on top of tests/formats/fuzz.test.ts's
 *     random bytes: a result or a FormatError, never anything else, never a hang, reads
 *     bounded by the file size, output bounded by the file size and by maxBytes;
 *   - the low-level parsers (npy header literal, JSON values, numbers) and session files;
 *   - the JobSpec validator and resolver: a spec or a JobSpecError naming a field in one
 *     readable line, never a TypeError; what it accepts it accepts again unchanged;
 *   - every IPC request schema (every operation in the table, including ones added later):
 *     a request or a RequestError naming the operation; accepted requests are within the
 *     operation's size limit; the dispatcher never throws and never reaches the service with
 *     a refused request; nothing pollutes Object.prototype.
 * CI runs a few thousand cases in total with the fixed seed (tests/setup/fast-check.ts);
 * `npm run fuzz` runs many more (FC_RUNS, default 10 000 per property; FC_SEED for another seed).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORMATS, bytesSource, lookupSentence, readEmbeddings } from '../../src-shared/formats';
import { FormatError, type ByteSource, type Embeddings } from '../../src-shared/formats/types';
import { JsonLexer, parseJsonValue } from '../../src-shared/formats/json-parser';
import { parsePyLiteral } from '../../src-shared/formats/npy-header';
import { parseNumberBytes } from '../../src-shared/formats/numbers';
import { JobSpecError, parseJobSpec, type JobSpec } from '../../src-shared/job/spec';
import { resolveJob } from '../../src-shared/job/resolve';
import { MASKS, NORMALIZER_IDS, SCORE_FUNCTIONS, type CatalogueEntry, type ParamSpec } from '../../src-shared/metrics/catalogue';
import { OPERATIONS, RequestError, parseRequest, payloadBytes, type OperationName } from '../../src-shared/api/requests';
import { dispatch } from '../../src-main/service/dispatch';
import { SessionFileError, parseSessionText, sessionText } from '../../src-main/service/sessions/session-file';
import type { SessionDoc } from '../../src-shared/api/lab-api';
import { LoopProbe, rssMb } from '../../bench/reliability/probes';
import { enc, encodeValues, npyBytes, safetensorsBytes, word2vecBinBytes } from '../formats/helpers';
import { GOOD_REQUESTS, JOB } from './good-requests';
import { RECORDING, recordFigures, runs } from './helpers';

const counts: Record<string, number> = {};
const count = (what: string) => (counts[what] = (counts[what] ?? 0) + 1);
let probe: LoopProbe;
let startRss = 0;
let startedAt = 0;

beforeAll(() => {
  startRss = rssMb();
  startedAt = performance.now();
  probe = new LoopProbe(20).start();
});

afterAll(() => {
  const loop = probe.stop();
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  recordFigures('fuzz', {
    seed: Number(process.env.FC_SEED ?? 20261122),
    runsPerProperty: process.env.FC_RUNS ? Number(process.env.FC_RUNS) : 'CI defaults',
    cases: total,
    byTarget: counts,
    seconds: Math.round((performance.now() - startedAt) / 100) / 10,
    peakRssGrowthMb: Math.round(loop.peakRssMb - startRss),
    uncaught: 0,
  });
});

// ── the shape of an acceptable outcome ────────────────────────────────────────────────

/** A ByteSource that counts what the reader asked for. */
function counting(name: string, bytes: Uint8Array): ByteSource & { readBytes: number } {
  const inner = bytesSource(name, bytes);
  const source = {
    name,
    size: bytes.length,
    readBytes: 0,
    async read(offset: number, length: number) {
      const got = await inner.read(offset, length);
      source.readBytes += got.length;
      return got;
    },
  };
  return source;
}

const DEADLINE_MS = 2000;

/**
 * Reads `bytes` named `name`: succeeds with output bounded by the input, or fails with a
 * FormatError — within the deadline, reading each byte a bounded number of times.
 */
async function readOutcome(name: string, bytes: Uint8Array, options: { chunkSize?: number; maxBytes?: number; part?: string } = {}): Promise<'ok' | 'error'> {
  count('formats');
  const source = counting(name, bytes);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`reading ${name} hung`)), DEADLINE_MS)));
  try {
    const loaded = await Promise.race([readEmbeddings(source, options), deadline]);
    const e = loaded.embeddings;
    expect(e.T * e.d).toBe(e.data.length);
    // a stored value takes at least 1 byte (int8/uint8: 4 bytes of float32 each)
    expect(e.data.byteLength).toBeLessThanOrEqual(4 * bytes.length);
    if (options.maxBytes !== undefined) expect(e.data.byteLength).toBeLessThanOrEqual(options.maxBytes);
    return 'ok';
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    expect(error.message.startsWith(`${name}: `)).toBe(true);
    return 'error';
  } finally {
    clearTimeout(timer);
    // head sniffing + one pass (+ a re-read of a header); never a loop over the file
    expect(source.readBytes).toBeLessThanOrEqual(3 * bytes.length + 16384);
  }
}

const chunk = fc.integer({ min: 1, max: 96 });
const smallMax = fc.option(fc.constantFrom(64, 256, 4096), { nil: undefined });

// ── formats, structure-aware ──────────────────────────────────────────────────────────

describe('formats under structure-aware fuzzing', () => {
  it('.npy: random header dicts (dtypes, shapes, orders, versions, lying lengths) over random data', async () => {
    const descr = fc.oneof(
      fc.constantFrom('<f4', '<f2', '>f8', '<f8', '|u1', '|i1', '<i2', '>u4', '<i8', '<u8', '<U3', '|b1', '<c8', '|O', '|V8', '<f16', '<f3', "'"),
      fc.string({ maxLength: 6 }),
    );
    const dim = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom(-1, 2 ** 31, 2 ** 53, 1e300));
    const header = fc.record({
      descr,
      fortran: fc.constantFrom('True', 'False', 'None', '1', "'yes'"),
      shape: fc.array(dim, { maxLength: 4 }),
      extra: fc.constantFrom('', " 'x': [1, (2, {3: None})],", ' 3L: 4,'),
    });
    await fc.assert(
      fc.asyncProperty(
        header,
        fc.uint8Array({ maxLength: 256 }),
        fc.constantFrom(1, 2, 3),
        fc.option(fc.integer({ min: 0, max: 70000 })),
        chunk,
        smallMax,
        async (h, data, version, lie, chunkSize, maxBytes) => {
          const shape = `(${h.shape.join(', ')}${h.shape.length === 1 ? ',' : ''})`;
          const text = `{'descr': '${h.descr}', 'fortran_order': ${h.fortran}, 'shape': ${shape},${h.extra} }`;
          const bytes = npyBytes({ descr: '', shape: [], data, version: version as 1 | 2 | 3, header: text });
          if (lie !== null) new DataView(bytes.buffer).setUint16(8, lie & 0xffff, true);
          await readOutcome('f.npy', bytes, { chunkSize, maxBytes });
        },
      ),
      { numRuns: runs(400) },
    );
  });

  it('.npy: well-formed files of every dtype and order read to the declared shape', async () => {
    const kinds = ['f2', 'f4', 'f8', 'i1', 'u1', 'i2', 'u2', 'i4', 'u4'] as const;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...kinds), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), chunk, async (kind, T, d, fortran, chunkSize) => {
        const values = Array.from({ length: T * d }, (_, i) => (i % 7) - (kind.startsWith('u') ? 0 : 3));
        const bytes = npyBytes({ descr: `${kind.endsWith('1') ? '|' : '<'}${kind}`, shape: [T, d], data: encodeValues(kind, values), fortran });
        expect(await readOutcome('ok.npy', bytes, { chunkSize })).toBe('ok');
      }),
      { numRuns: runs(150) },
    );
  });

  it('.safetensors: random headers (dtypes, shapes, offsets, metadata) over random data', async () => {
    const tensor = fc.record({
      name: fc.oneof(fc.constantFrom('w', 'wte', '__metadata__', '', '__proto__', 'constructor'), fc.string({ maxLength: 5 })),
      dtype: fc.oneof(fc.constantFrom('F32', 'F16', 'BF16', 'F64', 'I64', 'U8', 'BOOL', 'F8_E4M3', 'F4', 'f32', ''), fc.string({ maxLength: 4 })),
      shape: fc.array(fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom(-1, 2 ** 40, 1.5)), { maxLength: 4 }),
      offsets: fc.tuple(fc.integer({ min: -1, max: 200 }), fc.integer({ min: 0, max: 300 })),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(tensor, { maxLength: 4 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.option(fc.constantFrom('w', 'wte', 'nope')),
        chunk,
        smallMax,
        async (tensors, data, part, chunkSize, maxBytes) => {
          const header: Record<string, unknown> = {};
          for (const t of tensors) header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: t.offsets };
          const bytes = safetensorsBytes([{ name: 'x', dtype: 'U8', shape: [data.length], data }], { header: JSON.stringify(header) });
          await readOutcome('f.safetensors', bytes, { chunkSize, maxBytes, part: part ?? undefined });
        },
      ),
      { numRuns: runs(400) },
    );
  });

  it('CSV and GloVe text: random cells, quotes, BOMs, CRLF, ragged rows, non-finite words', async () => {
    const cell = fc.oneof(
      fc.double({ noNaN: false }).map(String),
      fc.integer().map(String),
      fc.constantFrom('', ' ', '"', '""', '"a,b"', '"1"', '"unclosed', 'nan', 'NaN', 'inf', '-Infinity', '1e39', '1e-50', '0x10', '1_000', '١٢', '\u0000', 'tok'),
      fc.string({ maxLength: 4 }),
    );
    const line = fc.tuple(fc.array(cell, { maxLength: 6 }), fc.constantFrom(',', '\t', ' '));
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 10 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.boolean(),
        fc.constantFrom('x.csv', 'x.tsv', 'x.txt', 'x.vec', 'x'),
        chunk,
        smallMax,
        async (lines, eol, bom, name, chunkSize, maxBytes) => {
          const text = (bom ? '\ufeff' : '') + lines.map(([cells, sep]) => cells.join(sep)).join(eol);
          await readOutcome(name, enc(text), { chunkSize, maxBytes });
        },
      ),
      { numRuns: runs(500) },
    );
  });

  it('JSON: arbitrary JSON documents and embedding-shaped ones with hostile leaves', async () => {
    const leaf = fc.oneof(
      fc.double().map((x) => (Number.isFinite(x) ? x : 1e308)),
      fc.string({ maxLength: 3 }),
      fc.constant(null),
      fc.boolean(),
    );
    const rows = fc.array(fc.array(leaf, { maxLength: 4 }), { maxLength: 5 });
    const shaped = fc.oneof(
      rows.map((v) => JSON.stringify(v)),
      fc.record({ tokens: fc.option(fc.array(fc.string({ maxLength: 3 }), { maxLength: 5 })), vectors: rows }).map((x) => JSON.stringify(x)),
      fc.record({ q: rows, k: fc.record({ vectors: rows }), v: fc.jsonValue({ maxDepth: 2 }) }).map((x) => JSON.stringify(x)),
      fc.json({ maxDepth: 4 }),
      fc.integer({ min: 1, max: 2000 }).map((n) => '['.repeat(n) + ']'.repeat(n % 3 === 0 ? n : 0)),
    );
    await fc.assert(
      fc.asyncProperty(shaped, fc.option(fc.constantFrom('q', 'k', 'v', 'x')), chunk, smallMax, async (text, part, chunkSize, maxBytes) => {
        await readOutcome('x.json', enc(text), { chunkSize, maxBytes, part: part ?? undefined });
      }),
      { numRuns: runs(500) },
    );
  });

  it('word2vec binary: random headers over records of random lengths', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 5 })), fc.constantFrom([2 ** 40, 3], [1, 2 ** 40], [999999999999999, 1])),
        fc.array(fc.tuple(fc.string({ minLength: 0, maxLength: 4 }), fc.array(fc.float({ noNaN: false }), { maxLength: 5 })), { maxLength: 6 }),
        fc.boolean(),
        chunk,
        smallMax,
        async ([count, dim], records, newline, chunkSize, maxBytes) => {
          const bytes = word2vecBinBytes(
            records.map(([t]) => t),
            records.map(([, v]) => v),
            { header: `${count} ${dim}\n`, newline },
          );
          await readOutcome('x.bin', bytes, { chunkSize, maxBytes });
        },
      ),
      { numRuns: runs(400) },
    );
  });

  it('every format reads random bytes under its own extension and under none, with a tiny maxBytes', async () => {
    const names = FORMATS.flatMap((f) => f.extensions.map((e) => `x.${e}`)).concat(['x', 'x.dat', 'x.npz']);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), fc.constantFrom(...names), chunk, async (bytes, name, chunkSize) => {
        await readOutcome(name, bytes, { chunkSize, maxBytes: 64 });
      }),
      { numRuns: runs(400) },
    );
  });
});

// ── low-level parsers and session files ───────────────────────────────────────────────

describe('low-level parsers under fuzzing', () => {
  it('the .npy header literal parser: a value or a FormatError, never evaluation, never a stack overflow', () => {
    const token = fc.constantFrom('{', '}', '(', ')', '[', ']', "'", '"', ':', ',', ' ', 'True', 'False', 'None', '3L', '-1', 'descr', '\\', '__import__', 'x');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(token, { maxLength: 40 }).map((t) => t.join('')),
          fc.string({ maxLength: 60 }),
          fc.integer({ min: 1, max: 5000 }).map((n) => '('.repeat(n)),
        ),
        (text) => {
          count('npy-header');
          try {
            parsePyLiteral(text, 'h.npy', 10);
          } catch (e) {
            expect(e).toBeInstanceOf(FormatError);
          }
        },
      ),
      { numRuns: runs(600) },
    );
  });

  it('the JSON value parser (safetensors headers): a value or a FormatError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json({ maxDepth: 5 }).map(enc),
          fc.uint8Array({ maxLength: 200 }),
          fc.integer({ min: 1, max: 5000 }).map((n) => enc('{"a":'.repeat(n))),
        ),
        (bytes) => {
          count('json-value');
          try {
            parseJsonValue(bytes, new JsonLexer('h.safetensors', 8));
          } catch (e) {
            expect(e).toBeInstanceOf(FormatError);
          }
        },
      ),
      { numRuns: runs(600) },
    );
  });

  it('numbers from bytes: NaN, or exactly what Number() reads, for any ASCII text', () => {
    const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
    const text = fc.oneof(
      fc.double().map(String),
      fc.tuple(fc.integer(), fc.nat(), fc.integer({ min: -400, max: 400 })).map(([a, b, e]) => `${a}.${b}e${e}`),
      fc.string({ unit: fc.constantFrom('0', '1', '9', '.', 'e', 'E', '-', '+', ' ', 'x'), maxLength: 25 }),
    );
    fc.assert(
      fc.property(text, (t) => {
        count('numbers');
        const bytes = enc(t);
        const got = parseNumberBytes(bytes, 0, bytes.length);
        if (decimal.test(t)) expect(got).toBe(Number(t));
        else expect(got).toBeNaN();
      }),
      { numRuns: runs(1000) },
    );
  });

  it('session files (.qklab from anywhere): a SessionDoc or a SessionFileError', () => {
    const good: SessionDoc = { format: 'qklab-session', version: 1, job: JOB as JobSpec, view: { a: 1 }, files: [{ path: '/x/y.npy', sha256: 'ab' }], savedAt: 'now' };
    const goodText = sessionText(good);
    const mutated = fc
      .tuple(fc.nat({ max: goodText.length }), fc.nat({ max: 20 }), fc.string({ maxLength: 8 }))
      .map(([at, del, ins]) => goodText.slice(0, at) + ins + goodText.slice(at + del));
    const replaced = fc
      .tuple(fc.constantFrom('format', 'version', 'job', 'view', 'files', 'embedded', 'savedAt'), fc.jsonValue({ maxDepth: 3 }))
      .map(([k, x]) => JSON.stringify({ ...good, [k]: x }));
    fc.assert(
      fc.property(fc.oneof(mutated, replaced, fc.json({ maxDepth: 3 })), (text) => {
        count('session-files');
        try {
          const doc = parseSessionText('s.qklab', text);
          expect(doc.format).toBe('qklab-session');
        } catch (e) {
          expect(e).toBeInstanceOf(SessionFileError);
          expect((e as Error).message.startsWith('s.qklab: ')).toBe(true);
        }
      }),
      { numRuns: runs(600) },
    );
  });

  it('sentence look-up takes any text', () => {
    const emb: Embeddings = { tokens: ['the', 'cat', '.', 'café', '日本', "don't", ''], data: new Float32Array(7), T: 7, d: 1 };
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 30 })), (sentence) => {
        count('sentence');
        const r = lookupSentence(emb, sentence);
        for (const i of r.indices) expect(i >= 0 && i < emb.T).toBe(true);
      }),
      { numRuns: runs(400) },
    );
  });
});

// ── the JobSpec ───────────────────────────────────────────────────────────────────────

/** Anything a renderer or a file could put where a value belongs (IPC carries NaN and ±Infinity too). */
const hostile = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(NaN, Infinity, -Infinity, -1, 0, 0.5, 2 ** 53, -(2 ** 31), 1e308, '', '__proto__', [], {}, null, true, [[]], [['1']]),
);

function paramValue(p: ParamSpec): fc.Arbitrary<unknown> {
  const lo = p.min ?? -10;
  const hi = Math.min(p.max ?? 64, 64);
  let good: fc.Arbitrary<unknown>;
  switch (p.kind) {
    case 'number':
      good = fc.double({ min: Math.max(lo, -1e3), max: Math.max(Math.max(lo, -1e3), Math.min(hi, 1e3)), noNaN: true });
      break;
    case 'integer':
      good = fc.integer({ min: Math.max(lo, -8), max: Math.max(Math.max(lo, -8), hi) });
      break;
    case 'boolean':
      good = fc.boolean();
      break;
    case 'choice':
      good = p.allowNumber ? fc.oneof(fc.constantFrom(...(p.choices ?? ['x'])), fc.double({ min: -4, max: 4, noNaN: true })) : fc.constantFrom(...(p.choices ?? ['x']));
      break;
    case 'integerList':
      good = fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 8 });
      break;
    case 'numberList':
      good = fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { maxLength: 6 });
      break;
    case 'edgeList':
      good = fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 })), { maxLength: 8 });
      break;
    case 'matrix':
      good = fc.array(fc.array(fc.oneof(fc.constantFrom(0, 1), fc.double({ min: -2, max: 2, noNaN: true })), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 });
      break;
    case 'path':
      good = fc.constantFrom('x.npy', 'y.npy');
      break;
    case 'choiceList':
      good = fc.subarray(p.choices ?? ['x']);
      break;
    case 'numberOrList':
      good = fc.oneof(fc.double({ min: 0.01, max: 1, noNaN: true }), fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 }));
      break;
    case 'matrixSource':
      good = fc.oneof(
        fc.record({ inline: fc.array(fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 2 }) }),
        fc.record({ path: fc.constantFrom('g.npy') }),
      );
      break;
  }
  return fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: hostile });
}

function entryArb(entries: readonly CatalogueEntry[]): fc.Arbitrary<Record<string, unknown>> {
  return fc.constantFrom(...entries).chain((e) => {
    const params: Record<string, fc.Arbitrary<unknown>> = {};
    for (const p of e.params) params[p.name] = paramValue(p);
    return fc.record(params, { requiredKeys: [] }).map((values) => ({ id: e.id, ...values }));
  });
}

const vectors = fc
  .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }))
  .chain(([T, d]) => fc.array(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: d, maxLength: d }), { minLength: T, maxLength: T }));
const source = fc.oneof(
  { weight: 4, arbitrary: fc.record({ inline: fc.record({ vectors, tokens: fc.array(fc.string({ maxLength: 3 }), { maxLength: 6 }) }, { requiredKeys: ['vectors'] }) }) },
  {
    weight: 1,
    arbitrary: fc.record(
      { path: fc.constantFrom('x.npy', 'y.npy'), rows: fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 4 }), sentence: fc.constantFrom('a b', 'zz') },
      { requiredKeys: ['path'] },
    ),
  },
);

const jobSpec = fc.record(
  {
    embeddings: source,
    queries: source,
    keys: source,
    values: source,
    projection: fc.oneof(
      fc.constant({ id: 'identity' }),
      fc.record({ id: fc.constant('random'), seed: fc.nat({ max: 100 }), width: fc.integer({ min: 1, max: 8 }) }, { requiredKeys: ['id'] }),
      fc.record({ id: fc.constant('file'), q: fc.constant('x.npy'), k: fc.constant('y.npy') }, { requiredKeys: ['id'] }),
    ),
    heads: fc.integer({ min: 1, max: 4 }),
    metric: entryArb(SCORE_FUNCTIONS),
    mask: fc.array(entryArb(MASKS), { maxLength: 3 }),
    normalizer: fc.constantFrom(...NORMALIZER_IDS),
    transpose: fc.boolean(),
    outputs: fc.array(fc.constantFrom('scores', 'weights', 'output', 'entropy', 'argmax', 'topk', 'overview'), { maxLength: 4 }),
    topk: fc.integer({ min: 1, max: 8 }),
    overview: fc.record({ rows: fc.integer({ min: 1, max: 8 }), cols: fc.integer({ min: 1, max: 8 }), pool: fc.constantFrom('mean', 'max') }, { requiredKeys: [] }),
  },
  { requiredKeys: ['embeddings'] },
);

/** Replace, delete or add one thing somewhere inside a value. */
function mutate(value: unknown, path: number[], replacement: unknown, how: number): unknown {
  if (value === null || typeof value !== 'object') return replacement;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0 || path.length === 0) {
    if (how === 0) (copy as Record<string, unknown>)['__proto__'] = replacement;
    else if (how === 1) (copy as Record<string, unknown>)[`extra${path.length}`] = replacement;
    else return replacement;
    return copy;
  }
  const key = keys[path[0] % keys.length];
  if (path.length === 1 && how === 2) {
    delete (copy as Record<string, unknown>)[key];
    return copy;
  }
  (copy as Record<string, unknown>)[key] = mutate((copy as Record<string, unknown>)[key], path.slice(1), replacement, how);
  return copy;
}
const mutation = fc.record({ path: fc.array(fc.nat({ max: 20 }), { maxLength: 6 }), replacement: hostile, how: fc.integer({ min: 0, max: 3 }) });

/** a dotted path of plain names or JSON-quoted keys */
const FIELD = /^([\w$-]+|"([^"\\\x00-\x1f]|\\.)*")(\.([\w$-]+|"([^"\\\x00-\x1f]|\\.)*"))*$/;

function checkJobSpecError(e: unknown, input: unknown): void {
  expect(e, `a non-JobSpecError for ${JSON.stringify(input)?.slice(0, 200)}: ${(e as Error)?.stack}`).toBeInstanceOf(JobSpecError);
  const err = e as JobSpecError;
  // one line, no control characters (a hostile key must not reach a terminal raw)
  expect(err.message).not.toMatch(/[\x00-\x1f\x7f]/);
  // valibot's own phrasing must not reach the user
  expect(err.message, err.message).not.toMatch(/Invalid (key|type|length|value)/);
  if (err.field) expect(err.field, err.message).toMatch(FIELD);
}

const table = new Map([
  ['x.npy', { format: 'npy', dtype: '<f4', shape: [4, 2], embeddings: { tokens: ['a', 'b', 'c', 'd'], data: Float32Array.from([1, 0, 0, 1, 1, 1, -1, 0.5]), T: 4, d: 2 } }],
  ['y.npy', { format: 'npy', dtype: '<f4', shape: [2, 2], embeddings: { tokens: null, data: Float32Array.from([1, 2, 3, 4]), T: 2, d: 2 } }],
]);

describe('the JobSpec under fuzzing', () => {
  it('arbitrary JSON: a JobSpec or a JobSpecError in one line naming a field', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.anything({ maxDepth: 3 })), (input) => {
        count('jobspec');
        try {
          const spec = parseJobSpec(input);
          expect(parseJobSpec(spec)).toEqual(spec);
        } catch (e) {
          checkJobSpecError(e, input);
        }
      }),
      { numRuns: runs(800) },
    );
  });

  it('catalogue-shaped specs with hostile values anywhere: accepted specs are stable, refusals name the field', () => {
    fc.assert(
      fc.property(jobSpec, mutation, fc.boolean(), (spec, m, mutateIt) => {
        count('jobspec');
        const input = mutateIt ? mutate(spec, m.path, m.replacement, m.how) : spec;
        try {
          const parsed = parseJobSpec(input);
          // saved and read back (a session), it is the same spec (JSON has no -0: compare as text)
          expect(JSON.stringify(parseJobSpec(JSON.parse(JSON.stringify(parsed))))).toBe(JSON.stringify(parsed));
        } catch (e) {
          checkJobSpecError(e, input);
        }
      }),
      { numRuns: runs(1000) },
    );
  });

  it('resolving valid specs (the sizes, projections, masks the validator cannot see) gives a problem or a JobSpecError', () => {
    fc.assert(
      fc.property(jobSpec, (spec) => {
        let parsed: JobSpec;
        try {
          parsed = parseJobSpec(spec);
        } catch {
          return;
        }
        count('resolve');
        const t0 = performance.now();
        try {
          const problem = resolveJob(parsed, table);
          expect(problem.q.rows).toBeGreaterThan(0);
        } catch (e) {
          checkJobSpecError(e, spec);
        }
        expect(performance.now() - t0).toBeLessThan(DEADLINE_MS);
      }),
      { numRuns: runs(600) },
    );
  });
});

// ── every IPC request ─────────────────────────────────────────────────────────────────

const NAMES = Object.keys(OPERATIONS) as OperationName[];

/** What structured clone can carry from a renderer: JSON plus NaN, ±Infinity, typed arrays, Maps, Dates, bigints. */
const ipcValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.anything({ maxDepth: 2, withMap: true, withSet: true, withDate: true, withTypedArray: true, withBigInt: true, withNullPrototype: true, withSparseArray: true }),
  hostile,
);

function checkRequestOutcome(name: OperationName, payload: unknown): 'accepted' | 'refused' {
  count(`request:${name}`);
  try {
    parseRequest(name, payload);
    expect(payloadBytes(payload)).toBeLessThanOrEqual(OPERATIONS[name].maxBytes);
    return 'accepted';
  } catch (e) {
    expect(e, `${name}: ${(e as Error)?.stack}`).toBeInstanceOf(RequestError);
    const err = e as RequestError;
    expect(err.message.startsWith(`${name}: `)).toBe(true);
    expect(err.message).not.toMatch(/[\n\r]/);
    expect(err.message, err.message).not.toMatch(/Invalid key/);
    return 'refused';
  }
}

describe('every IPC request schema under fuzzing', () => {
  it('every operation has well-formed seed requests that pass', () => {
    expect(Object.keys(GOOD_REQUESTS).sort()).toEqual([...NAMES].sort());
    for (const name of NAMES) for (const good of GOOD_REQUESTS[name]) expect(checkRequestOutcome(name, good), name).toBe('accepted');
  });

  it.each(NAMES)('%s: arbitrary payloads give a request or a RequestError', (name) => {
    fc.assert(
      fc.property(ipcValue, (payload) => {
        checkRequestOutcome(name, payload);
      }),
      { numRuns: runs(200) },
    );
  });

  it.each(NAMES)('%s: mutated well-formed requests give a request or a RequestError', (name) => {
    const seeds = GOOD_REQUESTS[name];
    fc.assert(
      fc.property(fc.constantFrom(...seeds), mutation, (seed, m) => {
        checkRequestOutcome(name, mutate(seed, m.path, m.replacement, m.how));
      }),
      { numRuns: runs(250) },
    );
  });

  it('JSON-parsed payloads with __proto__, constructor and prototype keys pollute nothing', () => {
    const key = fc.constantFrom('__proto__', 'constructor', 'prototype', 'polluted', 'toString', 'hasOwnProperty');
    const hostileJson = fc.tuple(fc.constantFrom(...NAMES), fc.array(key, { minLength: 1, maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })).map(([name, keys, leaf]) => {
      const seed = GOOD_REQUESTS[name].find((g) => g && typeof g === 'object') ?? {};
      let text = JSON.stringify(leaf ?? null);
      for (const k of keys) text = `{"${k}": ${text}, "polluted": true}`;
      const inner = JSON.stringify(seed)
        .slice(1, -1)
        .replace(/"view":\{/, () => `"view":{"__proto__": ${text},`);
      const payload = JSON.parse(`{"__proto__": ${text}${inner ? ',' + inner : ''}}`);
      return [name, payload] as const;
    });
    fc.assert(
      fc.property(hostileJson, ([name, payload]) => {
        checkRequestOutcome(name, payload);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
      }),
      { numRuns: runs(300) },
    );
  });

  it('the dispatcher always answers with an envelope and calls the service only with accepted requests', async () => {
    const calls: string[] = [];
    const ops = Object.fromEntries(NAMES.map((n) => [n, async () => void calls.push(n)])) as never;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...NAMES),
        fc.oneof(
          ipcValue,
          fc.constantFrom(...NAMES).chain((n) => fc.constantFrom(...GOOD_REQUESTS[n])),
        ),
        async (name, payload) => {
          count('dispatch');
          const before = calls.length;
          let accepted = true;
          try {
            parseRequest(name, payload);
          } catch {
            accepted = false;
          }
          const reply = await dispatch(ops, name, payload);
          expect(reply.ok).toBe(accepted);
          expect(calls.length - before).toBe(accepted ? 1 : 0);
          if (!reply.ok) expect(reply.error.name).toBe('RequestError');
        },
      ),
      { numRuns: runs(400) },
    );
  });
});

describe('the fuzz run as a whole', () => {
  it('stayed within bounded memory and never blocked for long', () => {
    // typed arrays from random headers are refused before allocation: nothing grows without bound
    expect(rssMb() - startRss).toBeLessThan(400);
    if (!RECORDING) expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(5000);
  });
});
