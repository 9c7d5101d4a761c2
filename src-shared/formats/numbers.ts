/**
 * Numbers in text files, and the words used to describe what was found where a number was
 * expected. Text formats parse straight from bytes: a 1 GB GloVe file holds ~10⁸ numbers and
 * making a string of each would dominate the load time.
 */

// 10^0 … 10^22 are exact doubles: the basis of Clinger's fast path below.
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
function latin1(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

/**
 * Parses a decimal number `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?` that
 * fills bytes[start, end) exactly; NaN for anything else (including "nan" and "inf", which
 * callers name separately). Up to 15 significant digits with a small exponent are computed
 * with one correctly rounded multiplication or division; the rest go through Number().
 */
export function parseNumberBytes(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (i < end && (bytes[i] === 0x2d || bytes[i] === 0x2b)) {
    negative = bytes[i] === 0x2d;
    i++;
  }
  let mantissa = 0;
  let significant = 0;
  let scale = 0; // decimal exponent contributed by the position of the point
  let digits = 0;
  for (; i < end; i++) {
    const c = bytes[i] - 0x30;
    if (c < 0 || c > 9) break;
    digits++;
    if (mantissa !== 0 || c !== 0) {
      if (significant < 15) mantissa = mantissa * 10 + c;
      significant++;
    }
  }
  if (i < end && bytes[i] === 0x2e) {
    i++;
    for (; i < end; i++) {
      const c = bytes[i] - 0x30;
      if (c < 0 || c > 9) break;
      digits++;
      if (mantissa !== 0 || c !== 0) {
        if (significant < 15) {
          mantissa = mantissa * 10 + c;
          scale--;
        }
        significant++;
      } else scale--;
    }
  }
  if (digits === 0) return NaN;
  let exponent = 0;
  if (i < end && (bytes[i] === 0x65 || bytes[i] === 0x45)) {
    i++;
    let expNegative = false;
    if (i < end && (bytes[i] === 0x2d || bytes[i] === 0x2b)) {
      expNegative = bytes[i] === 0x2d;
      i++;
    }
    const expStart = i;
    for (; i < end; i++) {
      const c = bytes[i] - 0x30;
      if (c < 0 || c > 9) break;
      if (exponent < 100000) exponent = exponent * 10 + c;
    }
    if (i === expStart) return NaN;
    if (expNegative) exponent = -exponent;
  }
  if (i !== end) return NaN;
  let value: number;
  const e = exponent + scale;
  if (mantissa === 0) value = 0;
  else if (significant <= 15 && e >= -22 && e <= 22) {
    value = e < 0 ? mantissa / POW10[-e] : mantissa * POW10[e];
  } else {
    value = Number(latin1(bytes, start, end)); // syntax already checked: Number() agrees
    return value;
  }
  return negative ? -value : value;
}

export function parseNumberString(text: string): number {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return NaN;
    bytes[i] = c;
  }
  return parseNumberBytes(bytes, 0, bytes.length);
}

const NON_FINITE_WORDS = /^[+-]?(nan|inf|infinity|1\.#inf|1\.#ind|1\.#qnan)$/i;

/** "nan", "-inf", "Infinity", …: not numbers to the parser, but clearly meant as numbers */
export function isNonFiniteWord(text: string): boolean {
  return NON_FINITE_WORDS.test(text.trim());
}

/** The problem with a cell that should hold a number, in words. */
export function describeBadNumber(text: string): string {
  if (text.trim() === '') return 'expected a number, found an empty cell';
  if (NON_FINITE_WORDS.test(text.trim())) return nonFiniteProblem(text.trim());
  return `expected a number, found ${showText(text)}`;
}

export function nonFiniteProblem(found: string): string {
  return `found the non-finite value ${found}; the lab refuses non-finite embeddings (NaN or ±Infinity)`;
}

/**
 * Checks that a value survives conversion to float32. Returns null when it does, else the
 * problem in words. `text` is the literal a text file held: a decimal literal that overflows
 * is out of range, whereas a binary NaN/Infinity is non-finite as stored.
 */
export function float32Problem(value: number, text?: string): string | null {
  const f = Math.fround(value);
  if (f - f === 0) return null;
  if (text === undefined && value - value !== 0) return nonFiniteProblem(String(value));
  return `the value ${text ?? value} is outside the float32 range (±3.4e38) and would become Infinity; the lab refuses non-finite embeddings`;
}

/** A found text, quoted and shortened, with control characters escaped, for messages. */
export function showText(text: string, max = 40): string {
  const short = text.length > max ? text.slice(0, max) + '…' : text;
  return JSON.stringify(short);
}

export function showBytes(bytes: Uint8Array, start = 0, end = bytes.length, max = 40): string {
  const text = new TextDecoder('utf-8').decode(bytes.subarray(start, Math.min(end, start + max * 4)));
  return showText(text, max);
}

/** 1536 → "1.5 KiB": sizes in messages. */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes)) return `${bytes} bytes`;
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function formatShape(shape: readonly number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}
