/**
 * Faults, through the LabService API with the real engine (issue #6):
 *   - a job cancelled at each stage — queued behind another job, while its file loads, between
 *     tiles, after it finished — stops promptly with an AbortError and leaves nothing behind;
 *   - a job too big for a worker's wasm heap fails with a clear EngineError (refused up front
 *     when its smallest tile cannot fit; when onnxruntime's allocation fails anyway, the worker
 *     is restarted to free its heap) and the pool keeps serving;
 *   - fault injection: N jobs run while workers are killed at random; every job either
 *     completes with the float64 reference's numbers or fails with a clear EngineError, and
 *     every failed job succeeds when run again: no result is lost or wrong.
 * The process killed during a session save and recovery after a SIGKILL are covered by
 * tests/service/atomic-save.test.ts and tests/service/recovery.test.ts.
 * `npm run soak:faults` runs the fault injection longer (FAULT_JOBS, default 300) and a real
 * std::bad_alloc (2.6 GB transient), and records figures in bench/reliability.json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { CpuPool } from '../../src-main/engine/pool';
import { MAX_TILE_BYTES } from '../../src-main/engine/plan';
import { LabService } from '../../src-main/service/lab-service';
import { FileCache } from '../../src-main/service/sources/file-cache';
import type { ProgressEvent, RunReply } from '../../src-shared/api/lab-api';
import { resolveJob } from '../../src-shared/job/resolve';
import { parseJobSpec, type JobSpec } from '../../src-shared/job/spec';
import { referenceAttention } from '../../src-shared/reference';
import { Rng, gaussianMatrix } from '../../src-shared/random';
import { writeGloveFile } from '../../bench/reliability/glove-gen';
import { rssMb } from '../../bench/reliability/probes';
import { ScriptedHost, tempDir, writeNpyEmbeddings } from '../service/helpers';
import { RECORDING, recordFigures, sleep, withDeadline } from './helpers';

const SOAK = process.env.QKLAB_SOAK === '1';
const figures: {
  cancel: { queuedMs?: number; loadingMs?: number; midTileMs?: number };
  oom?: Record<string, unknown>;
  faults?: Record<string, number>;
} = { cancel: {} };

let tmp: ReturnType<typeof tempDir>;
const pools: CpuPool[] = [];

beforeAll(() => {
  tmp = tempDir('qklab-faults-');
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
  tmp.cleanup();
});

/**
 * A service on a wasm pool: these faults are the wasm build's (its heap's limit, a worker
 * terminated mid-run, which a native worker cannot survive: engine/ort-native.ts).
 */
async function lab(options: ConstructorParameters<typeof CpuPool>[0]) {
  const pool = new CpuPool({ workers: 1, threadsPerWorker: 1, warmUp: false, runtime: 'wasm', ...options });
  pools.push(pool);
  const progress: ProgressEvent[] = [];
  const service = await LabService.create({ host: new ScriptedHost(join(tmp.dir, `user-${pools.length}`)), backend: pool, onProgress: (e) => progress.push(e) });
  return { pool, service, progress };
}

function rows(T: number, d: number, seed: number): number[][] {
  const m = gaussianMatrix(seed, 'faults', T, d, 1);
  return Array.from({ length: T }, (_, i) => Array.from(m.subarray(i * d, (i + 1) * d)));
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** The reply matches the float64 reference for its JobSpec (inline sources only). */
function matchesReference(reply: RunReply, job: JobSpec): boolean {
  const ref = referenceAttention(resolveJob(parseJobSpec(job)));
  const r = reply.result;
  if (r.Tq !== ref.Tq || r.Tk !== ref.Tk || r.heads !== ref.heads) return false;
  if (r.weights && maxDiff(r.weights, ref.weights) > 1e-4) return false;
  return maxDiff(r.entropy, ref.entropy) <= 1e-3 && Array.from(r.argmax).every((x, i) => x === ref.argmax[i] || Math.abs(r.maxWeight[i] - ref.maxWeight[i]) < 1e-5);
}

/** Resolves when `pred` holds, polling (bounded). */
async function until(pred: () => boolean, what: string, ms = 20_000): Promise<void> {
  const t0 = performance.now();
  while (!pred()) {
    if (performance.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected the run to fail');
    },
    (e: Error) => e,
  );
}

/** A job with many tiles that takes a while: additive scores over 1200 keys, tiled by a small budget. */
const SLOW: JobSpec = { embeddings: { inline: { vectors: rows(1200, 8, 3) } }, metric: { id: 'additive', hidden: 32 }, outputs: ['entropy'] };

describe('a job cancelled at every stage', () => {
  let L: Awaited<ReturnType<typeof lab>>;
  let vocab: string;
  beforeAll(async () => {
    vocab = join(tmp.dir, 'vocab.txt');
    await writeGloveFile(vocab, { count: 30_000, dim: 100 });
    L = await lab({ budgetBytes: 2 * 2 ** 20 });
    await L.service.runJob({ runId: 'warm', job: { embeddings: { inline: { vectors: rows(4, 2, 1) } } } });
  });

  it('queued behind another job: rejected at once, never started, the other job unaffected', async () => {
    const { service, pool, progress } = L;
    const small: JobSpec = { embeddings: { inline: { vectors: rows(64, 8, 5) } }, metric: { id: 'rbf', tau: 2 }, outputs: ['weights', 'entropy'] };
    const first = service.runJob({ runId: 'busy', job: SLOW });
    await until(() => progress.some((e) => e.runId === 'busy' && e.stage === 'computing'), 'the first job to start');
    const queued = service.runJob({ runId: 'queued', job: small });
    await until(() => pool.pending === 2, 'the second job to be queued');
    const t0 = performance.now();
    await service.cancelJob({ runId: 'queued' });
    const err = await rejection(queued);
    const latency = performance.now() - t0;
    expect(err.name).toBe('AbortError');
    expect(latency).toBeLessThan(1000);
    // it never got a tile: no computing progress above 0
    expect(progress.filter((e) => e.runId === 'queued' && e.stage === 'computing' && e.fraction > 0)).toEqual([]);
    expect(pool.pending).toBe(1);
    const done = await first;
    expect(done.result.entropy.length).toBe(1200);
    expect(pool.pending).toBe(0);
    figures.cancel.queuedMs = latency;
  });

  it('while its file loads: rejected at once, and the read stops (a new run reads the file afresh)', async () => {
    const { service, progress } = L;
    const path = vocab;
    await service.grantDroppedPath({ path });
    const job: JobSpec = { embeddings: { path, sentence: 'the cat sat on the mat' }, outputs: ['entropy'] };
    const loading = service.runJob({ runId: 'loading', job });
    await until(() => progress.some((e) => e.runId === 'loading' && e.stage === 'loading' && e.fraction > 0.05), 'loading progress');
    const t0 = performance.now();
    await service.cancelJob({ runId: 'loading' });
    const err = await rejection(loading);
    const latency = performance.now() - t0;
    expect(err.name).toBe('AbortError');
    expect(latency).toBeLessThan(1000);
    expect(progress.some((e) => e.runId === 'loading' && e.stage === 'computing')).toBe(false);
    // the cancelled read was dropped: the next run reads from the start, reporting its own progress
    const again = await service.runJob({ runId: 'loading-again', job });
    const fractions = progress.filter((e) => e.runId === 'loading-again' && e.stage === 'loading').map((e) => e.fraction);
    expect(fractions.some((f) => f > 0 && f < 1)).toBe(true);
    expect(again.tokens.queries).toEqual(['the', 'cat', 'sat', 'on', 'the', 'mat']);
    figures.cancel.loadingMs = latency;
  });

  it('while its file loads, in the file cache: the read stops within a chunk once every waiting caller has cancelled', async () => {
    const path = vocab;
    // two callers, one without a signal: cancelling the other does not stop the shared read
    const cache = new FileCache();
    const a = new AbortController();
    let aborted = false;
    const shared = cache.load(path, undefined, { signal: a.signal, onProgress: (f) => f > 0.2 && !aborted && ((aborted = true), a.abort()) });
    const patient = cache.load(path, undefined);
    await expect(shared).rejects.toMatchObject({ name: 'AbortError' });
    expect((await patient).loaded.embeddings.T).toBe(30_000);
    // one caller, cancelled: the reader sees the abort at its next chunk and stops
    const alone = new FileCache();
    const b = new AbortController();
    let after = 0;
    let cancelledAt = 0;
    const single = alone.load(path, undefined, {
      signal: b.signal,
      onProgress: (f) => {
        if (b.signal.aborted) after++;
        else if (f > 0.2) {
          cancelledAt = f;
          b.abort();
        }
      },
    });
    await expect(single).rejects.toMatchObject({ name: 'AbortError' });
    await sleep(300);
    expect(cancelledAt).toBeGreaterThan(0.2);
    expect(after).toBeLessThanOrEqual(1);
  });

  it('between tiles: rejected at once, the tile in flight is discarded, the next job is exact', async () => {
    const { service, pool, progress } = L;
    const running = service.runJob({ runId: 'mid', job: SLOW });
    await until(() => progress.some((e) => e.runId === 'mid' && e.stage === 'computing' && e.fraction > 0), 'the first tile');
    const t0 = performance.now();
    await service.cancelJob({ runId: 'mid' });
    const err = await rejection(running);
    const latency = performance.now() - t0;
    expect(err.name).toBe('AbortError');
    expect(latency).toBeLessThan(1000);
    const last = progress.filter((e) => e.runId === 'mid').at(-1)!;
    expect(last.fraction).toBeLessThan(1);
    await until(() => pool.pending === 0, 'the pool to drain');
    const job: JobSpec = { embeddings: { inline: { vectors: rows(200, 8, 9) } }, metric: { id: 'cosine', tau: 0.5 }, mask: [{ id: 'causal' }], outputs: ['weights', 'entropy'] };
    expect(matchesReference(await service.runJob({ runId: 'after-mid', job }), job)).toBe(true);
    figures.cancel.midTileMs = latency;
  });

  it('after it finished: a no-op; the result stays kept for export', async () => {
    const { service } = L;
    const job: JobSpec = { embeddings: { inline: { vectors: rows(16, 4, 11) } }, outputs: ['weights', 'entropy'] };
    const reply = await service.runJob({ runId: 'finished', job });
    await expect(service.cancelJob({ runId: 'finished' })).resolves.toBeUndefined();
    await expect(service.cancelJob({ runId: 'never-existed' })).resolves.toBeUndefined();
    // what exportRun reads (an export itself is exercised in security.test.ts and tests/service/export.test.ts)
    expect(Array.from(service.storedRun('finished')!.result.entropy)).toEqual(Array.from(reply.result.entropy));
    expect(service.storedRun('finished')!.spec).toEqual(parseJobSpec(job));
  });
});

describe('a job too big for a worker', () => {
  it('whose smallest tile cannot fit the wasm heap is refused up front with a clear EngineError; the pool goes on', async () => {
    const { service, pool } = await lab({});
    const keys = join(tmp.dir, 'keys-600k.npy');
    writeNpyEmbeddings(keys, 600_000, 1);
    await service.grantDroppedPath({ path: keys });
    const job: JobSpec = {
      queries: { inline: { vectors: [[0.5]] } },
      keys: { path: keys },
      values: { path: keys },
      metric: { id: 'additive', hidden: 1024 },
      outputs: ['entropy'],
    };
    const t0 = performance.now();
    const err = await rejection(service.runJob({ runId: 'huge', job }));
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(err.name).toBe('EngineError');
    expect(err.message).toMatch(
      /^one query row of this job needs about 4\.\d GiB of working memory \(600000 keys × hidden width 1024\), more than the 3\.0 GiB .* use fewer keys or a smaller hidden width$/,
    );
    expect(pool.restarts).toBe(0);
    const small: JobSpec = { embeddings: { inline: { vectors: rows(32, 4, 2) } }, outputs: ['weights', 'entropy'] };
    expect(matchesReference(await service.runJob({ runId: 'small', job: small }), small)).toBe(true);
    expect(MAX_TILE_BYTES).toBe(3 * 2 ** 30);
  });

  it('whose allocation fails inside onnxruntime fails with a clear EngineError; its worker is restarted; the pool goes on', async () => {
    // no up-front check: the tile reaches onnxruntime, whose [1, 1.1M, 1024] tensor overflows 32 bits at once
    const { service, pool } = await lab({ maxTileBytes: Infinity });
    const keys = join(tmp.dir, 'keys-1100k.npy');
    writeNpyEmbeddings(keys, 1_100_000, 1);
    await service.grantDroppedPath({ path: keys });
    const job: JobSpec = {
      queries: { inline: { vectors: [[0.5]] } },
      keys: { path: keys },
      values: { path: keys },
      metric: { id: 'additive', hidden: 1024 },
      outputs: ['entropy'],
    };
    const before = rssMb();
    const err = await withDeadline(rejection(service.runJob({ runId: 'overflow', job })), 60_000, 'the overflowing job');
    expect(err.name).toBe('EngineError');
    expect(err.message).toMatch(
      /^the compute worker ran out of memory on this job \(heads 0–0, rows 0–0; onnxruntime said "a tensor size overflowed 32 bits"\); the worker was restarted/,
    );
    expect(pool.restarts).toBe(1);
    expect(rssMb() - before).toBeLessThan(500);
    const small: JobSpec = { embeddings: { inline: { vectors: rows(48, 4, 3) } }, metric: { id: 'rbf' }, outputs: ['weights', 'entropy'] };
    expect(matchesReference(await service.runJob({ runId: 'small-after', job: small }), small)).toBe(true);
  });

  if (SOAK)
    it('(soak) a real std::bad_alloc: clear error, and the worker restart gives the 2.6 GB heap back', async () => {
      const { service, pool } = await lab({ maxTileBytes: Infinity });
      const keys = join(tmp.dir, 'keys-600k-b.npy');
      writeNpyEmbeddings(keys, 600_000, 1);
      await service.grantDroppedPath({ path: keys });
      await service.runJob({ runId: 'warm', job: { embeddings: { inline: { vectors: rows(4, 2, 1) } } } });
      const before = rssMb();
      let peak = before;
      const timer = setInterval(() => (peak = Math.max(peak, rssMb())), 20);
      const job: JobSpec = {
        queries: { inline: { vectors: [[0.5]] } },
        keys: { path: keys },
        values: { path: keys },
        metric: { id: 'additive', hidden: 1024 },
        outputs: ['entropy'],
      };
      const t0 = performance.now();
      const err = await rejection(service.runJob({ runId: 'bad-alloc', job }));
      const ms = performance.now() - t0;
      clearInterval(timer);
      expect(err.message).toMatch(/ran out of memory.*std::bad_alloc.*restarted/);
      await service.runJob({ runId: 'after', job: { embeddings: { inline: { vectors: rows(8, 2, 1) } } } });
      await sleep(500);
      const after = rssMb();
      expect(after - before).toBeLessThan(300);
      expect(pool.restarts).toBe(1);
      figures.oom = { rssBeforeMb: Math.round(before), peakRssMb: Math.round(peak), rssAfterRestartMb: Math.round(after), failedAfterMs: Math.round(ms), message: err.message };
    });
});

describe('fault injection: workers killed at random while jobs run', () => {
  const JOBS = Number(process.env.FAULT_JOBS ?? (SOAK ? 300 : 24));

  it(`${JOBS} jobs, random kills: no result lost or wrong, every failed job succeeds when re-run`, { timeout: SOAK ? 1_800_000 : 120_000 }, async () => {
    const { service, pool } = await lab({ workers: 2, budgetBytes: 256 * 1024 });
    const rng = new Rng(Number(process.env.FC_SEED ?? 6), 'fault-injection');
    const pick = <T>(xs: readonly T[]) => xs[rng.nextU32() % xs.length];
    const jobs: JobSpec[] = Array.from({ length: JOBS }, (_, i) => ({
      embeddings: { inline: { vectors: rows(40 + (rng.nextU32() % 260), pick([4, 8, 16]), 100 + i) } },
      heads: pick([1, 2]),
      metric: pick([{ id: 'dot' }, { id: 'cosine', tau: 0.5 }, { id: 'rbf', tau: 2 }, { id: 'laplacian' }]),
      mask: pick([[], [{ id: 'causal' }], [{ id: 'window', size: 8 }]]),
      outputs: ['weights', 'entropy'],
    }));
    await service.runJob({ runId: 'warm', job: jobs[0] });

    // CI: at most 12 kills, each while a job is running (a contended machine must not end up
    // killing workers faster than they boot); the soak kills without a cap
    const maxKills = SOAK ? Infinity : Number(process.env.FAULT_KILLS ?? 12);
    let kills = 0;
    let chaos = true;
    const killer = (async () => {
      while (chaos && kills < maxKills) {
        await sleep(60 + (rng.nextU32() % 240));
        if (!chaos) break;
        if (!SOAK && pool.pending === 0) continue;
        await pool.killWorker(rng.nextU32() % 2);
        kills++;
      }
    })();

    const outcome: ('ok' | 'failed')[] = new Array(JOBS);
    const problems: string[] = [];
    let next = 0;
    const runOne = async (i: number) => {
      try {
        const reply = await withDeadline(service.runJob({ runId: `f-${i}`, job: jobs[i] }), 60_000, `job ${i}`);
        outcome[i] = 'ok';
        if (!matchesReference(reply, jobs[i])) problems.push(`job ${i} completed with numbers that differ from the reference`);
      } catch (e) {
        outcome[i] = 'failed';
        const err = e as Error;
        if (err.name !== 'EngineError' || !/compute worker (stopped|ran out of memory)/.test(err.message)) problems.push(`job ${i} failed unclearly: ${err.name}: ${err.message}`);
      }
    };
    // three jobs in flight at a time, so kills land on running tiles
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        while (next < JOBS) await runOne(next++);
      }),
    );
    chaos = false;
    await killer;

    // every failed job, run again with the faults stopped
    const failed = outcome.flatMap((o, i) => (o === 'failed' ? [i] : []));
    let rerunOk = 0;
    for (const i of failed) {
      const reply = await service.runJob({ runId: `r-${i}`, job: jobs[i] });
      if (matchesReference(reply, jobs[i])) rerunOk++;
      else problems.push(`job ${i} re-run gave numbers that differ from the reference`);
    }
    const lost = problems.length;
    figures.faults = { jobs: JOBS, workerKills: kills, workerRestarts: pool.restarts, jobsFailedByAKill: failed.length, failedJobsRerunOk: rerunOk, resultsLostOrWrong: lost };
    expect(problems).toEqual([]);
    expect(kills).toBeGreaterThan(0);
    expect(rerunOk).toBe(failed.length);
    expect(pool.pending).toBe(0);
    // kills landed on running jobs at least once in a run of this length
    if (JOBS >= 24) expect(failed.length + kills).toBeGreaterThan(1);
  });
});

afterAll(() => {
  if (!RECORDING) return;
  const round = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, x]) => [k, typeof x === 'number' ? Math.round(x * 10) / 10 : x]));
  recordFigures('faults', { cancelLatencyMs: round(figures.cancel), outOfMemory: figures.oom ?? 'run npm run soak:faults', injection: figures.faults });
});
