import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvField, exportData, headCsv, matrixNpy, resultJsonText } from '../../src-main/service/export/data-export';
import { SENTENCE, longRun, randomResult, sentenceResult } from '../charts/helpers';

/** RFC 4180, read back: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    if (quoted) {
      if (c === '"' && text[k + 1] === '"') {
        field += '"';
        k++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[k + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      k++;
    } else field += c;
  }
  if (field || row.length) throw new Error('CSV does not end with CRLF');
  return rows;
}

describe('CSV of one head', () => {
  const r = sentenceResult();

  it('has the key tokens across, the query tokens down, and numbers that read back to the same float32', () => {
    const rows = parseCsv(headCsv(r, { queries: SENTENCE, keys: SENTENCE }, 0));
    expect(rows).toHaveLength(7);
    // the second "the" is numbered (tested below)
    const named = ['the', 'cat', 'sat', 'on', 'the#2', 'mat'];
    expect(rows[0]).toEqual(['query\\key', ...named]);
    for (let i = 0; i < 6; i++) {
      expect(rows[i + 1][0]).toBe(named[i]);
      for (let j = 0; j < 6; j++) expect(Math.fround(Number(rows[i + 1][j + 1]))).toBe(r.weights![i * 6 + j]);
    }
  });

  it('quotes tokens with commas, quotes and line breaks (RFC 4180) and they parse back whole', () => {
    const odd = [',', '"hi"', 'a,b', 'line\nbreak', 'plain', ' '];
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('"hi"')).toBe('"""hi"""');
    expect(csvField('plain')).toBe('plain');
    const rows = parseCsv(headCsv(r, { queries: odd, keys: odd }, 0));
    expect(rows[0].slice(1)).toEqual(odd);
    expect(rows.slice(1).map((row) => row[0])).toEqual(odd);
    expect(rows.every((row) => row.length === 7)).toBe(true);
  });

  it('numbers the rows and columns without tokens; blocked scores are empty cells', () => {
    const rows = parseCsv(headCsv(r, { queries: null, keys: null }, 0, 'scores'));
    expect(rows[0]).toEqual(['query\\key', '0', '1', '2', '3', '4', '5']);
    expect(rows[1].slice(1)).toEqual([rows[1][1], '', '', '', '', '']);
    expect(Number(rows[6][6])).toBeCloseTo(r.scores![35], 6);
  });

  it('writes the focused head of a multi-head result', () => {
    const m = randomResult(4, { heads: 3 });
    const rows = parseCsv(headCsv(m, { queries: null, keys: null }, 2));
    expect(Math.fround(Number(rows[1][1]))).toBe(m.weights![2 * 16]);
  });
});

describe('NPY of all heads', () => {
  const m = randomResult(5, { heads: 3, masks: [{ id: 'causal', offset: 0 }] });

  it('is an H×Tq×Tk little-endian float32 array', () => {
    const npy = matrixNpy(m);
    expect(Array.from(npy.subarray(0, 6))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
    const headerLen = npy[8] | (npy[9] << 8);
    const header = new TextDecoder().decode(npy.subarray(10, 10 + headerLen));
    expect(header).toContain("'descr': '<f4'");
    expect(header).toContain("'shape': (3, 5, 5)");
    expect((10 + headerLen) % 64).toBe(0);
    const data = new Float32Array(npy.slice(10 + headerLen).buffer);
    // masked pairs (−∞ scores) are NaN, every other weight as computed
    expect(Array.from(data, (x, k) => (m.scores![k] === -Infinity ? (Number.isNaN(x) ? 'NaN' : x) : x))).toEqual(
      Array.from(m.weights!, (x, k) => (m.scores![k] === -Infinity ? 'NaN' : x)),
    );
  });

  it('numpy loads it and agrees, weights and scores (−inf where blocked)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qklab-npy-'));
    writeFileSync(join(dir, 'w.npy'), matrixNpy(m));
    writeFileSync(join(dir, 's.npy'), matrixNpy(m, 'scores'));
    const script = [
      'import json, sys, numpy as np',
      `w = np.load(${JSON.stringify(join(dir, 'w.npy'))})`,
      `s = np.load(${JSON.stringify(join(dir, 's.npy'))})`,
      'print(json.dumps({"shape": list(w.shape), "dtype": str(w.dtype), "w": [float(x) for x in np.nan_to_num(w, nan=0.0).ravel()], "rowsums": [float(x) for x in np.nansum(w, axis=2).ravel()], "nan": int(np.isnan(w).sum()), "neginf": int(np.isneginf(s).sum())}))',
    ].join('\n');
    const out = JSON.parse(execFileSync('python3', ['-c', script], { encoding: 'utf8' }));
    expect(out.shape).toEqual([3, 5, 5]);
    expect(out.dtype).toBe('float32');
    expect(out.w).toEqual(Array.from(m.weights!));
    for (const s of out.rowsums) expect(s).toBeCloseTo(1, 5);
    // causal on 5×5: 10 blocked pairs per head
    expect(out.neginf).toBe(30);
    expect(out.nan).toBe(30);
  });
});

describe('JSON of the full result', () => {
  it('is resultToJson plus the tokens (and whatever the caller adds), blocked scores as null', () => {
    const r = sentenceResult();
    const json = JSON.parse(resultJsonText(r, { queries: SENTENCE, keys: SENTENCE }, { caption: 'c' }));
    expect(json.tokens).toEqual({ queries: SENTENCE, keys: SENTENCE });
    expect(json.caption).toBe('c');
    expect([json.Tq, json.Tk]).toEqual([6, 6]);
    expect(json.heads).toHaveLength(1);
    expect(json.heads[0].weights[2].map(Math.fround)).toEqual(Array.from(r.weights!.subarray(12, 18)));
    expect(json.heads[0].scores[0].slice(1)).toEqual([null, null, null, null, null]);
    expect(json.heads[0].entropy).toHaveLength(6);
  });

  it('exportData picks the format', () => {
    const r = sentenceResult();
    const t = { queries: SENTENCE, keys: SENTENCE };
    expect(exportData(r, t, 'csv')).toBe(headCsv(r, t, 0));
    expect(exportData(r, t, 'npy')).toEqual(matrixNpy(r));
    expect(JSON.parse(exportData(r, t, 'json') as string).tokens).toEqual(t);
    expect(() => exportData(r, t, 'xlsx' as never)).toThrow(/csv, npy or json/);
  });
});

describe('masked pairs and repeated tokens in the data exports', () => {
  // "the cat sat on the mat" under causal: query i sees keys 0…i
  const r = sentenceResult();
  const t = { queries: SENTENCE, keys: SENTENCE };

  it('CSV of a causal job’s weights: masked cells are empty, visible ones hold their weight (0 stays 0)', () => {
    const rows = parseCsv(headCsv(r, t, 0));
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 6; j++) {
        if (j > i) expect(rows[i + 1][j + 1]).toBe('');
        else expect(Math.fround(Number(rows[i + 1][j + 1]))).toBe(r.weights![i * 6 + j]);
      }
    }
  });

  it('a token that repeats is numbered in the CSV header and rows: the, the#2', () => {
    const rows = parseCsv(headCsv(r, t, 0));
    expect(rows[0]).toEqual(['query\\key', 'the', 'cat', 'sat', 'on', 'the#2', 'mat']);
    expect(rows.slice(1).map((row) => row[0])).toEqual(['the', 'cat', 'sat', 'on', 'the#2', 'mat']);
  });

  it('NPY of a causal job’s weights: NaN where masked, the weights elsewhere', () => {
    const npy = matrixNpy(r);
    const headerLen = npy[8] | (npy[9] << 8);
    const data = new Float32Array(npy.slice(10 + headerLen).buffer);
    for (let i = 0; i < 6; i++)
      for (let j = 0; j < 6; j++) {
        if (j > i) expect(data[i * 6 + j]).toBeNaN();
        else expect(data[i * 6 + j]).toBe(r.weights![i * 6 + j]);
      }
  });
});

describe('a run that kept only the pooled overview', () => {
  const pooled = longRun(2048, 512).result;

  it('CSV: one row and column per block, named by its token range, holding the overview', () => {
    const rows = parseCsv(exportData(pooled, { queries: null, keys: null }, 'csv') as string);
    expect(rows).toHaveLength(513);
    expect(rows[0].slice(0, 3)).toEqual(['query\\key', '0–3', '4–7']);
    expect(rows[512][0]).toBe('2044–2047');
    expect(Math.fround(Number(rows[2][3]))).toBe(pooled.overview!.data[1 * 512 + 2]);
  });

  it('NPY: H×rows×cols of the overview', () => {
    const npy = exportData(pooled, { queries: null, keys: null }, 'npy') as Uint8Array;
    const headerLen = npy[8] | (npy[9] << 8);
    expect(new TextDecoder().decode(npy.subarray(10, 10 + headerLen))).toContain(`'shape': (${pooled.heads}, 512, 512)`);
  });
});
