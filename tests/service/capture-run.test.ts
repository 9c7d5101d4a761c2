/**
 * Captures through the service, as `qklab run job.json` and the app run them: loaded through
 * the grants and the file cache, resolved, computed on the real CpuPool, with each head's
 * modelDivergence beside the weights. Expected numbers come from numpy
 * (scripts/make-capture-fixtures.py) or from the float64 reference, never from the code
 * under test.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuPool } from '../../src-main/engine/pool';
import { CliService } from '../../src-main/cli/cli-service';
import { withRunFlags } from '../../src-main/cli/run-command';
import { LabService } from '../../src-main/service/lab-service';
import { resultToJson } from '../../src-main/service/result-json';
import type { AttentionProblem } from '../../src-shared/job/problem';
import { matrix } from '../../src-shared/linalg/matrix';
import { gaussianMatrix } from '../../src-shared/random';
import { referenceAttention } from '../../src-shared/reference';
import { ScriptedHost, tempDir, writeJobFile } from './helpers';

const FIXTURES = join(__dirname, '..', 'fixtures', 'captures');
interface Expected {
  tokens: string[] | null;
  layers: Record<string, { shape: [number, number, number]; dotWeights: number[]; dotDivergence: number[]; cosineDivergence: number[] }>;
}
const EXPECTED = JSON.parse(readFileSync(join(FIXTURES, 'captures.json'), 'utf8')) as Record<string, Expected>;

let pool: CpuPool;
let tmp: ReturnType<typeof tempDir>;

beforeAll(() => {
  pool = new CpuPool({ workers: 1, threadsPerWorker: 1, warmUp: false });
  tmp = tempDir('qklab-capture-');
  for (const name of ['capture-tl.safetensors', 'capture-generic.npz']) copyFileSync(join(FIXTURES, name), join(tmp.dir, name));
});

afterAll(async () => {
  await pool?.close();
  tmp?.cleanup();
});

/** A job file beside the captures; returns its path. */
const jobFile = (name: string, job: unknown) => writeJobFile(tmp.dir, name, job);

async function runJob(job: unknown, name = 'job.json') {
  const path = jobFile(name, job);
  const finished = await new CliService(pool).run(job, path);
  return { finished, json: resultToJson(finished.run.result) };
}

describe('a capture as the source of a run', () => {
  it("dot with its default 1/√d_head and the model's causal mask re-scores the model's own way: modelDivergence < 1e-6", async () => {
    const file = 'capture-tl.safetensors';
    const { finished, json } = await runJob({ capture: { path: file, layer: 1 }, mask: [{ id: 'causal' }] });
    const expected = EXPECTED[file].layers[1];
    const [T, H] = expected.shape;
    expect(json.heads).toHaveLength(H);
    for (const head of json.heads) expect(head.modelDivergence as number).toBeLessThan(1e-6);
    const weights = finished.run.result.weights!;
    expected.dotWeights.forEach((w, c) => expect(Math.abs(weights[c] - w)).toBeLessThan(1e-5));
    expect(finished.problem.tokens.keys).toEqual(EXPECTED[file].tokens);
    expect(T).toBe(6);
  });

  it("cosine gives a clearly larger modelDivergence, numpy's to 1e-5, for the heads asked, in their order", async () => {
    const file = 'capture-tl.safetensors';
    const { json } = await runJob({ capture: { path: file, layer: 0, heads: [2, 0] }, metric: { id: 'cosine' }, mask: [{ id: 'causal' }] });
    const numpy = EXPECTED[file].layers[0].cosineDivergence;
    expect(json.heads.map((h) => h.modelDivergence)).toHaveLength(2);
    [2, 0].forEach((modelHead, h) => {
      const got = json.heads[h].modelDivergence as number;
      expect(Math.abs(got - numpy[modelHead])).toBeLessThan(1e-5);
      expect(got).toBeGreaterThan(1e-3);
    });
  });

  it('a compressed .npz with generic names runs the same way', async () => {
    const file = 'capture-generic.npz';
    const { json } = await runJob({ capture: { path: file, layer: 0 }, mask: [{ id: 'causal' }] });
    expect(json.heads).toHaveLength(EXPECTED[file].layers[0].shape[1]);
    for (const head of json.heads) expect(head.modelDivergence as number).toBeLessThan(1e-6);
  });

  it("a recurrence's rows of A that are not distributions are left out of modelDivergence, never NaN", async () => {
    const { finished, json } = await runJob({ capture: { path: 'capture-tl.safetensors', layer: 0 }, recurrence: { id: 'retention' }, mask: [{ id: 'causal' }] });
    const r = finished.run.result;
    expect(r.nonDistributionRows!.some((n) => n > 0)).toBe(true);
    json.heads.forEach((head, h) => {
      const d = head.modelDivergence as number | null;
      // signed rows of A are skipped; a head whose rows are all skipped has none to compare
      if (r.nonDistributionRows![h] === r.Tq) expect(d).toBeNull();
      else expect(Number.isFinite(d)).toBe(true);
    });
  });

  it('no weights asked for, no modelDivergence (it is computed from them)', async () => {
    const { json } = await runJob({ capture: { path: 'capture-tl.safetensors', layer: 0 }, outputs: ['entropy'] });
    expect(json.heads[0].modelDivergence).toBeUndefined();
  });

  it('errors name the job file and the field: capture with embeddings, a layer past the last, a head past the last', async () => {
    const cli = new CliService(pool);
    const path = jobFile('bad.json', {});
    const both = { capture: { path: 'capture-tl.safetensors', layer: 0 }, embeddings: { path: 'e.npy' } };
    await expect(cli.run(both, path)).rejects.toThrow(`${path}: capture: a capture gives each head's q, k and v itself, so it cannot be combined with \`embeddings\``);
    await expect(cli.run({ capture: { path: 'capture-tl.safetensors', layer: 2 } }, path)).rejects.toThrow(
      `${path}: capture.layer: layer 2 is past the last layer of capture-tl.safetensors, which holds 2 layers (0–1)`,
    );
    await expect(cli.run({ capture: { path: 'capture-tl.safetensors', layer: 0, heads: [0, 3] } }, path)).rejects.toThrow(
      `${path}: capture.heads.1: head 3 is past the last head: layer 0 of capture-tl.safetensors has 3 heads (0–2)`,
    );
  });

  it('a truncated capture is a message naming the file', async () => {
    const bytes = readFileSync(join(FIXTURES, 'capture-generic.npz'));
    writeFileSync(join(tmp.dir, 'cut.npz'), bytes.subarray(0, bytes.length - 40));
    const path = jobFile('cut.json', {});
    await expect(new CliService(pool).run({ capture: { path: 'cut.npz', layer: 0 } }, path)).rejects.toThrow(
      'cut.npz: cannot read the zip directory (invalid zip data): the file is truncated or is not a .npz archive',
    );
  });

  it('--layer overrides capture.layer, and is an error for a job without a capture', () => {
    const usage = (m: string) => new Error(m);
    expect(withRunFlags({ capture: { path: 'c.npz', layer: 0, heads: [1] } }, { layer: 3 }, 'job.json', usage)).toEqual({ capture: { path: 'c.npz', layer: 3, heads: [1] } });
    expect(withRunFlags({ capture: { path: 'c.npz', layer: 0 } }, { backend: 'wasm' }, 'job.json', usage)).toEqual({ capture: { path: 'c.npz', layer: 0 }, backend: 'wasm' });
    expect(() => withRunFlags({ embeddings: { path: 'e.npy' } }, { layer: 1 }, 'job.json', usage)).toThrow('--layer picks a capture\'s layer, but job.json has no "capture"');
  });

  it('in the app a capture path is confined like any JobSpec path, and the reply carries modelDivergence', async () => {
    const service = await LabService.create({ host: new ScriptedHost(join(tmp.dir, 'user')), backend: pool, version: '9.9.9' });
    try {
      const path = join(tmp.dir, 'capture-tl.safetensors');
      await expect(service.runJob({ runId: 'x', job: { capture: { path, layer: 0 } } })).rejects.toThrow(/^capture\.path: QK Lab will not read/);
      await service.grantDroppedPath({ path });
      const reply = await service.runJob({ runId: 'y', job: { capture: { path, layer: 0 }, mask: [{ id: 'causal' }] } });
      expect(reply.result.modelDivergence).toHaveLength(3);
      for (const d of reply.result.modelDivergence!) expect(d!).toBeLessThan(1e-6);
    } finally {
      await service.close();
    }
  });
});

/** safetensors bytes, written here: 8-byte little-endian header length, JSON header, raw F32 data. */
function safetensors(tensors: Record<string, { shape: number[]; data: Float32Array }>): Uint8Array {
  const header: Record<string, unknown> = {};
  let at = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [at, at + t.data.byteLength] };
    at += t.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header).padEnd(8 * Math.ceil(JSON.stringify(header).length / 8), ' '));
  const out = new Uint8Array(8 + json.length + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let offset = 8 + json.length;
  for (const t of Object.values(tensors)) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), offset);
    offset += t.data.byteLength;
  }
  return out;
}

describe('a capture at scale', () => {
  it('1 layer × 12 heads × 2048 positions × d_head 64 through the service: weights equal the float64 reference', async () => {
    const [T, H, d] = [2048, 12, 64];
    const tensor = (role: string) => ({ shape: [T, H, d], data: Float32Array.from(gaussianMatrix(5, `capture-scale/${role}`, T, H * d, 1)) });
    const q = tensor('q');
    const k = tensor('k');
    const v = tensor('v');
    writeFileSync(join(tmp.dir, 'big.safetensors'), safetensors({ 'blocks.0.attn.hook_q': q, 'blocks.0.attn.hook_k': k, 'blocks.0.attn.hook_v': v }));
    const { finished } = await runJob({ capture: { path: 'big.safetensors', layer: 0 }, mask: [{ id: 'causal' }], outputs: ['weights'] }, 'big.json');
    const r = finished.run.result;
    expect([r.heads, r.Tq, r.Tk]).toEqual([H, T, T]);
    // no pattern in the file: nothing to compare with
    expect(r.modelDivergence).toBeUndefined();

    // the float64 reference on a sample of query rows (a custom mask keeps each one's causal keys):
    // [pos, head, d_head] written from JS is the lab's pos × (head·d_head), so the reference reads the same arrays
    const rows = Array.from({ length: 48 }, (_, n) => Math.min(T - 1, n * 43 + (n % 5)));
    const sampledQ = new Float32Array(rows.length * H * d);
    rows.forEach((i, n) => sampledQ.set(q.data.subarray(i * H * d, (i + 1) * H * d), n * H * d));
    const allowed = new Uint8Array(rows.length * T);
    rows.forEach((i, n) => allowed.fill(1, n * T, n * T + i + 1));
    const problem: AttentionProblem = {
      heads: H,
      q: matrix(rows.length, H * d, sampledQ),
      k: matrix(T, H * d, k.data),
      v: matrix(T, H * d, v.data),
      metric: { id: 'dot', c: 1 / Math.sqrt(d) },
      masks: [{ id: 'custom', allowed }],
      normalizer: 'softmax',
      outputs: ['weights'],
      topk: 1,
      tokens: { queries: null, keys: null },
    };
    const reference = referenceAttention(problem).weights;
    let worst = 0;
    for (let h = 0; h < H; h++) {
      rows.forEach((i, n) => {
        for (let j = 0; j < T; j++) worst = Math.max(worst, Math.abs(r.weights![(h * T + i) * T + j] - reference[(h * rows.length + n) * T + j]));
      });
    }
    expect(worst).toBeLessThan(1e-5);
  }, 240_000);
});
