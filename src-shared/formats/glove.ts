/**
 * GloVe / word2vec / fastText text: one word per line, the token then d numbers separated by
 * spaces or tabs, optionally preceded by a `count dim` header line (word2vec, fastText .vec).
 * Some GloVe releases have tokens containing spaces (". . ."): when a line has more fields
 * than 1 + d and its second field is not a number, the leading fields are the token.
 */
import { readLines } from './bytes';
import { defineFormat, firstContentByte, looksLikeText, type FormatReadOptions } from './module';
import { formatSize, parseNumberBytes, showBytes } from './numbers';
import { checkOutputSize } from './output';
import { TextRows, asciiField, isDigits } from './text-rows';
import { FormatError, type ByteSource, type LoadedEmbeddings } from './types';

interface Header {
  count: number;
  dim: number;
  line: number;
}

export const gloveFormat = defineFormat({
  id: 'glove',
  title: 'GloVe / word2vec text',
  extensions: ['txt', 'vec', 'glove'],
  sniff(head) {
    if (!looksLikeText(head)) return false;
    const start = firstContentByte(head);
    let end = head.indexOf(0x0a, start);
    const cut = end < 0; // the first line may continue past the head: ignore its last field
    if (cut) end = head.length;
    const line = head.subarray(start, end);
    const f = splitFields(line);
    const n = f.length / 2 - (cut ? 1 : 0);
    if (n < 2) return false;
    for (let j = 1; j < n; j++) if (Number.isNaN(parseNumberBytes(line, f[2 * j], f[2 * j + 1]))) return false;
    return true;
  },
  read: readGlove,
});

/** Splits on runs of spaces and tabs: [start0, end0, start1, end1, …]. */
export function splitFields(bytes: Uint8Array, out: number[] = []): number[] {
  out.length = 0;
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    while (i < n && (bytes[i] === 0x20 || bytes[i] === 0x09)) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && bytes[i] !== 0x20 && bytes[i] !== 0x09) i++;
    out.push(start, i);
  }
  return out;
}

async function readGlove(source: ByteSource, options: FormatReadOptions = {}): Promise<LoadedEmbeddings> {
  const file = source.name;
  if (source.size === 0) throw new FormatError(file, '', 'the file is empty; expected GloVe / word2vec text');
  const decoder = new TextDecoder('utf-8');
  const fields: number[] = [];
  // mutable state in one object: closures below update it
  const st = {
    header: null as Header | null,
    /** a first line `a b` of two integers: a header, unless the next line has 2 fields too */
    candidate: null as { header: Header; token: string; value: Uint8Array } | null,
    rows: null as TextRows | null,
    firstDataLine: 0,
    seenLine: false,
  };

  const confirmHeader = (h: Header) => {
    // each word needs at least a 1-byte token and " x" per number: check before allocating
    const minimum = h.count * (2 * h.dim + 1);
    if (minimum > source.size) {
      throw new FormatError(
        file,
        `line ${h.line}`,
        `the header claims ${h.count} words of ${h.dim} numbers, which needs at least ${formatSize(minimum)} of text, but the file has ${formatSize(source.size)}`,
      );
    }
    checkOutputSize(file, `line ${h.line}`, h.count * h.dim, options.maxBytes, `the header's ${h.count} words of ${h.dim} numbers`);
    st.header = h;
    st.rows = new TextRows(file, h.dim, true, options.maxBytes, h.count, true);
  };
  const startRows = (d: number, lineBytes: number, line: number) => {
    st.firstDataLine = line;
    st.rows = new TextRows(file, d, true, options.maxBytes, (source.size / (lineBytes + 1)) * 1.05 + 16);
  };

  for await (const { bytes, line } of readLines(source, options)) {
    splitFields(bytes, fields);
    const n = fields.length / 2;
    if (n === 0) continue;
    if (!st.seenLine) {
      st.seenLine = true;
      if (n === 2 && isDigits(bytes, fields[0], fields[1]) && isDigits(bytes, fields[2], fields[3])) {
        const count = Number(asciiField(bytes, fields[0], fields[1]));
        const dim = Number(asciiField(bytes, fields[2], fields[3]));
        if (count === 0 || dim === 0) {
          throw new FormatError(file, `line ${line}`, `the header says ${count} words of ${dim} numbers; expected at least one of each`);
        }
        const token = decoder.decode(bytes.subarray(fields[0], fields[1]));
        st.candidate = { header: { count, dim, line }, token, value: bytes.slice(fields[2], fields[3]) };
        continue;
      }
    }
    const c = st.candidate;
    if (c) {
      st.candidate = null;
      if (n === 2 && c.header.dim !== 1) {
        startRows(1, bytes.length, c.header.line);
        st.rows!.number(c.value, 0, c.value.length, c.header.line, 2);
        st.rows!.endRow(c.token, c.header.line);
      } else confirmHeader(c.header);
    }
    if (!st.rows) {
      if (n < 2) {
        throw new FormatError(file, `line ${line}`, `expected a token followed by numbers, found only ${showBytes(bytes)}`);
      }
      startRows(n - 1, bytes.length, line);
    }
    const rows = st.rows!;
    const header = st.header;
    const d = rows.d;
    let first = 1;
    if (n > d + 1 && Number.isNaN(parseNumberBytes(bytes, fields[2], fields[3]))) first = n - d;
    else if (n !== d + 1) {
      const like = header ? `as the header on line ${header.line} says` : `like line ${st.firstDataLine}`;
      throw new FormatError(file, `line ${line}`, `expected a token and ${d} numbers (${like}), found ${n - 1} fields after the token`);
    }
    if (header && rows.rows === header.count) {
      throw new FormatError(file, `line ${line}`, `the header on line ${header.line} says ${header.count} words, but this is word ${header.count + 1}`);
    }
    const token = decoder.decode(bytes.subarray(fields[0], fields[2 * first - 1]));
    rows.values.reserve(d);
    for (let j = first; j < n; j++) rows.number(bytes, fields[2 * j], fields[2 * j + 1], line, j + 1);
    rows.endRow(token, line);
  }

  if (st.candidate) confirmHeader(st.candidate.header);
  const rows = st.rows;
  if (!rows || rows.rows === 0) {
    throw new FormatError(
      file,
      st.header ? `line ${st.header.line}` : '',
      st.header ? 'the file has a header but no words' : 'the file holds only blank lines; expected a token and numbers per line',
    );
  }
  if (st.header && rows.rows !== st.header.count) {
    throw new FormatError(file, `line ${st.header.line}`, `the header says ${st.header.count} words, but the file has ${rows.rows}`);
  }
  return { format: 'glove', dtype: 'text', shape: [rows.rows, rows.d], embeddings: rows.finish() };
}
