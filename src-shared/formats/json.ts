/**
 * Embeddings as JSON, in three shapes:
 *   {"tokens": ["a", …], "vectors": [[…], …]}    (tokens optional)
 *   [[…], […], …]                                 (a bare array of rows)
 *   {"q": …, "k": …, "v": …}                      (each part one of the two above; a top-level
 *                                                  "tokens" is shared by parts without their own)
 * Read as a stream of events (json-parser.ts): numbers go straight into a Float32Array, so
 * the file is never held as one string or as a tree of boxed numbers. Keys the lab does not
 * know are skipped.
 */
import { parseJsonSource, JsonLexer, type JsonHandler, type JsonScalar } from './json-parser';
import { defineFormat, firstContentByte, type FormatReadOptions } from './module';
import { float32Problem, showText } from './numbers';
import { FloatBuilder } from './output';
import { tokenProblem } from './tokens';
import { FormatError, type ByteSource, type LoadedEmbeddings } from './types';

const PART_NAMES = ['q', 'k', 'v'];

/** a frame's role: what the container being read is (IGNORE: skipped) */
const [TOP, PART, MATRIX, ROW, TOKENS, IGNORE] = [0, 1, 2, 3, 4, 5];

interface Frame {
  role: number;
  /** '' for the top level, else "q", "k" or "v" */
  part: string;
  /** the key whose value comes next (objects only) */
  key: string | null;
  place: string;
}

interface Matrix {
  builder: FloatBuilder;
  rows: number;
  d: number;
  /** numbers in the row being read, and where it started */
  count: number;
  rowPlace: string;
}

interface Part {
  matrix?: Matrix;
  tokens?: string[];
  tokensPlace?: string;
}

export const jsonFormat = defineFormat({
  id: 'json',
  title: 'JSON',
  extensions: ['json'],
  sniff(head) {
    const i = firstContentByte(head);
    return head[i] === 0x5b || head[i] === 0x7b;
  },
  read: readJson,
});

async function readJson(source: ByteSource, options: FormatReadOptions = {}): Promise<LoadedEmbeddings> {
  const file = source.name;
  if (source.size === 0) throw new FormatError(file, '', 'the file is empty; expected JSON embeddings');
  const wanted = options.part;
  if (wanted !== undefined && !PART_NAMES.includes(wanted)) {
    throw new FormatError(file, '', `unknown part ${showText(wanted)}; the parts of a JSON file are "q", "k" and "v"`);
  }
  const lexer = new JsonLexer(file);
  const fail = (problem: string, place = lexer.place()): never => {
    throw new FormatError(file, place, problem);
  };
  const parts = new Map<string, Part>();
  const present = new Set<string>();
  const topKeys: string[] = [];
  const stack: Frame[] = [];
  const collect = (part: string) => wanted === undefined || part === wanted;
  const partOf = (name: string): Part => {
    let p = parts.get(name);
    if (!p) parts.set(name, (p = {}));
    return p;
  };
  const label = (part: string, key: string) => (part ? `"${part}"."${key}"` : `"${key}"`);

  const startMatrix = (part: string, key: string): number => {
    const p = partOf(part);
    if (p.matrix) fail(`${label(part, key)} appears twice`);
    p.matrix = { builder: new FloatBuilder(file, options.maxBytes, 65536), rows: 0, d: -1, count: 0, rowPlace: '' };
    return MATRIX;
  };
  const startTokens = (part: string, key: string): number => {
    const p = partOf(part);
    if (p.tokens) fail(`${label(part, key)} appears twice`);
    p.tokens = [];
    p.tokensPlace = lexer.place();
    return TOKENS;
  };
  const push = (role: number, part: string) => stack.push({ role, part, key: null, place: lexer.place() });
  const wrongShape = (part: string, key: string, found: string): never =>
    fail(
      key === 'tokens'
        ? `expected ${label(part, key)} to be an array of strings, found ${found}`
        : `expected ${label(part, key)} to be an array of rows (arrays of numbers)${key === 'vectors' ? '' : ' or an object with "vectors"'}, found ${found}`,
    );
  /** An array or object opened inside a row or the tokens (an error), or anywhere else (ignored). */
  const nested = (top: Frame, found: string, rowNote = ''): number => {
    if (top.role === ROW) return fail(`expected a number, found ${found}${rowNote}`);
    if (top.role === TOKENS) return fail(`expected a token (a string), found ${found}`);
    return push(IGNORE, top.part);
  };

  const handler: JsonHandler = {
    startArray() {
      const top = stack[stack.length - 1];
      if (!top) return push(startMatrix('', 'vectors'), '');
      const key = top.key ?? '';
      switch (top.role) {
        case TOP:
          if (key === 'vectors') return push(collect('') ? startMatrix('', key) : IGNORE, '');
          if (key === 'tokens') return push(startTokens('', key), '');
          if (PART_NAMES.includes(key)) {
            present.add(key);
            return push(collect(key) ? startMatrix(key, key) : IGNORE, key);
          }
          return push(IGNORE, '');
        case PART:
          if (key === 'vectors') return push(startMatrix(top.part, key), top.part);
          if (key === 'tokens') return push(startTokens(top.part, key), top.part);
          return push(IGNORE, top.part);
        case MATRIX: {
          const m = parts.get(top.part)!.matrix!;
          m.count = 0;
          m.rowPlace = lexer.place();
          return push(ROW, top.part);
        }
        default:
          return nested(top, 'an array', ': each row must be a flat array of numbers');
      }
    },
    startObject() {
      const top = stack[stack.length - 1];
      if (!top) return push(TOP, '');
      const key = top.key ?? '';
      switch (top.role) {
        case TOP:
          if (PART_NAMES.includes(key)) {
            present.add(key);
            return push(collect(key) ? PART : IGNORE, key);
          }
          if (key === 'vectors' || key === 'tokens') return wrongShape('', key, 'an object');
          return push(IGNORE, '');
        case PART:
          if (key === 'vectors' || key === 'tokens') return wrongShape(top.part, key, 'an object');
          return push(IGNORE, top.part);
        case MATRIX:
          return fail('expected a row (an array of numbers), found an object');
        default:
          return nested(top, 'an object');
      }
    },
    key(name) {
      const top = stack[stack.length - 1];
      top.key = name;
      if (top.role === TOP) topKeys.push(name);
    },
    scalar(value) {
      const top = stack[stack.length - 1];
      if (!top) return fail(`expected an array of rows or an object with "vectors", found ${describe(value)}`);
      switch (top.role) {
        case ROW: {
          if (typeof value !== 'number') {
            return fail(`expected a number, found ${describe(value)}${value === null ? ' (the lab refuses missing or non-finite values)' : ''}`);
          }
          const f = Math.fround(value);
          if (f - f !== 0) {
            fail(Number.isFinite(value) ? float32Problem(value, String(value))! : 'the number is outside the float32 range (±3.4e38); the lab refuses non-finite embeddings');
          }
          const m = parts.get(top.part)!.matrix!;
          m.builder.push(value);
          m.count++;
          return;
        }
        case MATRIX:
          return fail(`expected a row (an array of numbers), found ${describe(value)}${typeof value === 'number' ? '; a single vector must be written [[…]]' : ''}`);
        case TOKENS:
          if (typeof value !== 'string') return fail(`expected a token (a string), found ${describe(value)}`);
          if (tokenProblem(value)) return fail(tokenProblem(value)!);
          parts.get(top.part)!.tokens!.push(value);
          return;
        case TOP:
        case PART: {
          const key = top.key ?? '';
          if (key === 'vectors' || key === 'tokens' || (top.role === TOP && PART_NAMES.includes(key))) {
            return wrongShape(top.role === TOP ? '' : top.part, key, describe(value));
          }
          return;
        }
      }
    },
    endArray() {
      const frame = stack.pop()!;
      if (frame.role === ROW) {
        const m = parts.get(frame.part)!.matrix!;
        if (m.count === 0) fail(`row ${m.rows + 1} is empty; expected at least one number`, m.rowPlace);
        if (m.d < 0) m.d = m.count;
        else if (m.count !== m.d) {
          fail(`row ${m.rows + 1} has ${m.count} numbers; expected ${m.d} like row 1`, m.rowPlace);
        }
        m.rows++;
      } else if (frame.role === MATRIX) {
        if (parts.get(frame.part)!.matrix!.rows === 0) fail('the array of rows is empty; expected at least one row', frame.place);
      }
    },
    endObject() {
      const frame = stack.pop()!;
      if (frame.role === PART && !parts.get(frame.part)?.matrix) {
        fail(`part "${frame.part}" has no "vectors"`, frame.place);
      }
    },
  };

  await parseJsonSource(source, lexer, handler, options);
  return finish(
    file,
    parts,
    [...PART_NAMES].filter((p) => present.has(p)),
    topKeys,
    wanted,
  );
}

function finish(file: string, parts: Map<string, Part>, present: string[], topKeys: string[], wanted: string | undefined): LoadedEmbeddings {
  let chosen: string | undefined;
  if (wanted !== undefined) {
    if (!present.includes(wanted)) {
      const holds = present.length ? `it holds ${present.map((p) => `"${p}"`).join(', ')}` : 'it holds a single matrix';
      throw new FormatError(file, '', `no part "${wanted}" in this file; ${holds}`);
    }
    chosen = wanted;
  } else {
    chosen = parts.get('')?.matrix ? '' : present[0];
  }
  const part = chosen === undefined ? undefined : parts.get(chosen);
  if (!part?.matrix) {
    const found = topKeys.length
      ? `found the keys ${topKeys
          .slice(0, 10)
          .map((k) => showText(k))
          .join(', ')}`
      : 'found an empty object';
    throw new FormatError(file, '', `expected "vectors" or the parts "q", "k", "v" in the top-level object; ${found}`);
  }
  const m = part.matrix;
  const shared = chosen !== '' ? parts.get('') : undefined;
  const tokens = part.tokens ?? shared?.tokens ?? null;
  const tokensPlace = part.tokens ? part.tokensPlace : shared?.tokensPlace;
  if (tokens && tokens.length !== m.rows) {
    throw new FormatError(file, tokensPlace ?? '', `"tokens" has ${tokens.length} entries but there are ${m.rows} rows of vectors`);
  }
  return {
    format: 'json',
    dtype: 'text',
    shape: [m.rows, m.d],
    embeddings: { tokens, data: m.builder.finish(), T: m.rows, d: m.d },
    ...(present.length ? { parts: present } : {}),
    ...(chosen ? { part: chosen } : {}),
  };
}

function describe(value: JsonScalar): string {
  if (typeof value === 'string') return `the string ${showText(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return String(value);
}
