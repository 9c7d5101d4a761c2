/**
 * word2vec binary (the original C tool, gensim's `binary=True`): an ASCII header line
 * `count dim\n`, then per word its token bytes, a space, `dim` little-endian float32 values and
 * usually a newline. The header's claim is checked against the file size before the output
 * is allocated; records are read through a refilling cursor, never the whole file at once.
 */
import { ByteCursor, readExactly } from './bytes';
import { defineFormat, looksLikeText, type FormatReadOptions } from './module';
import { float32Problem, formatSize, showBytes } from './numbers';
import { allocFloats, checkOutputSize } from './output';
import { tokenProblem } from './tokens';
import { FormatError, type ByteSource, type LoadedEmbeddings } from './types';

/** word2vec's own limit is 100 bytes; generous, but bounded so garbage fails fast */
const MAX_TOKEN_BYTES = 4096;
const MAX_HEADER_BYTES = 256;

export const word2vecBinFormat = defineFormat({
  id: 'word2vec-bin',
  title: 'word2vec binary',
  extensions: ['bin'],
  sniff(head) {
    const header = parseHeader(head);
    // a binary body: GloVe text with a header would have only text after it
    return header !== null && header.length < head.length && !looksLikeText(head.subarray(header.length));
  },
  read: readWord2vecBin,
});

/** `count dim` then a newline; null unless the head starts that way */
function parseHeader(head: Uint8Array): { count: number; dim: number; length: number } | null {
  const nl = head.subarray(0, MAX_HEADER_BYTES).indexOf(0x0a);
  if (nl < 0) return null;
  const text = String.fromCharCode(...head.subarray(0, nl));
  const m = /^\s*(\d{1,15})[ \t]+(\d{1,15})[ \t\r]*$/.exec(text);
  return m ? { count: Number(m[1]), dim: Number(m[2]), length: nl + 1 } : null;
}

async function readWord2vecBin(source: ByteSource, options: FormatReadOptions = {}): Promise<LoadedEmbeddings> {
  const file = source.name;
  const size = source.size;
  if (size === 0) throw new FormatError(file, '', 'the file is empty; expected word2vec binary');
  const head = await readExactly(source, 0, Math.min(size, MAX_HEADER_BYTES));
  const header = parseHeader(head);
  if (!header) {
    const nl = head.indexOf(0x0a);
    throw new FormatError(file, 'line 1', `expected a header "count dim" (two whole numbers), found ${showBytes(head, 0, nl < 0 ? head.length : nl)}`);
  }
  const { count, dim } = header;
  if (count === 0 || dim === 0) {
    throw new FormatError(file, 'line 1', `the header says ${count} words of ${dim} numbers; expected at least one of each`);
  }
  const recordMin = 2 + 4 * dim; // a 1-byte token, a space and the floats
  const available = size - header.length;
  if (count * recordMin > available) {
    throw new FormatError(
      file,
      'line 1',
      `the header claims ${count} words of ${dim} float32 values, which needs at least ${formatSize(count * recordMin)}, but the file has ${formatSize(available)} after the header`,
    );
  }
  checkOutputSize(file, 'line 1', count * dim, options.maxBytes, `the header's ${count} words of ${dim} numbers`);

  const data = allocFloats(file, count * dim);
  const tokens = new Array<string>(count);
  const decoder = new TextDecoder('utf-8');
  const cursor = new ByteCursor(source, header.length, options);
  const vectorBytes = 4 * dim;
  const need = MAX_TOKEN_BYTES + 2 + vectorBytes + 2;

  for (let w = 0; w < count; w++) {
    if (cursor.available() < need) await cursor.fill(need);
    const buf = cursor.buffer;
    let p = cursor.pos;
    // the newline (or CRLF) that ends the previous record, if any
    while (p < buf.length && (buf[p] === 0x0a || buf[p] === 0x0d)) p++;
    const at = cursor.offset + (p - cursor.pos);
    if (p >= buf.length) {
      throw new FormatError(file, `byte ${at}`, `the file ends after ${w} words, but the header says ${count}`);
    }
    const space = buf.subarray(p, Math.min(buf.length, p + MAX_TOKEN_BYTES + 1)).indexOf(0x20);
    if (space < 0) {
      const ended = cursor.atEnd && buf.length - p <= MAX_TOKEN_BYTES;
      throw new FormatError(
        file,
        `byte ${at}`,
        ended
          ? `word ${w + 1} is cut short: the file ends before the space after its token`
          : `expected word ${w + 1}'s token and a space within ${MAX_TOKEN_BYTES} bytes, found ${showBytes(buf, p, p + 20)}: is this really word2vec binary?`,
      );
    }
    if (space === 0) throw new FormatError(file, `byte ${at}`, `expected word ${w + 1}'s token, found a space`);
    const token = decoder.decode(buf.subarray(p, p + space));
    const problem = tokenProblem(token);
    if (problem) throw new FormatError(file, `byte ${at} (word ${w + 1})`, problem);
    const vecStart = p + space + 1;
    const vecAt = at + space + 1;
    if (vecStart + vectorBytes > buf.length) {
      throw new FormatError(
        file,
        `byte ${vecAt}`,
        `word ${w + 1} (${JSON.stringify(token)}) is cut short: expected ${vectorBytes} bytes of float32 values, found ${buf.length - vecStart}`,
      );
    }
    const view = new DataView(buf.buffer, buf.byteOffset + vecStart, vectorBytes);
    const row = w * dim;
    for (let j = 0; j < dim; j++) {
      const v = view.getFloat32(4 * j, true);
      if (v - v !== 0) {
        throw new FormatError(file, `byte ${vecAt + 4 * j} (word ${w + 1} ${JSON.stringify(token)}, value ${j + 1})`, float32Problem(v)!);
      }
      data[row + j] = v;
    }
    tokens[w] = token;
    cursor.pos = vecStart + vectorBytes;
  }

  // only whitespace may follow the last record
  for (;;) {
    if (cursor.available() === 0) await cursor.fill(1);
    if (cursor.available() === 0) break;
    const c = cursor.buffer[cursor.pos];
    if (c !== 0x0a && c !== 0x0d && c !== 0x20 && c !== 0x09) {
      throw new FormatError(file, `byte ${cursor.offset}`, `the header says ${count} words, but the data goes on after word ${count}`);
    }
    cursor.pos++;
  }
  return { format: 'word2vec-bin', dtype: 'float32', shape: [count, dim], embeddings: { tokens, data, T: count, d: dim } };
}
