/**
 * LabService.runExperiment with the real CpuPool: each experiment through the service (and
 * through the validating dispatcher, as IPC calls it), progress as ProgressEvents with the
 * run id, cancellation by cancelJob, replies that survive structured cloning, files confined
 * to the paths the user opened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { CpuPool } from '../../src-main/engine/pool';
import { LabService } from '../../src-main/service/lab-service';
import { dispatch, serviceOperations } from '../../src-main/service/dispatch';
import type { ExperimentReplyOf, ProgressEvent } from '../../src-shared/api/lab-api';
import type { JobSpec } from '../../src-shared/job/spec';
import { resolveJob } from '../../src-shared/job/resolve';
import { parseJobSpec } from '../../src-shared/job/spec';
import { referenceAttention } from '../../src-shared/reference';
import { ScriptedHost, WORDS, tempDir, writeJsonEmbeddings, writeNpyEmbeddings } from './helpers';

let pool: CpuPool;
let tmp: ReturnType<typeof tempDir>;
let n = 0;

beforeAll(() => {
  pool = new CpuPool({ workers: 1, threadsPerWorker: 1 });
  tmp = tempDir('qklab-exp-');
});
afterAll(async () => {
  await pool.close();
  tmp.cleanup();
});

async function makeService(progress: ProgressEvent[] = []) {
  const host = new ScriptedHost(join(tmp.dir, `user-${++n}`));
  const service = await LabService.create({ host, backend: pool, onProgress: (e) => progress.push(e) });
  return { host, service, progress };
}

const inline: JobSpec = {
  embeddings: { inline: { tokens: WORDS, vectors: WORDS.map((_, i) => [Math.cos(i), Math.sin(i), 0.1 * i, 1]) } },
  metric: { id: 'cosine', tau: 0.5 },
  mask: [{ id: 'causal' }],
};

describe('LabService.runExperiment', () => {
  it('scaling: rows per dim, progress events under the run id, the engine as backend', async () => {
    const { service, progress } = await makeService();
    const reply = (await service.runExperiment({ runId: 'sc-1', name: 'scaling', options: { dims: [16, 256], n: 16, trials: 2, seed: 0 } })) as ExperimentReplyOf<'scaling'>;
    expect(reply).toMatchObject({ runId: 'sc-1', name: 'scaling' });
    expect(reply.result.rows.map((r) => r.dim)).toEqual([16, 256]);
    expect(reply.result.rows[1].unscaled).toBeLessThan(reply.result.rows[1].scaled);
    expect(reply.backend).toMatch(/^native CPU \(/);
    expect(reply.timing.runs).toBe(8);
    const mine = progress.filter((e) => e.runId === 'sc-1' && e.stage === 'computing');
    expect(mine.at(-1)?.fraction).toBe(1);
    expect(mine.length).toBeGreaterThanOrEqual(9);
  });

  it('temperature over a file the user opened: loading then computing, the reference entropies', async () => {
    const { host, service, progress } = await makeService();
    const path = join(tmp.dir, 'words.json');
    const vectors = writeJsonEmbeddings(path, WORDS, 8);
    host.opens.push(path);
    await service.openEmbeddings({});
    const job: JobSpec = { embeddings: { path }, metric: { id: 'rbf' }, heads: 2 };
    const reply = (await service.runExperiment({ runId: 'temp-1', name: 'temperature', job, options: { taus: [1, 4] } })) as ExperimentReplyOf<'temperature'>;
    const ref = referenceAttention(resolveJob(parseJobSpec({ embeddings: { inline: { vectors } }, metric: { id: 'rbf', tau: 4 }, heads: 2 })));
    for (let h = 0; h < 2; h++) expect(Math.abs(reply.result.rows[1].entropy[h] - ref.meanEntropy[h])).toBeLessThan(1e-4);
    expect(reply.result.tokens.queries).toEqual(WORDS);
    const stages = progress.filter((e) => e.runId === 'temp-1').map((e) => e.stage);
    expect(stages[0]).toBe('loading');
    expect(stages.at(-1)).toBe('computing');
  });

  it('refuses a JobSpec file the user did not open, naming the field', async () => {
    const { service } = await makeService();
    const path = join(tmp.dir, 'secret.json');
    writeJsonEmbeddings(path, WORDS, 4);
    await expect(service.runExperiment({ runId: 'x', name: 'geometry', job: { embeddings: { path } }, options: { query: 0 } })).rejects.toThrow(/^embeddings: /);
  });

  it('compare, geometry, decoding, knn through the dispatcher (as IPC calls them); replies survive structured cloning', async () => {
    const { service } = await makeService();
    const ops = serviceOperations(service);
    const compare = await dispatch(ops, 'runExperiment', { runId: 'c', name: 'compare', job: inline, options: { metrics: ['dot', 'cosine'], k: 2 } });
    const geometry = await dispatch(ops, 'runExperiment', { runId: 'g', name: 'geometry', job: inline, options: { query: 3 } });
    const decoding = await dispatch(ops, 'runExperiment', { runId: 'd', name: 'decoding', job: inline, options: { steps: 4 } });
    const knn = await dispatch(ops, 'runExperiment', { runId: 'k', name: 'knn', job: inline, options: { query: 5, k: 3 } });
    for (const e of [compare, geometry, decoding, knn]) expect(e.ok, JSON.stringify(e.ok ? '' : e.error)).toBe(true);
    if (!compare.ok || !geometry.ok || !decoding.ok || !knn.ok) return;
    const c = compare.value as ExperimentReplyOf<'compare'>;
    // the engine's results live on SharedArrayBuffers; the reply's must not (IPC cannot send them)
    for (const r of c.result.results) expect(r.weights!.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    const cloned = structuredClone(c);
    expect(Array.from(cloned.result.js[0][1])).toEqual(Array.from(c.result.js[0][1]));
    expect((geometry.value as ExperimentReplyOf<'geometry'>).result.arrows.map((a) => a.key)).toEqual([0, 1, 2, 3]);
    const d = decoding.value as ExperimentReplyOf<'decoding'>;
    expect(d.result.steps.length).toBe(4);
    expect(d.result.maxDiff).toBeLessThan(1e-6);
    const k = knn.value as ExperimentReplyOf<'knn'>;
    expect(k.result.keys.length).toBe(3);
    expect(k.result.visible).toBe(6);
    structuredClone(geometry.value);
    structuredClone(decoding.value);
  });

  it('the dispatcher refuses malformed requests before the service runs anything', async () => {
    const { service, progress } = await makeService();
    const ops = serviceOperations(service);
    const bad = await dispatch(ops, 'runExperiment', { runId: 'b', name: 'scaling', options: { dims: [64], n: 5000, trials: 1, seed: 0 } });
    expect(bad).toMatchObject({ ok: false, error: { name: 'RequestError' } });
    expect(bad.ok ? '' : bad.error.message).toMatch(/options\.n: expected a token count ≤ 4096/);
    const noJob = await dispatch(ops, 'runExperiment', { runId: 'b', name: 'knn', options: { query: 0, k: 1 } });
    expect(noJob.ok ? '' : noJob.error.message).toMatch(/job/);
    expect(progress).toEqual([]);
  });

  it('an option the job cannot satisfy is refused with the option named', async () => {
    const { service } = await makeService();
    await expect(service.runExperiment({ runId: 'q', name: 'knn', job: inline, options: { query: 99, k: 2 } })).rejects.toThrow(
      /options\.query: expected a query index from 0 to 7, got 99/,
    );
  });

  it('cancelJob stops an experiment between runs (AbortError), and the run id is free again', async () => {
    const { host, service, progress } = await makeService();
    const path = join(tmp.dir, `long-${++n}.npy`);
    writeNpyEmbeddings(path, 1500, 16, 5);
    host.opens.push(path);
    await service.openEmbeddings({});
    const job: JobSpec = { embeddings: { path }, metric: { id: 'laplacian' } };
    const running = service.runExperiment({ runId: 'doomed', name: 'temperature', job, options: { taus: [0.1, 0.2, 0.5, 1, 2, 5, 10, 20] } });
    while (!progress.some((e) => e.runId === 'doomed' && e.stage === 'computing')) await new Promise((r) => setTimeout(r, 5));
    await service.cancelJob({ runId: 'doomed' });
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    const again = await service.runExperiment({ runId: 'doomed', name: 'scaling', options: { dims: [8], n: 4, trials: 1, seed: 0 } });
    expect(again.name).toBe('scaling');
  });

  it('refuses a second experiment under a run id that is still running', async () => {
    const { service } = await makeService();
    const first = service.runExperiment({ runId: 'same', name: 'scaling', options: { dims: [512, 1024], n: 64, trials: 3, seed: 0 } });
    await expect(service.runExperiment({ runId: 'same', name: 'scaling', options: { dims: [8], n: 4, trials: 1, seed: 0 } })).rejects.toThrow(/already running/);
    await first;
  });
});
