/**
 * A streaming JSON reader: a lexer over byte chunks and an iterative push parser that calls a
 * handler for each event (start/end of object or array, key, scalar). It exists because
 * JSON.parse needs the whole file as one string (a 1 GB vocabulary would not fit), builds
 * every number as a boxed value, and in Node 20 does not say where a syntax error is. Here
 * every error names its line and column (or byte, for the safetensors header); nesting is
 * bounded and no recursion is used, so garbage cannot overflow the stack.
 */
import { DEFAULT_CHUNK_SIZE, concatBytes, progressReporter, readExactly, throwIfAborted, type ChunkedReadOptions } from './bytes';
import { nonFiniteProblem, parseNumberBytes, showText } from './numbers';
import { FormatError, type ByteSource } from './types';

export type JsonScalar = string | number | boolean | null;

export interface JsonHandler {
  startObject(): void;
  endObject(): void;
  startArray(): void;
  endArray(): void;
  key(name: string): void;
  scalar(value: JsonScalar): void;
}

// token codes
export const NEED_MORE = 0;
export const END = 1;
const [LBRACE, RBRACE, LBRACKET, RBRACKET, COLON, COMMA] = [2, 3, 4, 5, 6, 7];
const STRING = 8,
  NUMBER = 9,
  TRUE = 10,
  FALSE = 11,
  NULL = 12;

/** the one-byte tokens by byte ({ } [ ] : ,), 0 for every other byte */
const PUNCTUATION = new Uint8Array(256);
for (const [byte, token] of [
  [0x7b, LBRACE],
  [0x7d, RBRACE],
  [0x5b, LBRACKET],
  [0x5d, RBRACKET],
  [0x3a, COLON],
  [0x2c, COMMA],
]) {
  PUNCTUATION[byte] = token;
}

/** a single string longer than this is not part of an embedding file */
const MAX_TOKEN_BYTES = 16 * 1024 * 1024;
const MAX_DEPTH = 256;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class JsonLexer {
  private buf: Uint8Array = new Uint8Array(0);
  private pos = 0;
  /** file offset of buf[0] */
  private base = 0;
  private eof = false;
  private bomChecked = false;
  private line = 1;
  private lineStart = 0;
  /** UTF-8 continuation bytes on this line before pos, so that columns count characters */
  private lineWide = 0;
  private tokLine = 1;
  private tokColumn = 1;
  private tokOffset = 0;
  /** the value of the last STRING or NUMBER token */
  text = '';
  number = 0;

  /** `byteBase` set: places read "byte N" with N = byteBase + offset, not "line, column" */
  constructor(
    readonly file: string,
    private readonly byteBase: number | null = null,
  ) {}

  feed(chunk: Uint8Array, eof: boolean): void {
    this.buf = concatBytes(this.buf.subarray(this.pos), chunk);
    this.base += this.pos;
    this.pos = 0;
    this.eof = eof;
  }

  /** where the last token started */
  place(): string {
    return this.byteBase !== null ? `byte ${this.byteBase + this.tokOffset}` : `line ${this.tokLine}, column ${this.tokColumn}`;
  }

  fail(problem: string): never {
    throw new FormatError(this.file, this.place(), problem);
  }

  next(): number {
    const buf = this.buf;
    let pos = this.pos;
    if (!this.bomChecked) {
      if (buf.length < 3 && !this.eof) return NEED_MORE; // the BOM may be split across chunks
      this.bomChecked = true;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        pos = this.pos = 3;
        this.lineStart = this.base + 3;
      }
    }
    for (; pos < buf.length; pos++) {
      const c = buf[pos];
      if (c === 0x0a) {
        this.line++;
        this.lineStart = this.base + pos + 1;
        this.lineWide = 0;
      } else if (c !== 0x20 && c !== 0x09 && c !== 0x0d) break;
    }
    this.pos = pos;
    this.tokOffset = this.base + pos;
    this.tokLine = this.line;
    this.tokColumn = this.tokOffset - this.lineStart - this.lineWide + 1;
    if (pos >= buf.length) return this.eof ? END : NEED_MORE;
    const c = buf[pos];
    const punct = PUNCTUATION[c];
    if (punct) {
      this.pos++;
      return punct;
    }
    switch (c) {
      case 0x22:
        return this.string();
      case 0x74:
        return this.literal('true', TRUE);
      case 0x66:
        return this.literal('false', FALSE);
      case 0x6e:
        return this.literal('null', NULL);
      case 0x4e:
        return this.literal('NaN', NULL);
      case 0x49:
        return this.literal('Infinity', NULL);
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.numberToken();
    return this.fail(`unexpected character ${this.showAt(pos)}; expected a JSON value`);
  }

  private string(): number {
    const buf = this.buf;
    const start = this.pos;
    let escapes = false;
    let wide = 0;
    let i = start + 1;
    for (;;) {
      if (i >= buf.length) {
        if (this.eof) this.fail('the string is not closed: a closing " is missing');
        if (i - start > MAX_TOKEN_BYTES) this.fail(`a string longer than ${MAX_TOKEN_BYTES} bytes; is a closing " missing?`);
        return NEED_MORE;
      }
      const c = buf[i];
      if (c === 0x22) break;
      if (c === 0x5c) {
        escapes = true;
        i += 2;
        continue;
      }
      if (c < 0x20) {
        this.fail(c === 0x0a ? 'a line break inside a string: is a closing " missing?' : 'a control character inside a string');
      }
      if ((c & 0xc0) === 0x80) wide++;
      i++;
    }
    let text: string;
    try {
      text = utf8.decode(buf.subarray(start + 1, i));
    } catch {
      return this.fail('the string is not valid UTF-8');
    }
    this.text = escapes ? this.unescape(text) : text;
    this.lineWide += wide;
    this.pos = i + 1;
    return STRING;
  }

  private unescape(raw: string): string {
    let out = '';
    for (let i = 0; i < raw.length; i++) {
      const ch = raw[i];
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const e = raw[++i];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e in simple) out += simple[e];
      else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(raw.slice(i + 1, i + 5))) {
        out += String.fromCharCode(parseInt(raw.slice(i + 1, i + 5), 16));
        i += 4;
      } else this.fail(`invalid escape ${showText('\\' + raw.slice(i, i + 5))} in a string`);
    }
    return out;
  }

  private numberToken(): number {
    const buf = this.buf;
    const start = this.pos;
    let i = start;
    while (i < buf.length && isNumberByte(buf[i])) i++;
    if (i >= buf.length && !this.eof) {
      if (i - start > MAX_TOKEN_BYTES) this.fail('a number longer than any float');
      return NEED_MORE;
    }
    if (i === start + 1 && buf[start] === 0x2d && buf[i] === 0x49) {
      if (i + 8 > buf.length && !this.eof) return NEED_MORE;
      this.fail(nonFiniteProblem('-Infinity'));
    }
    if (!isJsonNumber(buf, start, i)) this.fail(`invalid number ${this.showRange(start, i)}`);
    this.number = parseNumberBytes(buf, start, i);
    this.pos = i;
    return NUMBER;
  }

  private literal(word: string, token: number): number {
    const buf = this.buf;
    const start = this.pos;
    if (buf.length - start < word.length && !this.eof) return NEED_MORE;
    for (let k = 0; k < word.length; k++) {
      if (buf[start + k] !== word.charCodeAt(k)) {
        return this.fail(`unexpected text ${this.showRange(start, start + word.length)}; expected a JSON value`);
      }
    }
    if (word === 'NaN' || word === 'Infinity') this.fail(nonFiniteProblem(word));
    this.pos = start + word.length;
    return token;
  }

  private showRange(start: number, end: number): string {
    return showText(new TextDecoder().decode(this.buf.subarray(start, Math.min(end, start + 40))));
  }

  private showAt(pos: number): string {
    const c = this.buf[pos];
    if (c >= 0x20 && c < 0x7f) return `'${String.fromCharCode(c)}'`;
    if (c >= 0x80) return this.showRange(pos, pos + 4);
    return `byte 0x${c.toString(16).padStart(2, '0')}`;
  }
}

function isNumberByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
}

/** JSON's strict number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
function isDigit(b: Uint8Array, k: number, end: number): boolean {
  return k < end && b[k] >= 0x30 && b[k] <= 0x39;
}

/** JSON's strict number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
function isJsonNumber(b: Uint8Array, start: number, end: number): boolean {
  let i = start;
  if (b[i] === 0x2d) i++;
  if (b[i] === 0x30 && i < end) i++;
  else if (isDigit(b, i, end)) while (isDigit(b, i, end)) i++;
  else return false;
  if (i < end && b[i] === 0x2e) {
    i++;
    if (!isDigit(b, i, end)) return false;
    while (isDigit(b, i, end)) i++;
  }
  if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (i < end && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    if (!isDigit(b, i, end)) return false;
    while (isDigit(b, i, end)) i++;
  }
  return i === end;
}

// parser states
const VALUE = 0,
  ARRAY_FIRST = 1,
  ARRAY_NEXT = 2,
  OBJECT_FIRST = 3,
  OBJECT_KEY = 4,
  COLON_NEXT = 5,
  OBJECT_NEXT = 6,
  DONE = 7;
const IN_ARRAY = 0,
  IN_OBJECT = 1;

export class JsonParser {
  private state = VALUE;
  private readonly stack: number[] = [];

  constructor(
    private readonly lexer: JsonLexer,
    private readonly handler: JsonHandler,
  ) {}

  push(token: number): void {
    switch (this.state) {
      case DONE:
        return this.lexer.fail(`expected the end of the file after the JSON value, found ${this.describe(token)}`);
      case ARRAY_FIRST:
        if (token === RBRACKET) return this.close();
        return this.value(token);
      case VALUE:
        return this.value(token);
      case ARRAY_NEXT:
        if (token === COMMA) this.state = VALUE;
        else if (token === RBRACKET) this.close();
        else this.lexer.fail(`expected ',' or ']', found ${this.describe(token)}`);
        return;
      case OBJECT_FIRST:
      case OBJECT_KEY:
        if (token === RBRACE && this.state === OBJECT_FIRST) return this.close();
        if (token !== STRING) {
          return this.lexer.fail(`expected a key (a string in double quotes)${this.state === OBJECT_FIRST ? " or '}'" : ''}, found ${this.describe(token)}`);
        }
        this.handler.key(this.lexer.text);
        this.state = COLON_NEXT;
        return;
      case COLON_NEXT:
        if (token !== COLON) return this.lexer.fail(`expected ':' after the key, found ${this.describe(token)}`);
        this.state = VALUE;
        return;
      case OBJECT_NEXT:
        if (token === COMMA) this.state = OBJECT_KEY;
        else if (token === RBRACE) this.close();
        else this.lexer.fail(`expected ',' or '}', found ${this.describe(token)}`);
        return;
    }
  }

  /** the input ended */
  end(): void {
    if (this.state === DONE) return;
    const expected =
      this.stack.length === 0 ? 'a JSON value' : this.stack[this.stack.length - 1] === IN_ARRAY ? "more of the array or its closing ']'" : "more of the object or its closing '}'";
    this.lexer.fail(`the file ends here; expected ${expected}`);
  }

  private value(token: number): void {
    const h = this.handler;
    switch (token) {
      case LBRACE:
      case LBRACKET:
        if (this.stack.length >= MAX_DEPTH) this.lexer.fail(`nested more than ${MAX_DEPTH} levels deep`);
        if (token === LBRACE) {
          this.stack.push(IN_OBJECT);
          this.state = OBJECT_FIRST;
          h.startObject();
        } else {
          this.stack.push(IN_ARRAY);
          this.state = ARRAY_FIRST;
          h.startArray();
        }
        return;
      case STRING:
        h.scalar(this.lexer.text);
        break;
      case NUMBER:
        h.scalar(this.lexer.number);
        break;
      case TRUE:
        h.scalar(true);
        break;
      case FALSE:
        h.scalar(false);
        break;
      case NULL:
        h.scalar(null);
        break;
      default:
        this.lexer.fail(`expected a value, found ${this.describe(token)}`);
    }
    this.afterValue();
  }

  private close(): void {
    const kind = this.stack.pop();
    if (kind === IN_ARRAY) this.handler.endArray();
    else this.handler.endObject();
    this.afterValue();
  }

  private afterValue(): void {
    const top = this.stack.length ? this.stack[this.stack.length - 1] : -1;
    this.state = top === -1 ? DONE : top === IN_ARRAY ? ARRAY_NEXT : OBJECT_NEXT;
  }

  private describe(token: number): string {
    switch (token) {
      case END:
        return 'the end of the file';
      case LBRACE:
        return "'{'";
      case RBRACE:
        return "'}'";
      case LBRACKET:
        return "'['";
      case RBRACKET:
        return "']'";
      case COLON:
        return "':'";
      case COMMA:
        return "','";
      case STRING:
        return `the string ${showText(this.lexer.text)}`;
      case NUMBER:
        return `the number ${this.lexer.number}`;
      case TRUE:
        return 'true';
      case FALSE:
        return 'false';
      default:
        return 'null';
    }
  }
}

/** Runs a handler over a JSON source, chunk by chunk. */
export async function parseJsonSource(source: ByteSource, lexer: JsonLexer, handler: JsonHandler, options: ChunkedReadOptions = {}): Promise<void> {
  const parser = new JsonParser(lexer, handler);
  const chunkSize = Math.max(1, Math.floor(options.chunkSize ?? DEFAULT_CHUNK_SIZE));
  const progress = progressReporter(options.onProgress);
  let position = 0;
  if (source.size === 0) lexer.feed(new Uint8Array(0), true);
  for (;;) {
    const token = lexer.next();
    if (token === NEED_MORE) {
      throwIfAborted(options.signal, source.name);
      const length = Math.min(chunkSize, source.size - position);
      const chunk = await readExactly(source, position, length);
      position += length;
      lexer.feed(chunk, position >= source.size);
      progress(position / source.size);
      continue;
    }
    if (token === END) break;
    parser.push(token);
  }
  parser.end();
  progress(1);
}

/** Parses a whole small JSON text (e.g. a safetensors header) into plain values. */
export function parseJsonValue(bytes: Uint8Array, lexer: JsonLexer): unknown {
  type Container = unknown[] | Record<string, unknown>;
  const stack: Container[] = [];
  const keys: (string | null)[] = [];
  let root: unknown = undefined;
  const add = (value: unknown) => {
    if (stack.length === 0) {
      root = value;
      return;
    }
    const top = stack[stack.length - 1];
    if (Array.isArray(top)) top.push(value);
    else top[keys[keys.length - 1] as string] = value;
  };
  const open = (container: Container) => {
    add(container);
    stack.push(container);
    keys.push(null);
  };
  const closeContainer = () => {
    stack.pop();
    keys.pop();
  };
  const handler: JsonHandler = {
    startObject: () => open(Object.create(null) as Record<string, unknown>),
    startArray: () => open([]),
    endObject: closeContainer,
    endArray: closeContainer,
    key: (name) => {
      keys[keys.length - 1] = name;
    },
    scalar: add,
  };
  const parser = new JsonParser(lexer, handler);
  lexer.feed(bytes, true);
  for (let token = lexer.next(); token !== END; token = lexer.next()) parser.push(token);
  parser.end();
  return root;
}
