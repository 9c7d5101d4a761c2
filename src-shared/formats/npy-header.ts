/**
 * The .npy header is a Python dict literal, e.g. `{'descr': '<f4', 'fortran_order': False,
 * 'shape': (3, 4), }`. This parses the small subset numpy writes (dicts, tuples, lists,
 * strings, integers — Python 2's `3L` too — True/False/None) and nothing else: it never
 * evaluates anything. Errors name the file offset of the offending character.
 */
import { FormatError } from './types';
import { showText } from './numbers';

export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

export function parsePyLiteral(text: string, file: string, fileOffset: number): PyValue {
  let i = 0;
  const fail = (expected: string): never => {
    const found = i >= text.length ? 'the end of the header' : showText(text.slice(i, i + 12));
    throw new FormatError(file, `byte ${fileOffset + i}`, `the .npy header is not a valid Python literal: expected ${expected}, found ${found}`);
  };
  const skip = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const value = (depth: number): PyValue => {
    if (depth > 16) fail('a shallower header (nested too deeply)');
    skip();
    const c = text[i];
    if (c === '{') return dict(depth);
    if (c === '(' || c === '[') return sequence(depth, c === '(' ? ')' : ']');
    if (c === "'" || c === '"') return string();
    const word = /^(True|False|None)\b/.exec(text.slice(i, i + 6));
    if (word) {
      i += word[1].length;
      return word[1] === 'True' ? true : word[1] === 'False' ? false : null;
    }
    const int = /^-?\d+L?/.exec(text.slice(i, i + 40));
    if (int) {
      i += int[0].length;
      return Number(int[0].replace('L', ''));
    }
    return fail('a value (a string, number, tuple, True or False)');
  };
  const string = (): string => {
    const quote = text[i++];
    let out = '';
    while (i < text.length && text[i] !== quote) {
      if (text[i] === '\\' && i + 1 < text.length) i++;
      out += text[i++];
    }
    if (i >= text.length) fail(`a closing ${quote}`);
    i++;
    return out;
  };
  const sequence = (depth: number, close: string): PyValue[] => {
    i++;
    const items: PyValue[] = [];
    for (;;) {
      skip();
      if (text[i] === close) break;
      items.push(value(depth + 1));
      skip();
      if (text[i] === ',') i++;
      else if (text[i] !== close) fail(`',' or '${close}'`);
    }
    i++;
    return items;
  };
  const dict = (depth: number): { [key: string]: PyValue } => {
    i++;
    const out = Object.create(null) as { [key: string]: PyValue };
    for (;;) {
      skip();
      if (text[i] === '}') break;
      if (text[i] !== "'" && text[i] !== '"') fail("a key in quotes or '}'");
      const key = string();
      skip();
      if (text[i] !== ':') fail("':'");
      i++;
      out[key] = value(depth + 1);
      skip();
      if (text[i] === ',') i++;
      else if (text[i] !== '}') fail("',' or '}'");
    }
    i++;
    return out;
  };
  const result = value(0);
  skip();
  if (i < text.length) fail('the end of the header');
  return result;
}
