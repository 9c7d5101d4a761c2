#!/usr/bin/env node
/**
 * The bad-input corpus: hostile and broken embedding files (and JobSpecs) that QK Lab must
 * refuse with one clear sentence naming the file and the place, in bounded time and memory.
 *
 *   npm run corpus                     # writes tests/fixtures/bad/ (git-ignored)
 *   node scripts/make-bad-corpus.mjs DIR [--no-sparse]
 *
 * The tests (tests/reliability/bad-inputs.test.ts) call makeBadCorpus() into a temp folder;
 * nothing binary is committed. Plain Node, no dependencies, deterministic bytes (seeded). The
 * 3 GB files are sparse (ftruncate): they take no disk space and are never written.
 *
 * Each entry: { name, kind: 'embeddings' | 'jobspec', what, size }. `manifest.json` lists them.
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const enc = (text) => new TextEncoder().encode(text);

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** mulberry32: a tiny seeded generator, so the corpus is the same bytes on every machine */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function randomBytes(n, seed) {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

function f32(values) {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** A .npy file as numpy writes it; `dict` replaces the header text, `headerLength` lies about its length. */
function npy({ descr = '<f4', shape = [4, 3], fortran = 'False', data, dict, version = 1, headerLength, magic }) {
  const shapeText = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  let text = dict ?? `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shapeText}, }`;
  const pre = version === 1 ? 10 : 12;
  const total = Math.ceil((pre + text.length + 1) / 64) * 64;
  text = text.padEnd(total - pre - 1, ' ') + '\n';
  const header = enc(text);
  const preamble = new Uint8Array(pre);
  preamble.set(magic ?? [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
  preamble[6] = version;
  const view = new DataView(preamble.buffer);
  if (version === 1) view.setUint16(8, headerLength ?? header.length, true);
  else view.setUint32(8, headerLength ?? header.length, true);
  const count = shape.reduce((a, b) => a * b, 1);
  return concat(preamble, header, data ?? f32(Array.from({ length: count }, (_, i) => i / 10)));
}

/** safetensors: 8-byte LE header length, JSON header, data. `header` replaces the JSON text. */
function safetensors(tensors, { header, lengthOverride } = {}) {
  const h = {};
  let at = 0;
  for (const t of tensors) {
    h[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: t.offsets ?? [at, at + t.data.length] };
    at += t.data.length;
  }
  let text = header ?? JSON.stringify(h);
  text = text.padEnd(Math.ceil(text.length / 8) * 8, ' ');
  const json = enc(text);
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(lengthOverride ?? json.length), true);
  return concat(length, json, ...tensors.map((t) => t.data));
}

/** word2vec binary: `count dim\n`, then token, space, dim float32 LE, newline. */
function word2vecBin(count, dim, { header, rows = count } = {}) {
  const parts = [enc(header ?? `${count} ${dim}\n`)];
  for (let i = 0; i < rows; i++) parts.push(enc(`w${i} `), f32(Array.from({ length: dim }, (_, j) => (i + j) / 7)), enc('\n'));
  return concat(...parts);
}

function gloveLines(count, dim, seed, bad = {}) {
  const r = rng(seed);
  const lines = [];
  for (let i = 1; i <= count; i++) {
    if (bad[i] !== undefined) lines.push(bad[i]);
    else lines.push(`w${i} ${Array.from({ length: dim }, () => (r() * 2 - 1).toFixed(5)).join(' ')}`);
  }
  return lines.join('\n') + '\n';
}

function csvRows(count, dim, seed, { eol = '\n', bad = {} } = {}) {
  const r = rng(seed);
  const rows = [['token', ...Array.from({ length: dim }, (_, j) => `x${j}`)].join(',')];
  for (let i = 2; i <= count + 1; i++) {
    if (bad[i] !== undefined) rows.push(bad[i]);
    else rows.push([`t${i}`, ...Array.from({ length: dim }, () => (r() * 2 - 1).toFixed(4))].join(','));
  }
  return rows.join(eol) + eol;
}

/** `token,0.5,0.5,…` on one line of `bytes` bytes, no line end */
function oneLineCsv(bytes) {
  const out = new Uint8Array(bytes).fill(0x30);
  out.set(enc('token,0.5'));
  // double the ",0.5" run until the line is full (the last number may read 0.500…)
  for (let filled = 4; 5 + filled < bytes; filled *= 2) out.copyWithin(5 + filled, 5, Math.min(5 + filled, bytes - filled));
  return out;
}

/** A JobSpec of ~`bytes` bytes: rows of 256 inline numbers */
function inlineJob(bytes) {
  const row = '[' + Array.from({ length: 256 }, (_, j) => ((j % 19) / 19).toFixed(4)).join(',') + ']';
  const rows = Math.ceil(bytes / (row.length + 1));
  return `{"embeddings": {"inline": {"vectors": [${Array(rows).fill(row).join(',')}]}}}`;
}

/** 3 GiB: more than the 2 GiB of float32 a file may hold, and more than any test machine should read. */
export const SPARSE_BYTES = 3 * 2 ** 30;

/** Every corpus entry: the bytes (or a sparse size) and what is wrong with it. */
function entries({ sparse = true } = {}) {
  const list = [];
  const add = (name, what, bytes, kind = 'embeddings') => list.push({ name, what, bytes: typeof bytes === 'string' ? enc(bytes) : bytes, kind });
  const addSparse = (name, what, head) => list.push({ name, what, bytes: head, sparse: SPARSE_BYTES, kind: 'embeddings' });

  // ── .npy ──
  const good = npy({});
  add('npy-truncated-in-header.npy', 'a .npy cut inside its header', good.subarray(0, 40));
  add('npy-truncated-in-data.npy', 'a .npy cut inside its data', good.subarray(0, good.length - 10));
  add('npy-bad-magic.npy', 'a .npy whose magic is "\\x93NUMPZ"', npy({ magic: [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x5a] }));
  add('npy-bad-version.npy', 'a .npy claiming format version 9', npy({ version: 9 }));
  add('npy-header-length-lies.npy', 'a v2 .npy whose header length runs 4 GB past the end', npy({ version: 2, headerLength: 0xfffffff0 }));
  add('npy-shape-lies-big.npy', 'a .npy whose header claims (100000, 1000) over 48 bytes of data', npy({ shape: [100000, 1000], data: f32(Array(12).fill(1)) }));
  add('npy-shape-lies-small.npy', 'a .npy whose header claims (2, 3) over 12 values', npy({ shape: [2, 3], data: f32(Array(12).fill(1)) }));
  add('npy-wrong-dtype-unicode.npy', "a .npy of unicode strings ('<U8')", npy({ descr: '<U8', shape: [2, 2], data: new Uint8Array(128) }));
  add('npy-wrong-dtype-complex.npy', "a .npy of complex numbers ('<c8')", npy({ descr: '<c8', shape: [2, 2], data: new Uint8Array(32) }));
  add('npy-wrong-dtype-object.npy', "a pickled object array ('|O')", npy({ descr: '|O', shape: [2, 2], data: new Uint8Array(32) }));
  add('npy-dtype-garbage.npy', 'a .npy whose descr is "float please"', npy({ descr: 'float please', shape: [2, 2] }));
  add('npy-fortran-not-bool.npy', "a .npy whose fortran_order is 'yes'", npy({ fortran: "'yes'" }));
  add('npy-fortran-truncated.npy', 'a Fortran-order .npy cut inside its data', npy({ fortran: 'True' }).subarray(0, 150));
  add('npy-0d.npy', 'a 0-d .npy (a single number)', npy({ shape: [] }));
  add('npy-1d.npy', 'a 1-d .npy (one vector, not a matrix)', npy({ shape: [5] }));
  add('npy-4d.npy', 'a 4-d .npy', npy({ shape: [2, 2, 2, 2] }));
  add('npy-empty-axis.npy', 'a .npy of shape (0, 3)', npy({ shape: [0, 3] }));
  add('npy-negative-shape.npy', 'a .npy of shape (-1, 3)', npy({ shape: [-1, 3], data: f32([1, 2, 3]) }));
  add('npy-header-garbage.npy', 'a .npy whose header is not a Python literal', npy({ dict: "{'descr': '<f4', 'shape': (4, 3) 'fortran_order': False}" }));
  add('npy-header-code.npy', 'a .npy whose header tries to run code', npy({ dict: "__import__('os').system('echo pwned')" }));
  add('npy-header-missing-shape.npy', "a .npy header without 'shape'", npy({ dict: "{'descr': '<f4', 'fortran_order': False}" }));
  add('npy-nan.npy', 'a float32 .npy with a NaN at [2, 1]', npy({ data: f32([0, 1, 2, 3, 4, 5, 6, NaN, 8, 9, 10, 11]) }));
  add(
    'npy-inf-f64.npy',
    'a float64 .npy with a value beyond float32 (1e300)',
    npy({ descr: '<f8', shape: [2, 2], data: new Uint8Array(Float64Array.from([1, 2, 1e300, 4]).buffer) }),
  );
  add('npy-deep-header.npy', 'a .npy header nested 5000 levels deep', npy({ dict: '('.repeat(5000) }));

  // ── safetensors ──
  const w = { name: 'w', dtype: 'F32', shape: [2, 3], data: f32([1, 2, 3, 4, 5, 6]) };
  add('st-header-past-end.safetensors', 'a header length 1 000 000 in a 100-byte file', safetensors([w], { lengthOverride: 1_000_000 }));
  add('st-header-huge.safetensors', 'a header length of 2^63', safetensors([w], { lengthOverride: 2n ** 63n }));
  add('st-overlapping-offsets.safetensors', 'two tensors whose bytes overlap', safetensors([w, { ...w, name: 'v', offsets: [8, 32] }]));
  add('st-offsets-past-end.safetensors', 'data_offsets beyond the end of the data', safetensors([{ ...w, offsets: [0, 4096] }]));
  add('st-offsets-shape-mismatch.safetensors', 'data_offsets that do not match the shape', safetensors([{ ...w, shape: [3, 3] }]));
  add('st-unknown-dtype.safetensors', 'a tensor of dtype "F99"', safetensors([{ ...w, dtype: 'F99' }]));
  add('st-unsupported-dtype.safetensors', 'a 2-D tensor of I64 (known, but not embeddings)', safetensors([{ name: 'ids', dtype: 'I64', shape: [2, 2], data: new Uint8Array(32) }]));
  add('st-header-not-json.safetensors', 'a header that is not JSON', safetensors([w], { header: '{"w": {"dtype": "F32", "shape": [2, 3], data_offsets: [0, 24]}}' }));
  add('st-header-not-object.safetensors', 'a header that is a JSON list', safetensors([w], { header: '[1, 2, 3]' }));
  add('st-truncated.safetensors', 'a safetensors file cut inside its data', safetensors([w]).subarray(0, 60));
  add('st-nan.safetensors', 'an F32 tensor holding a NaN', safetensors([{ ...w, data: f32([1, 2, 3, NaN, 5, 6]) }]));

  // ── JSON ──
  add('json-ragged-rows.json', 'rows of 3, 3 and 2 numbers', '{"tokens": ["a", "b", "c"], "vectors": [[1, 2, 3], [4, 5, 6], [7, 8]]}');
  add('json-strings.json', 'a string where a number belongs', '{"vectors": [[1, 2], [3, "four"]]}');
  add('json-nested-garbage.json', 'a row holding an object', '{"vectors": [[1, 2], [3, {"x": [4, [5]]}]]}');
  add('json-rows-not-arrays.json', '"vectors" is an object', '{"vectors": {"a": [1, 2]}}');
  add('json-tokens-count.json', '3 tokens for 2 vectors', '{"tokens": ["a", "b", "c"], "vectors": [[1, 2], [3, 4]]}');
  add('json-nan.json', 'NaN, which JSON does not have', '[[1, 2], [NaN, 4]]');
  add('json-big-number.json', '1e999 (infinite as float32)', '[[1, 2], [1e999, 4]]');
  add('json-truncated.json', 'a JSON file cut in the middle', '{"tokens": ["a", "b"], "vectors": [[1, 2], [3,');
  add('json-deep.json', '200 000 nested arrays', '['.repeat(200_000));
  add('json-trailing-garbage.json', 'a valid document followed by garbage', '[[1, 2], [3, 4]] trailing');
  add('json-nul-token.json', 'a token holding \\u0000', '{"tokens": ["a", "b\\u0000c"], "vectors": [[1, 2], [3, 4]]}');
  add('json-bad-utf8.json', 'a token that is not valid UTF-8', concat(enc('{"tokens": ["a'), Uint8Array.of(0xff, 0xfe), enc('"], "vectors": [[1]]}')));

  // ── CSV / TSV ──
  add('csv-ragged-rows.csv', 'line 5 has one field too few', csvRows(8, 3, 11, { bad: { 5: 't5,0.1,0.2' } }));
  add('csv-quoted-unclosed.csv', 'a quoted token that never closes', csvRows(5, 2, 12, { bad: { 4: '"never closed,0.1,0.2' } }));
  add('csv-quoted-number-text.csv', 'a quoted cell that is not a number', csvRows(5, 2, 13, { bad: { 3: 't3,"0.5","zero"' } }));
  add('csv-text-after-quote.csv', 'text after a closing quote', csvRows(5, 2, 14, { bad: { 4: '"t4"x,0.1,0.2' } }));
  add('csv-bom-crlf-nan.csv', 'a BOM, CRLF line ends and a NaN on line 4', '\ufeff' + csvRows(6, 3, 15, { eol: '\r\n', bad: { 4: 't4,0.1,NaN,0.3' } }));
  add('csv-inf.csv', '"inf" on line 3', csvRows(4, 2, 16, { bad: { 3: 't3,inf,0.5' } }));
  add('csv-overflow.csv', '1e40 (infinite as float32) on line 6', csvRows(6, 2, 17, { bad: { 6: 't6,0.5,1e40' } }));
  add('csv-empty-cell.csv', 'an empty cell on line 3', csvRows(4, 3, 18, { bad: { 3: 't3,0.1,,0.3' } }));
  add('csv-header-only.csv', 'a header and no rows', 'token,x0,x1\n');
  add('tsv-ragged.tsv', 'a TSV whose line 3 has an extra field', 'a\t1\t2\nb\t3\t4\nc\t5\t6\t7\n');
  add('csv-one-line-50mb.csv', 'a 50 MB CSV that is one line (a token, then 10 million numbers)', oneLineCsv(50 * 2 ** 20));
  add('csv-esc-token.csv', 'an ESC (0x1b) inside the token on line 3', csvRows(4, 2, 19, { bad: { 3: 't\x1b[31m3,0.1,0.2' } }));

  // ── GloVe / word2vec text ──
  add('glove-bad-number-mid.txt', 'line 500 of 1000 has "0.1x" among its numbers', gloveLines(1000, 50, 21, { 500: `w500 ${'0.25 '.repeat(20)}0.1x ${'0.5 '.repeat(28)}0.75` }));
  add('glove-short-line-mid.txt', 'line 700 of 1000 has 49 numbers instead of 50', gloveLines(1000, 50, 22, { 700: `w700 ${'0.5 '.repeat(48)}0.5` }));
  add('glove-nan.txt', 'a "nan" on line 3', gloveLines(5, 4, 23, { 3: 'w3 0.1 nan 0.3 0.4' }));
  add('glove-header-lies.txt', 'a "100000 50" header over 10 words', '100000 50\n' + gloveLines(10, 50, 24));
  add('glove-header-count-wrong.txt', 'a "12 4" header over 10 words', '12 4\n' + gloveLines(10, 4, 25));
  add('glove-nul-token.txt', 'a NUL byte inside the token on line 3', gloveLines(5, 4, 28, { 3: 'w\x003 0.1 0.2 0.3 0.4' }));
  add('glove-binary-junk.vec', 'binary junk with a .vec extension', concat(enc('w1 0.5 0.25\n'), randomBytes(2000, 26)));

  // ── word2vec binary ──
  // "10 4\n" then 10 records of 20 bytes ("wI " + 16 + "\n"): 185 bytes pass the size check, ending inside word 10
  add('w2v-cut-in-last-word.bin', 'a word2vec binary file cut inside word 10 of 10', word2vecBin(10, 4).subarray(0, 5 + 185));
  add('w2v-much-too-short.bin', 'a word2vec binary file holding half the words its header claims', word2vecBin(10, 4).subarray(0, 5 + 100));
  add('w2v-header-lies.bin', 'a header claiming 1 000 000 words of 300', word2vecBin(3, 4, { header: '1000000 300\n' }));
  add('w2v-header-garbage.bin', 'a .bin whose first line is not "count dim"', concat(enc('count dim\n'), randomBytes(200, 27)));
  add('w2v-c1-token.bin', 'a word2vec binary token holding the C1 control U+0085', concat(enc('2 4\nw0 '), f32([1, 2, 3, 4]), enc('\nw\u00851 '), f32([5, 6, 7, 8]), enc('\n')));
  add('w2v-trailing-data.bin', 'a .bin with more words than its header says', word2vecBin(3, 4, { header: '2 4\n' }));

  // ── empty files, random bytes, wrong kinds of file ──
  for (const ext of ['npy', 'safetensors', 'json', 'csv', 'txt', 'bin']) add(`empty.${ext}`, `an empty .${ext}`, new Uint8Array(0));
  add('empty-no-extension', 'an empty file without an extension', new Uint8Array(0));
  add('whitespace-only.txt', 'a text file of blank lines', '\n\n   \n\t\n');
  for (const [i, ext] of ['npy', 'safetensors', 'json', 'csv', 'txt', 'bin', ''].entries()) {
    add(`random${ext ? '.' + ext : '-no-extension'}`, `4 KiB of random bytes${ext ? ` named .${ext}` : ''}`, randomBytes(4096, 100 + i));
  }
  add('zip-archive.npz', 'random bytes after a zip header, named .npz', concat(Uint8Array.of(0x50, 0x4b, 0x03, 0x04), randomBytes(200, 30)));
  add('zip-archive.pt', 'a zip archive that is no .npz (PyTorch .pt)', concat(Uint8Array.of(0x50, 0x4b, 0x03, 0x04), randomBytes(200, 30)));
  add('pickle.pt', 'a Python pickle (PyTorch .pt)', concat(Uint8Array.of(0x80, 0x04, 0x95), randomBytes(200, 31)));
  add('gzip.txt.gz', 'gzip-compressed text', concat(Uint8Array.of(0x1f, 0x8b, 0x08), randomBytes(200, 32)));

  // ── 3 GB sparse files (no disk used) ──
  if (sparse) {
    // valid headers whose data runs exactly to the 3 GiB end: (25165823, 32) float32 after a 128-byte preamble + header
    const rows = (SPARSE_BYTES - 128) / 4 / 32;
    const npyHeader = npy({ shape: [rows, 32], data: new Uint8Array(0) });
    if (npyHeader.length !== 128) throw new Error('the sparse .npy header must take 128 bytes');
    addSparse('sparse-3gb.npy', `a 3 GiB .npy (valid header for (${rows}, 32) float32, sparse zeros): more than the 2 GiB limit`, npyHeader);
    const stText = JSON.stringify({ w: { dtype: 'F32', shape: [rows, 32], data_offsets: [0, SPARSE_BYTES - 128] } }).padEnd(120, ' ');
    addSparse('sparse-3gb.safetensors', 'a 3 GiB safetensors file (one valid F32 tensor, sparse zeros): more than the 2 GiB limit', safetensors([], { header: stText }));
    addSparse('sparse-3gb.txt', '3 GiB of NUL bytes named .txt (one endless line)', new Uint8Array(0));
    addSparse('sparse-3gb.csv', 'a CSV header and row, then 3 GiB of NUL bytes', enc('token,x,y\na,1,2\n'));
    addSparse('sparse-3gb.json', 'a JSON array opening, then 3 GiB of NUL bytes', enc('[[1, 2], [3, 4], '));
    addSparse('sparse-3gb.bin', 'a word2vec header claiming 1 000 000 words of 1024, then 3 GiB of zeros', enc('1000000 1024\n'));
  }

  // ── JobSpecs (for `qklab run` and LabService.runJob) ──
  add('job-not-json.json', 'a JobSpec that is not JSON', '{"embeddings": {"path": "x.npy"},', 'jobspec');
  add('job-bad-field.json', 'a JobSpec with metric.tau = -1', JSON.stringify({ embeddings: { inline: { vectors: [[1, 0]] } }, metric: { id: 'rbf', tau: -1 } }), 'jobspec');
  add('job-unknown-field.json', 'a JobSpec with an unknown field', JSON.stringify({ embeddings: { inline: { vectors: [[1, 0]] } }, colour: 'red' }), 'jobspec');
  add('job-ragged-inline.json', 'a JobSpec whose inline rows are ragged', JSON.stringify({ embeddings: { inline: { vectors: [[1, 0], [1]] } } }), 'jobspec');
  add('job-deep.json', 'a JobSpec nested 100 000 levels deep', `{"embeddings": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`, 'jobspec');
  add(
    'job-tau-tiny.json',
    'a JobSpec with metric.tau = 1e-300 (scores overflow float32)',
    JSON.stringify({
      embeddings: {
        inline: {
          vectors: [
            [1, 0],
            [0, 1],
          ],
        },
      },
      metric: { id: 'cosine', tau: 1e-300 },
    }),
    'jobspec',
  );
  add(
    'job-tau-overflow-data.json',
    'a JobSpec whose τ = 1e-37 is fine alone but overflows float32 with its data (|q·k| = 100)',
    JSON.stringify({
      embeddings: {
        inline: {
          vectors: [
            [10, 0],
            [0, 10],
          ],
        },
      },
      metric: { id: 'dot', scale: 'tau', tau: 1e-37 },
    }),
    'jobspec',
  );
  add(
    'job-nul-token.json',
    'a JobSpec whose inline token holds a NUL',
    JSON.stringify({
      embeddings: {
        inline: {
          tokens: ['a', 'b\u0000'],
          vectors: [
            [1, 0],
            [0, 1],
          ],
        },
      },
    }),
    'jobspec',
  );
  add('job-inline-50mb.json', 'a 50 MB JobSpec of inline vectors', inlineJob(50 * 2 ** 20), 'jobspec');
  add('job-missing-file.json', 'a JobSpec naming a file that does not exist', JSON.stringify({ embeddings: { path: 'no-such-file.npy' } }), 'jobspec');
  return list;
}

/**
 * Writes the corpus into `dir` (created if missing); returns the manifest entries.
 * `sparse: false` leaves out the 3 GB sparse files (for file systems without sparse files).
 */
export function makeBadCorpus(dir, options = {}) {
  mkdirSync(dir, { recursive: true });
  const manifest = [];
  for (const e of entries(options)) {
    const path = join(dir, e.name);
    if (e.sparse) {
      const fd = openSync(path, 'w');
      try {
        if (e.bytes.length) writeSync(fd, e.bytes, 0, e.bytes.length, 0);
        ftruncateSync(fd, e.sparse);
      } finally {
        closeSync(fd);
      }
    } else {
      writeFileSync(path, e.bytes);
    }
    manifest.push({ name: e.name, kind: e.kind, what: e.what, size: e.sparse ?? e.bytes.length, ...(e.sparse ? { sparse: true } : {}) });
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  return manifest;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const here = fileURLToPath(new URL('.', import.meta.url));
  const dir = resolve(args.find((a) => !a.startsWith('--')) ?? join(here, '..', 'tests', 'fixtures', 'bad'));
  const manifest = makeBadCorpus(dir, { sparse: !args.includes('--no-sparse') });
  const sparse = manifest.filter((m) => m.sparse).length;
  console.log(`wrote ${manifest.length} bad inputs (${sparse} sparse 3 GiB files, no disk used) to ${dir}`);
}
