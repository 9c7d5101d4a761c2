/**
 * A capture file opened in the app (issue #17 part 3): the Open… flow describes it as a
 * SourceInfo whose `capture` lists its layers; the model's pattern of one head of a run
 * comes back through modelPattern; a session naming the capture reopens it. Expected
 * numbers come from numpy (scripts/make-capture-fixtures.py), never from the code under test.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuPool } from '../../src-main/engine/pool';
import { LabService } from '../../src-main/service/lab-service';
import { ScriptedHost, tempDir, writeJsonEmbeddings, WORDS, openSource } from './helpers';

const FIXTURES = join(__dirname, '..', 'fixtures', 'captures');
interface Expected {
  tokens: string[] | null;
  layers: Record<string, { shape: [number, number, number]; dotWeights: number[]; cosineDivergence: number[] }>;
}
const EXPECTED = JSON.parse(readFileSync(join(FIXTURES, 'captures.json'), 'utf8')) as Record<string, Expected>;

let pool: CpuPool;
let tmp: ReturnType<typeof tempDir>;
let n = 0;

beforeAll(() => {
  pool = new CpuPool({ workers: 1, threadsPerWorker: 1, warmUp: false });
  tmp = tempDir('qklab-capture-open-');
  for (const name of ['capture-tl.safetensors', 'capture-generic.npz', 'capture-head-first.npz']) copyFileSync(join(FIXTURES, name), join(tmp.dir, name));
});

afterAll(async () => {
  await pool?.close();
  tmp?.cleanup();
});

async function makeService() {
  const host = new ScriptedHost(join(tmp.dir, `user-${++n}`));
  const service = await LabService.create({ host, backend: pool, version: '9.9.9' });
  return { host, service };
}

describe('opening a capture file', () => {
  it('the Open dialog gives a SourceInfo with the layers, heads, positions and d_head of the file', async () => {
    const { host, service } = await makeService();
    try {
      const path = join(tmp.dir, 'capture-tl.safetensors');
      host.opens.push(path);
      const info = await openSource(service, {});
      const [T, H, d] = EXPECTED['capture-tl.safetensors'].layers[0].shape;
      expect(info).toMatchObject({ path, name: 'capture-tl.safetensors', T, d: H * d, shape: [T, H, d], vocabulary: false, tokens: EXPECTED['capture-tl.safetensors'].tokens });
      expect(info!.capture).toEqual({ naming: 'transformer-lens', layers: [0, 1], layer: 0, heads: H, Tq: T, Tk: T, dHead: d, dv: d, pattern: true });
      expect(info!.dtype).toBe('F32');
      expect(info!.sha256).toMatch(/^[0-9a-f]{64}$/);
      // a capture has no vocabulary to look a sentence up in
      await expect(service.lookupSentence({ sourceId: info!.id, sentence: 'the cat' })).rejects.toThrow(/capture-tl\.safetensors is a capture file/);
    } finally {
      await service.close();
    }
  });

  it('an .npz with generic names opens as a capture too; an embeddings file stays embeddings', async () => {
    const { service } = await makeService();
    try {
      const path = join(tmp.dir, 'capture-generic.npz');
      await service.grantDroppedPath({ path });
      const info = await openSource(service, { path });
      const [T, H, d] = EXPECTED['capture-generic.npz'].layers[0].shape;
      expect(info!.capture).toMatchObject({ naming: 'generic', layers: [0], heads: H, Tq: T, Tk: T, dHead: d, pattern: true });
      expect(info!.tokens).toBeNull();

      const json = join(tmp.dir, 'plain.json');
      writeJsonEmbeddings(json, WORDS, 4);
      await service.grantDroppedPath({ path: json });
      expect((await openSource(service, { path: json }))!.capture).toBeUndefined();
    } finally {
      await service.close();
    }
  });

  it('a capture in the [head, pos, d_head] layout is refused with the message naming the file and the tensor', async () => {
    const { service } = await makeService();
    try {
      const path = join(tmp.dir, 'capture-head-first.npz');
      await service.grantDroppedPath({ path });
      await expect(service.openEmbeddings({ path })).rejects.toThrow(/capture-head-first\.npz.*looks like \[head, pos, d_head\]/);
    } finally {
      await service.close();
    }
  });
});

describe('modelPattern', () => {
  it("gives the model's pattern of the head asked (numpy's causal softmax of q·kᵀ/√d), of the heads the capture lists", async () => {
    const { service } = await makeService();
    try {
      const path = join(tmp.dir, 'capture-tl.safetensors');
      await service.grantDroppedPath({ path });
      await service.runJob({ runId: 'all', job: { capture: { path, layer: 1 }, mask: [{ id: 'causal' }] } });
      const expected = EXPECTED['capture-tl.safetensors'].layers[1];
      const [T] = expected.shape;
      const reply = await service.modelPattern({ runId: 'all', head: 2 });
      expect(reply).toMatchObject({ runId: 'all', head: 2, modelHead: 2, layer: 1, Tq: T, Tk: T });
      expect(reply.weights).toHaveLength(T * T);
      // the file's pattern is numpy's float64 causal softmax stored as float32
      expected.dotWeights.slice(2 * T * T, 3 * T * T).forEach((w, c) => expect(Math.abs(reply.weights[c] - w)).toBeLessThan(1e-6));

      await service.runJob({ runId: 'some', job: { capture: { path, layer: 1, heads: [2, 0] }, mask: [{ id: 'causal' }] } });
      const listed = await service.modelPattern({ runId: 'some', head: 1 });
      expect(listed.modelHead).toBe(0);
      expected.dotWeights.slice(0, T * T).forEach((w, c) => expect(Math.abs(listed.weights[c] - w)).toBeLessThan(1e-6));
      await expect(service.modelPattern({ runId: 'some', head: 2 })).rejects.toThrow(/modelPattern: head: the run has 2 heads \(0–1\), got 2/);
    } finally {
      await service.close();
    }
  });

  it('a run that read no capture, or one no longer kept, is a message', async () => {
    const { service } = await makeService();
    try {
      await service.runJob({
        runId: 'plain',
        job: {
          embeddings: {
            inline: {
              vectors: [
                [1, 0],
                [0, 1],
              ],
            },
          },
        },
      });
      await expect(service.modelPattern({ runId: 'plain', head: 0 })).rejects.toThrow(/did not read a capture file/);
      await expect(service.modelPattern({ runId: 'nope', head: 0 })).rejects.toThrow(/no longer available/);
    } finally {
      await service.close();
    }
  });
});

describe('the layers and heads experiments through the service', () => {
  it("layers reads every layer of the granted capture (one run each, progress to 1); heads runs the job's layer once", async () => {
    const progress: number[] = [];
    const host = new ScriptedHost(join(tmp.dir, `user-${++n}`));
    const service = await LabService.create({
      host,
      backend: pool,
      version: '9.9.9',
      onProgress: (e) => e.runId === 'layers' && e.stage === 'computing' && progress.push(e.fraction),
    });
    try {
      const path = join(tmp.dir, 'capture-tl.safetensors');
      const job = { capture: { path, layer: 1 }, mask: [{ id: 'causal' }] };
      await expect(service.runExperiment({ runId: 'no', name: 'layers', job, options: {} })).rejects.toThrow(/capture\.path: QK Lab will not read/);
      await service.grantDroppedPath({ path });
      const reply = await service.runExperiment({ runId: 'layers', name: 'layers', job, options: {} });
      expect(reply.timing.runs).toBe(2);
      expect(reply.result.layers).toEqual([0, 1]);
      expect(reply.result.meanEntropy.map((r) => r.length)).toEqual([3, 3]);
      expect(progress.at(-1)).toBe(1);
      const heads = await service.runExperiment({ runId: 'heads', name: 'heads', job, options: {} });
      expect(heads.timing.runs).toBe(1);
      expect(heads.result.divergence).toHaveLength(3);
      expect(heads.result.divergence[1][1]).toBe(0);
    } finally {
      await service.close();
    }
  });
});

describe('sessions', () => {
  it('a session naming a capture reopens it as a source with its layers, its sha256 checked', async () => {
    const { host, service } = await makeService();
    try {
      const path = join(tmp.dir, 'capture-tl.safetensors');
      await service.grantDroppedPath({ path });
      const job = { capture: { path, layer: 1 }, mask: [{ id: 'causal' }] };
      const target = join(tmp.dir, 'caps.qklab');
      host.saves.push(target);
      await service.saveSession({ session: { job, view: {} }, saveAs: true });
      const again = await makeService();
      try {
        again.host.opens.push(target);
        const opened = await again.service.openSession({});
        expect(opened!.warnings).toEqual([]);
        expect(opened!.sources).toHaveLength(1);
        expect(opened!.sources[0]).toMatchObject({ path, capture: { layers: [0, 1] } });
        expect((await again.service.runJob({ runId: 'r', job: opened!.session.job })).result.modelDivergence).toHaveLength(3);
      } finally {
        await again.service.close();
      }
    } finally {
      await service.close();
    }
  });
});
