/**
 * CSV and TSV: one row per record, RFC 4180 quoting ("a ""b""", fields spanning lines), an
 * optional header row and an optional leading token column.
 *
 * Header: the first record is a header when a cell after the first is not a number, or when
 * it reads like pandas' `,0,1,2` / `token,0,1,2` (a token-column name, then 0…n or 1…n).
 * Token column: the first data row's first cell is not a number, or the header names the
 * first column "token", "word", "" etc. A header of plain numbers only ("0,1,2") cannot be
 * told from data and is read as data.
 *
 * Hand-written rather than papaparse: the splitter is a few lines, and the rest (chunked
 * reading, line numbers in every message, floats straight from bytes) is ours either way.
 */
import { DEFAULT_MAX_LINE_BYTES, readLines } from './bytes';
import { defineFormat, extensionOf, firstContentByte, looksLikeText, type FormatReadOptions } from './module';
import { describeBadNumber, isNonFiniteWord, parseNumberBytes } from './numbers';
import { TextRows } from './text-rows';
import { FormatError, type ByteSource, type LoadedEmbeddings } from './types';

const TOKEN_COLUMN_NAMES = new Set(['', 'token', 'tokens', 'word', 'words', 'label', 'labels', 'name', 'text', 'index', 'id', 'vocab']);
const QUOTE = 0x22;
const SPACE = 0x20;
/** a record spanning lines (a quoted field with line breaks) is held to one line's limit */
const MAX_RECORD_BYTES = DEFAULT_MAX_LINE_BYTES;
const utf8 = new TextDecoder('utf-8');

/** One field of a record: bytes [start, end); `text` when quoting made it differ from the bytes. */
interface Field {
  start: number;
  end: number;
  text: string | null;
}

export const csvFormat = defineFormat({
  id: 'csv',
  title: 'CSV / TSV',
  extensions: ['csv', 'tsv'],
  sniff(head) {
    if (!looksLikeText(head)) return false;
    const start = firstContentByte(head);
    let end = head.indexOf(0x0a, start);
    if (end < 0) end = head.length;
    const line = head.subarray(start, end);
    return line.includes(0x2c) || line.includes(0x09);
  },
  read: readCsv,
});

function delimiterFor(name: string, firstLine: Uint8Array): number {
  const ext = extensionOf(name);
  if (ext === 'tsv') return 0x09;
  if (ext === 'csv') return 0x2c;
  return firstLine.includes(0x09) && !firstLine.includes(0x2c) ? 0x09 : 0x2c;
}

/**
 * Splits a record into fields. Returns false when a quoted field is still open at the end
 * (the record continues on the next line). Throws on text after a closing quote.
 */
function splitRecord(bytes: Uint8Array, delimiter: number, out: Field[], fail: (column: number, problem: string) => never): boolean {
  out.length = 0;
  const n = bytes.length;
  let i = 0;
  for (;;) {
    let j = i;
    while (j < n && bytes[j] === SPACE) j++;
    if (j < n && bytes[j] === QUOTE) {
      // a quoted field: "" is a quote; the field ends at a lone quote
      let k = j + 1;
      let escaped = false;
      for (;;) {
        const q = bytes.indexOf(QUOTE, k);
        if (q < 0) return false;
        if (bytes[q + 1] === QUOTE) {
          escaped = true;
          k = q + 2;
          continue;
        }
        k = q;
        break;
      }
      const inner = utf8.decode(bytes.subarray(j + 1, k));
      out.push({ start: j + 1, end: k, text: escaped ? inner.replaceAll('""', '"') : inner });
      let after = k + 1;
      while (after < n && bytes[after] === SPACE) after++;
      if (after < n && bytes[after] !== delimiter) fail(out.length, 'unexpected text after the closing quote of the field');
      if (after >= n) return true;
      i = after + 1;
    } else {
      const d = bytes.indexOf(delimiter, i);
      const end = d < 0 ? n : d;
      out.push({ start: i, end, text: null });
      if (d < 0) return true;
      i = d + 1;
    }
  }
}

/**
 * Whether a quoted field is still open at the end of a line, given that one was open at its
 * start: lets a record that spans lines be joined once, in linear time.
 */
function stillOpen(bytes: Uint8Array, delimiter: number): boolean {
  const n = bytes.length;
  let open = true;
  let i = 0;
  for (;;) {
    if (open) {
      const q = bytes.indexOf(QUOTE, i);
      if (q < 0) return true;
      if (bytes[q + 1] === QUOTE) {
        i = q + 2;
        continue;
      }
      open = false;
      const d = bytes.indexOf(delimiter, q + 1);
      if (d < 0) return false;
      i = d + 1;
    } else {
      let j = i;
      while (j < n && bytes[j] === SPACE) j++;
      if (j < n && bytes[j] === QUOTE) {
        open = true;
        i = j + 1;
        continue;
      }
      const d = bytes.indexOf(delimiter, i);
      if (d < 0) return false;
      i = d + 1;
    }
  }
}

async function readCsv(source: ByteSource, options: FormatReadOptions = {}): Promise<LoadedEmbeddings> {
  const file = source.name;
  if (source.size === 0) throw new FormatError(file, '', 'the file is empty; expected CSV / TSV rows of numbers');
  const fields: Field[] = [];
  let delimiter = -1;
  // the lines of a record whose quoted field spans lines, and the line it started on
  let pending: Uint8Array[] | null = null;
  let pendingLength = 0;
  let recordLine = 0;
  let header: { line: number; cells: string[] } | null = null;
  let rows: TextRows | null = null;
  let tokenColumn = false;
  let width = 0;
  let firstDataLine = 0;

  const cellText = (bytes: Uint8Array, f: Field) => f.text ?? utf8.decode(bytes.subarray(f.start, f.end));
  const isNumber = (bytes: Uint8Array, f: Field) => {
    const t = cellText(bytes, f).trim();
    if (t === '' || /[^\x21-\x7e]/.test(t)) return false;
    if (isNonFiniteWord(t)) return true; // a number to refuse later, with its place
    return !Number.isNaN(
      parseNumberBytes(
        Uint8Array.from(t, (ch) => ch.charCodeAt(0)),
        0,
        t.length,
      ),
    );
  };

  for await (const { bytes: lineBytes, line } of readLines(source, options)) {
    if (delimiter < 0) delimiter = delimiterFor(file, lineBytes);
    const fail = (column: number, problem: string): never => {
      throw new FormatError(file, `line ${recordLine}, column ${column}`, problem);
    };
    let bytes = lineBytes;
    if (pending) {
      pending.push(lineBytes.slice());
      pendingLength += 1 + lineBytes.length;
      if (pendingLength > MAX_RECORD_BYTES) {
        throw new FormatError(file, `line ${recordLine}`, `a quoted field is never closed (the record runs past ${MAX_RECORD_BYTES} bytes)`);
      }
      if (stillOpen(lineBytes, delimiter)) continue;
      bytes = joinLines(pending, pendingLength);
      pending = null;
      if (!splitRecord(bytes, delimiter, fields, fail)) fail(fields.length + 1, 'a quoted field is never closed');
    } else {
      recordLine = line;
      if (isBlank(lineBytes)) continue;
      if (!splitRecord(bytes, delimiter, fields, fail)) {
        pending = [lineBytes.slice()];
        pendingLength = lineBytes.length;
        continue;
      }
    }
    const n = fields.length;

    if (!header && !rows) {
      // the first record: a header?
      const cells = fields.map((f) => cellText(bytes, f));
      const rest = fields.slice(1);
      const pandasLike =
        n >= 2 &&
        TOKEN_COLUMN_NAMES.has(cells[0].trim().toLowerCase()) &&
        (cells.slice(1).every((c, k) => c.trim() === String(k)) || cells.slice(1).every((c, k) => c.trim() === String(k + 1)));
      if ((n === 1 ? !isNumber(bytes, fields[0]) : rest.some((f) => !isNumber(bytes, f))) || pandasLike) {
        header = { line: recordLine, cells };
        continue;
      }
    }
    if (!rows) {
      tokenColumn = !isNumber(bytes, fields[0]) || (header !== null && TOKEN_COLUMN_NAMES.has(header.cells[0].trim().toLowerCase()) && n >= 2);
      width = n;
      firstDataLine = recordLine;
      if (header && header.cells.length !== n) {
        throw new FormatError(file, `line ${header.line}`, `the header has ${header.cells.length} fields but line ${recordLine} has ${n}`);
      }
      const d = n - (tokenColumn ? 1 : 0);
      if (d === 0) throw new FormatError(file, `line ${recordLine}`, 'expected numbers after the token, found none');
      rows = new TextRows(file, d, tokenColumn, options.maxBytes, (source.size / (bytes.length + 1)) * 1.05 + 16);
    }
    if (n !== width) {
      throw new FormatError(file, `line ${recordLine}`, `expected ${width} fields like line ${firstDataLine}, found ${n}${n > width ? '' : ' (a missing value?)'}`);
    }
    rows.values.reserve(rows.d);
    for (let j = tokenColumn ? 1 : 0; j < n; j++) {
      const f = fields[j];
      if (f.text !== null) rows.numberText(f.text, recordLine, j + 1);
      else {
        let s = f.start;
        let e = f.end;
        while (s < e && bytes[s] === SPACE) s++;
        while (e > s && bytes[e - 1] === SPACE) e--;
        if (s === e) fail(j + 1, describeBadNumber(''));
        rows.number(bytes, s, e, recordLine, j + 1);
      }
    }
    rows.endRow(tokenColumn ? cellText(bytes, fields[0]) : null, recordLine);
  }
  if (pending) {
    throw new FormatError(file, `line ${recordLine}`, 'a quoted field is never closed: the file ends inside it');
  }
  if (!rows) {
    throw new FormatError(file, header ? `line ${header.line}` : '', header ? 'the file has a header but no rows' : 'the file holds no rows');
  }
  return { format: 'csv', dtype: 'text', shape: [rows.rows, rows.d], embeddings: rows.finish() };
}

function joinLines(lines: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const [k, piece] of lines.entries()) {
    if (k > 0) out[at++] = 0x0a;
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

function isBlank(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== SPACE && bytes[i] !== 0x09) return false;
  return true;
}
