/**
 * Rows of a text table (GloVe, CSV): the parsed floats and tokens, nothing else. Shared so
 * that both formats check numbers, name places and estimate capacity the same way.
 */
import { describeBadNumber, float32Problem, parseNumberBytes } from './numbers';
import { FloatBuilder, maxFloats } from './output';
import { tokenProblem } from './tokens';
import { FormatError, type Embeddings } from './types';

const latin1 = new TextDecoder('latin1');
/**
 * a first buffer guessed from one line never exceeds 256 Mi floats (1 GiB). The guess comes
 * from the file size (at most ~2 floats per 4 bytes of text), and pages of the buffer that
 * are never written are never resident, so an over-guess costs address space, not memory;
 * an under-guess costs a copy when the buffer doubles, which for a 1 GB vocabulary doubled
 * the peak memory and blocked the event loop for a quarter of a second (docs/reliability.md)
 */
const GUESS_CAP = 256 * 1024 * 1024;

export class TextRows {
  readonly tokens: string[] | null;
  readonly values: FloatBuilder;
  rows = 0;

  /**
   * `expectedRows` sizes the first buffer: exact when a header said so (already checked
   * against the file size), else a guess from the first line, capped so that a misleading
   * first line cannot make a huge allocation (the buffer grows if the guess was low).
   */
  constructor(
    private readonly file: string,
    readonly d: number,
    withTokens: boolean,
    maxBytes: number | undefined,
    expectedRows: number,
    exact = false,
  ) {
    this.tokens = withTokens ? [] : null;
    const rows = exact ? expectedRows : Math.min(Math.ceil(expectedRows), Math.ceil(GUESS_CAP / d));
    const guess = Math.min(rows * d, maxFloats(maxBytes));
    this.values = new FloatBuilder(file, maxBytes, Math.max(d, guess));
  }

  /** Parses one cell bytes[start, end) as a number and appends it; errors name line and column. */
  number(bytes: Uint8Array, start: number, end: number, line: number, column: number): void {
    const value = parseNumberBytes(bytes, start, end);
    const f = Math.fround(value);
    if (f - f !== 0) {
      const text = new TextDecoder().decode(bytes.subarray(start, Math.min(end, start + 200)));
      const problem = value !== value ? describeBadNumber(text) : float32Problem(value, text.trim());
      throw new FormatError(this.file, `line ${line}, column ${column}`, problem ?? 'invalid number');
    }
    this.values.push(value);
  }

  /** A number already parsed elsewhere (e.g. a quoted CSV cell). */
  numberText(text: string, line: number, column: number): void {
    if (/[^\x20-\x7e]/.test(text)) {
      throw new FormatError(this.file, `line ${line}, column ${column}`, describeBadNumber(text));
    }
    const trimmed = text.trim();
    const bytes = Uint8Array.from(trimmed, (ch) => ch.charCodeAt(0));
    this.number(bytes, 0, bytes.length, line, column);
  }

  /** Ends the row read from `line`; its token is refused if it holds a control character. */
  endRow(token: string | null, line: number): void {
    if (this.tokens && token !== null) {
      const problem = tokenProblem(token);
      if (problem) throw new FormatError(this.file, `line ${line}`, problem);
      this.tokens.push(token);
    }
    this.rows++;
  }

  finish(): Embeddings {
    return { tokens: this.tokens, data: this.values.finish(), T: this.rows, d: this.d };
  }
}

/** bytes[start, end) as a plain ASCII string, for short header fields */
export function asciiField(bytes: Uint8Array, start: number, end: number): string {
  return latin1.decode(bytes.subarray(start, end));
}

export function isDigits(bytes: Uint8Array, start: number, end: number): boolean {
  if (end <= start || end - start > 15) return false;
  for (let i = start; i < end; i++) if (bytes[i] < 0x30 || bytes[i] > 0x39) return false;
  return true;
}
