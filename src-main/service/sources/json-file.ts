/**
 * JSON read from a file the user (or anyone) could have written: sessions, the autosave,
 * job files, the app's own small files. A syntax error is reported by its place (line and
 * column), never by the text around it: V8's own message quotes the file's bytes
 * (`Unexpected token 'r', "root:x:0:0"... is not valid JSON`), and those bytes would reach
 * the renderer, a log or the terminal inside the message.
 */
import { basename } from 'node:path';
import { readRegularFile } from './safe-open';

/** Offset of the first syntax error in a text JSON.parse refused, or -1 if the scan finds none. */
export function jsonErrorOffset(text: string): number {
  const stack: string[] = [];
  const literal = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
  // eslint-disable-next-line no-control-regex -- JSON forbids raw control characters in strings: the scan must see them
  const string = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
  type Expect = 'value' | 'value-or-end' | 'key' | 'key-or-end' | 'colon' | 'comma-or-end' | 'done';
  let expect: Expect = 'value';
  let i = 0;
  const after = (): Expect => (stack.length ? 'comma-or-end' : 'done');
  const match = (re: RegExp): boolean => {
    re.lastIndex = i;
    if (!re.test(text)) return false;
    i = re.lastIndex;
    return true;
  };
  for (;;) {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
    if (i >= text.length) return expect === 'done' ? -1 : i;
    const c = text[i];
    const top = stack[stack.length - 1];
    if (expect === 'done') return i;
    if (expect === 'colon') {
      if (c !== ':') return i;
      i++;
      expect = 'value';
    } else if (expect === 'comma-or-end') {
      if (c === ',') {
        i++;
        expect = top === '{' ? 'key' : 'value';
      } else if (c === (top === '{' ? '}' : ']')) {
        i++;
        stack.pop();
        expect = after();
      } else return i;
    } else if (expect === 'key' || expect === 'key-or-end') {
      if (c === '}' && expect === 'key-or-end') {
        i++;
        stack.pop();
        expect = after();
      } else if (match(string)) expect = 'colon';
      else return i;
    } else if (c === ']' && expect === 'value-or-end') {
      i++;
      stack.pop();
      expect = after();
    } else if (c === '{' || c === '[') {
      stack.push(c);
      i++;
      expect = c === '{' ? 'key-or-end' : 'value-or-end';
    } else if (match(string) || match(literal)) expect = after();
    else return i;
  }
}

/** Where a JSON text goes wrong, in words: "line 3, column 7", "it ends too soon". */
export function jsonErrorPlace(text: string, error: unknown): string {
  if (error instanceof RangeError) return 'it is nested too deeply to read';
  const at = jsonErrorOffset(text);
  if (at < 0) return 'a syntax error';
  if (at >= text.length) return 'it ends too soon';
  let line = 1;
  let lineStart = 0;
  for (let n = text.indexOf('\n'); n !== -1 && n < at; n = text.indexOf('\n', n + 1)) {
    line++;
    lineStart = n + 1;
  }
  return `line ${line}, column ${at - lineStart + 1}`;
}

/** JSON.parse, with a SyntaxError that names `name` and the place instead of quoting the text. */
export function parseJsonText(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    // no `cause`: V8's message quotes the file's text, which must not travel with the error
    // eslint-disable-next-line preserve-caught-error
    throw new SyntaxError(`${name}: not valid JSON (${jsonErrorPlace(text, e)})`);
  }
}

/** A JSON file read through the safe opener (regular files only, at most `maxBytes` read). */
export async function readJsonFile(path: string, maxBytes: number, what = 'files', name = basename(path)): Promise<unknown> {
  const text = (await readRegularFile(path, maxBytes, what, name)).toString('utf8');
  return parseJsonText(text, name);
}
