/**
 * The job queue's promises kept on both of its executors: the wasm worker pool and the
 * WebGPU backend (against the in-process compute page, tests/engine/in-process-compute.ts).
 * A job cancelled mid-job, one whose executor fails under it mid-job, and one that fails
 * in its last tile (a kernel job with a negative score) all reject, and the memory of their
 * results goes to the next job of the same size — which still gives the reference's
 * numbers, zeros of the causal half included. (Before the queue was shared, the WebGPU
 * backend never recycled the memory of a job that failed.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuPool } from '../../src-main/engine/pool';
import { WebGpuBackend } from '../../src-main/engine/gpu-backend';
import { BackendLostError, CancelledError, EngineError, type Backend, type RunOptions } from '../../src-main/engine/backend';
import { resolveJob } from '../../src-shared/job/resolve';
import { parseJobSpec, type JobSpec } from '../../src-shared/job/spec';
import { referenceAttention } from '../../src-shared/reference';
import { gaussianMatrix } from '../../src-shared/random';
import type { AttentionProblem } from '../../src-shared/job/problem';
import { fakePages } from './in-process-compute';

/** T = 600 keys, one head: a 1.44 MB weights array (recycled-buffers.ts keeps arrays from 1 MiB). */
const T = 600;

function problem(seed: number, metric: JobSpec['metric'], normalizer: JobSpec['normalizer'] = 'softmax'): AttentionProblem {
  const data = Float32Array.from(gaussianMatrix(seed, 'queue-executors', T, 4, 1));
  const files = new Map([['x', { format: 'test', dtype: 'float32', shape: [T, 4], embeddings: { tokens: null, data, T, d: 4 } }]]);
  return resolveJob(parseJobSpec({ embeddings: { path: 'x' }, mask: [{ id: 'causal' }], metric, normalizer, outputs: ['weights', 'entropy'] }), files);
}

const rbf = (seed: number) => problem(seed, { id: 'rbf', tau: 2 });
/** polynomial p = 3 under the kernel normaliser: negative scores, so the job fails once its tiles are in */
const negativeKernel = () => problem(9, { id: 'polynomial', p: 3 }, 'kernel');

interface Subject {
  backend: Backend;
  /** make the executor fail under the running job (a worker killed, the page crashed) */
  breakUnder(): void;
  /** the error that failure gives the job */
  broken: new (...args: never[]) => Error;
}

const subjects: Record<string, () => Subject> = {
  'the wasm pool': () => {
    const pool = new CpuPool({ workers: 1, threadsPerWorker: 1, warmUp: false, budgetBytes: 512 * 1024, runtime: 'wasm' });
    return { backend: pool, breakUnder: () => void pool.killWorker(0), broken: EngineError };
  },
  'the WebGPU page': () => {
    const pages = fakePages();
    const gpu = new WebGpuBackend(pages.connect, { budgetBytes: 512 * 1024, maxInFlight: 1 });
    return { backend: gpu, breakUnder: () => pages.pages.at(-1)!.crash('render process gone'), broken: BackendLostError };
  },
};

function worst(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, a[i] === b[i] ? 0 : Math.abs(a[i] - b[i]));
  return w;
}

describe.each(Object.keys(subjects))('the job queue on %s', (name) => {
  let subject: Subject;
  let backend: Backend;
  beforeAll(() => {
    subject = subjects[name]();
    backend = subject.backend;
  });
  afterAll(() => backend.close());

  /**
   * Runs a job that does not complete on memory a released result leaves, then the next
   * job of that size: it must get that memory back, and still the reference's numbers.
   */
  async function memoryComesBack(doomed: AttentionProblem, options: RunOptions, expected: RegExp | (new (...args: never[]) => Error)) {
    const first = await backend.run(rbf(1));
    const memory = first.weights!.buffer;
    // (compared with ===: a failed toBe would print a diff of two 1.4 MB buffers)
    expect(memory.byteLength).toBe(T * T * 4);
    backend.release(first);
    const failing = backend.run(doomed, options);
    if (expected instanceof RegExp) await expect(failing).rejects.toThrow(expected);
    else await expect(failing).rejects.toBeInstanceOf(expected);
    // a small job queues behind any tile of the failed one still running
    await backend.run(tiny());
    const next = rbf(3);
    const r = await backend.run(next);
    expect(r.weights!.buffer === memory, 'the same memory').toBe(true);
    const ref = referenceAttention(next);
    expect(worst(r.weights!, ref.weights)).toBeLessThan(1e-5);
    // above the diagonal no tile writes: the reused memory was zeroed
    expect(r.weights![1]).toBe(0);
    backend.release(r);
  }

  it('a job cancelled mid-job rejects with AbortError and its memory goes to the next job', async () => {
    const ctl = new AbortController();
    await memoryComesBack(rbf(4), { signal: ctl.signal, onProgress: (p) => p.tilesDone === 1 && ctl.abort() }, CancelledError);
  });

  it('a job its executor fails under mid-job rejects, and its memory goes to the next job', async () => {
    let broke = false;
    const onProgress: RunOptions['onProgress'] = (p) => {
      if (broke || p.tilesDone !== 1) return;
      broke = true;
      subject.breakUnder();
    };
    await memoryComesBack(rbf(5), { onProgress }, subject.broken);
  });

  it('a job that fails in its tiles (a negative kernel score) rejects with the reference’s message, and its memory goes to the next job', async () => {
    await memoryComesBack(negativeKernel(), {}, /the kernel normaliser needs non-negative scores/);
  });
});

function tiny(): AttentionProblem {
  const files = new Map([['x', { format: 'test', dtype: 'float32', shape: [2, 2], embeddings: { tokens: null, data: Float32Array.of(1, 0, 0, 1), T: 2, d: 2 } }]]);
  return resolveJob(parseJobSpec({ embeddings: { path: 'x' } }), files);
}
