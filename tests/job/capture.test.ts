/**
 * `capture` in the JobSpec: the fields it replaces, and what it resolves to. Expected
 * weights come from numpy (scripts/make-capture-fixtures.py), through the float64 reference.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../src-shared/formats';
import { readCapture } from '../../src-shared/formats/captures';
import { capturePattern, captureKey, fileRefs, resolveJob, type FileTable } from '../../src-shared/job/resolve';
import { JobSpecError, parseJobSpec, type JobSpec } from '../../src-shared/job/spec';
import { referenceAttention } from '../../src-shared/reference/attention';

const DIR = join(__dirname, '..', 'fixtures', 'captures');
interface Expected {
  tokens: string[] | null;
  layers: Record<string, { shape: [number, number, number]; dotWeights: number[] }>;
}
const EXPECTED = JSON.parse(readFileSync(join(DIR, 'captures.json'), 'utf8')) as Record<string, Expected>;

async function table(file: string, layer: number): Promise<FileTable> {
  const capture = await readCapture(bytesSource(file, new Uint8Array(readFileSync(join(DIR, file)))), layer);
  return new Map([[captureKey(file, layer), capture]]);
}

function jobError(run: () => unknown): JobSpecError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(JobSpecError);
    return e as JobSpecError;
  }
  throw new Error('expected a JobSpecError');
}

const causal: JobSpec = { mask: [{ id: 'causal' }] };

describe('capture in the JobSpec', () => {
  it('takes a path, a layer and optional heads, and lists the file for loading', () => {
    const job = parseJobSpec({ capture: { path: 'caps.safetensors', layer: 3, heads: [0, 5] } });
    expect(job.capture).toEqual({ path: 'caps.safetensors', layer: 3, heads: [0, 5] });
    expect(fileRefs(job)).toEqual([{ key: captureKey('caps.safetensors', 3), path: 'caps.safetensors', field: 'capture.path', capture: { layer: 3 } }]);
  });

  it('giving embeddings, queries, keys, values, projection or heads too is an error naming capture', () => {
    for (const extra of [
      { embeddings: { path: 'e.npy' } },
      { queries: { path: 'q.npy' } },
      { keys: { path: 'k.npy' } },
      { values: { path: 'v.npy' } },
      { projection: { id: 'identity' } },
      { heads: 2 },
    ]) {
      const e = jobError(() => parseJobSpec({ capture: { path: 'caps.safetensors', layer: 0 }, ...extra }, 'job.json'));
      expect(e.field).toBe('capture');
      expect(e.message).toBe(
        `job.json: capture: a capture gives each head's q, k and v itself, so it cannot be combined with \`${Object.keys(extra)[0]}\`: remove it, or remove \`capture\``,
      );
    }
    const both = jobError(() => parseJobSpec({ capture: { path: 'c.npz', layer: 0 }, embeddings: { path: 'e.npy' }, heads: 2 }));
    expect(both.problem).toContain('cannot be combined with `embeddings`, `heads`: remove them');
  });

  it('checks its own fields: layer, heads, and no sinusoidal positions', () => {
    expect(jobError(() => parseJobSpec({ capture: { path: 'c.npz', layer: -1 } })).message).toBe('capture.layer: expected an integer ≥ 0, got -1');
    expect(jobError(() => parseJobSpec({ capture: { path: 'c.npz' } })).field).toBe('capture.layer');
    expect(jobError(() => parseJobSpec({ capture: { path: 'c.npz', layer: 0, heads: [1, 1] } })).message).toBe('capture.heads: expected each head at most once, got a list');
    expect(jobError(() => parseJobSpec({ capture: { path: 'c.npz', layer: 0, heads: [] } })).field).toBe('capture.heads');
    expect(jobError(() => parseJobSpec({ capture: { path: 'c.npz', layer: 0 }, position: { id: 'sinusoidal' } })).field).toBe('position');
  });
});

describe('resolving a capture', () => {
  it("TransformerLens layer 1, heads [0, 2]: the lab's dot + causal weights are numpy's, per head", async () => {
    const file = 'capture-tl.safetensors';
    const spec = parseJobSpec({ capture: { path: file, layer: 1, heads: [0, 2] }, ...causal });
    const files = await table(file, 1);
    const problem = resolveJob(spec, files);
    const [T, H, d] = EXPECTED[file].layers[1].shape;
    expect(problem.heads).toBe(2);
    expect([problem.q.rows, problem.q.cols, problem.k.cols, problem.v.cols]).toEqual([T, 2 * d, 2 * d, 2 * d]);
    expect(problem.metric).toEqual({ id: 'dot', c: 1 / Math.sqrt(d) });
    expect(problem.tokens).toEqual({ queries: EXPECTED[file].tokens, keys: EXPECTED[file].tokens });
    const weights = referenceAttention(problem).weights;
    const numpy = EXPECTED[file].layers[1].dotWeights;
    [0, 2].forEach((modelHead, h) => {
      for (let c = 0; c < T * T; c++) expect(Math.abs(weights[h * T * T + c] - numpy[modelHead * T * T + c])).toBeLessThan(1e-9);
    });
    expect(H).toBe(3);
    const model = capturePattern(spec, files)!;
    expect(model.heads).toEqual([0, 2]);
    expect(model.pattern.length).toBe(H * T * T);
  });

  it('generic names in a compressed .npz, every head', async () => {
    const file = 'capture-generic.npz';
    const problem = resolveJob(parseJobSpec({ capture: { path: file, layer: 0 }, ...causal }), await table(file, 0));
    const [T, H] = EXPECTED[file].layers[0].shape;
    expect(problem.heads).toBe(H);
    expect(problem.tokens).toEqual({ queries: null, keys: null });
    const weights = referenceAttention(problem).weights;
    EXPECTED[file].layers[0].dotWeights.forEach((w, c) => expect(Math.abs(weights[c] - w)).toBeLessThan(1e-9));
    expect(T).toBe(5);
  });

  it('a layer past the last names capture.layer and the count', async () => {
    const file = 'capture-tl.safetensors';
    const files = await table(file, 7);
    const error = jobError(() => resolveJob(parseJobSpec({ capture: { path: file, layer: 7 } }), files));
    expect(error.message).toBe('capture.layer: layer 7 is past the last layer of capture-tl.safetensors, which holds 2 layers (0–1)');
  });

  it('a head past the last names capture.heads.i and the count', async () => {
    const file = 'capture-tl.safetensors';
    const files = await table(file, 0);
    const error = jobError(() => resolveJob(parseJobSpec({ capture: { path: file, layer: 0, heads: [1, 3] } }), files));
    expect(error.message).toBe('capture.heads.1: head 3 is past the last head: layer 0 of capture-tl.safetensors has 3 heads (0–2)');
  });

  it('a capture table entry is not an embeddings file, nor the other way round', async () => {
    const file = 'capture-tl.safetensors';
    const files = await table(file, 0);
    expect(jobError(() => resolveJob(parseJobSpec({ capture: { path: file, layer: 1 } }), files)).message).toBe('capture.path: the file "capture-tl.safetensors" was not loaded');
  });
});
