/**
 * The engine's one job queue (src-main/engine/job-queue.ts) behind a scripted executor that
 * runs nothing: the test decides when each tile lands or fails. Tiles go oldest job first,
 * progress counts them, a cancelled or failed job stops being handed out at once and gives
 * its result memory to the next job once its last tile in flight is back, a delivered
 * result's memory is reused only after release, and a closed queue refuses work.
 * tests/engine/queue-executors.test.ts runs the same stories on the wasm pool and the
 * WebGPU page.
 */
import { describe, expect, it } from 'vitest';
import { JobQueue, type QueuedJob, type TileExecutor, type TileTask } from '../../src-main/engine/job-queue';
import { CancelledError, EngineError } from '../../src-main/engine/backend';
import { resolveJob } from '../../src-shared/job/resolve';
import type { AttentionProblem } from '../../src-shared/job/problem';
import type { Tile } from '../../src-shared/graph';

/** T rows of one head, weights asked for: T = 600 makes a 1.44 MB weights array, worth recycling. */
function problem(T = 600): AttentionProblem {
  const data = new Float32Array(T * 2).fill(1);
  const files = new Map([['x', { format: 'test', dtype: 'float32', shape: [T, 2], embeddings: { tokens: null, data, T, d: 2 } }]]);
  return resolveJob({ embeddings: { path: 'x' }, outputs: ['weights', 'entropy'] }, files);
}

/** Runs nothing: hands out at most `room` tiles and keeps them for the test to settle. */
class ScriptedExecutor implements TileExecutor {
  readonly memory = 'shared';
  readonly running: TileTask[] = [];
  readonly forgotten: number[] = [];
  readonly queue: JobQueue;
  constructor(
    private readonly room = 1,
    private readonly tiles = 4,
  ) {
    this.queue = new JobQueue(this);
  }
  prepare = (p: AttentionProblem) => p;
  refuse = () => null;
  plan(p: AttentionProblem): Tile[] {
    const step = Math.ceil(p.q.rows / this.tiles);
    return Array.from({ length: this.tiles }, (_, i) => ({ h0: 0, h1: p.heads, r0: i * step, r1: Math.min(p.q.rows, (i + 1) * step) }));
  }
  admit = () => this.pump();
  pump(): void {
    while (this.running.length < this.room) {
      const task = this.queue.take();
      if (!task) return;
      this.running.push(task);
    }
  }
  forget = (job: QueuedJob) => void this.forgotten.push(job.id);
  ranOn = () => ({ backend: 'scripted', workers: this.room });
  /** the oldest running tile lands (written in place: nothing to write here) */
  land(): TileTask {
    const task = this.running.shift()!;
    this.queue.tileDone(task);
    return task;
  }
  failOldest(message: string): TileTask {
    const task = this.running.shift()!;
    this.queue.tileFailed(task, new EngineError(message));
    return task;
  }
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('the job queue', () => {
  it('hands out tiles oldest job first, reports progress and delivers the result with its timing', async () => {
    const ex = new ScriptedExecutor(2, 3);
    const progress: number[] = [];
    const first = ex.queue.run(problem(), { onProgress: (p) => progress.push(p.tilesDone) });
    const second = ex.queue.run(problem(30));
    expect(ex.running.map((t) => [t.job.id, t.index])).toEqual([
      [1, 0],
      [1, 1],
    ]);
    ex.land();
    ex.land();
    // the first job's last tile goes before any of the second's
    expect(ex.running.map((t) => [t.job.id, t.index])).toEqual([
      [1, 2],
      [2, 0],
    ]);
    ex.land();
    const r = await first;
    expect(progress).toEqual([1, 2, 3]);
    expect(r.backend).toBe('scripted');
    expect(r.timing).toMatchObject({ tiles: 3, workers: 2 });
    expect(r.timing.pageMs).toBeUndefined();
    expect(ex.queue.pending).toBe(1);
    while (ex.running.length) ex.land();
    expect((await second).Tq).toBe(30);
    expect(ex.queue.pending).toBe(0);
    expect(ex.forgotten).toEqual([1, 2]);
  });

  it('a job cancelled mid-job rejects at once, takes no more tiles, and gives its memory to the next job once its tile in flight is back', async () => {
    const ex = new ScriptedExecutor(1, 4);
    const ctl = new AbortController();
    const running = ex.queue.run(problem(), { signal: ctl.signal });
    const memory = ex.running[0].job.result.weights!.buffer;
    ex.land();
    ctl.abort();
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    // its second tile is still running: the job and its memory are still its
    expect(ex.running).toHaveLength(1);
    expect(ex.forgotten).toEqual([]);
    expect(ex.queue.recycledBytes).toBe(0);
    ex.land();
    expect(ex.running).toHaveLength(0);
    expect(ex.forgotten).toEqual([1]);
    expect(ex.queue.recycledBytes).toBe(memory.byteLength);
    const next = ex.queue.run(problem());
    expect(ex.running[0].job.result.weights!.buffer === memory, 'the same memory').toBe(true);
    expect(ex.running[0].job.result.weights!.every((w) => w === 0)).toBe(true);
    while (ex.running.length) ex.land();
    await next;
  });

  it('a tile that fails fails its job with the executor’s error, the rest of it never runs, and its memory goes to the next job', async () => {
    const ex = new ScriptedExecutor(2, 4);
    const running = ex.queue.run(problem());
    const memory = ex.running[0].job.result.weights!.buffer;
    ex.failOldest('the tile broke');
    await expect(running).rejects.toThrow(/^the tile broke$/);
    // the other tile in flight still holds the job; nothing more of it is handed out
    expect(ex.running.map((t) => t.index)).toEqual([1]);
    expect(ex.queue.recycledBytes).toBe(0);
    ex.failOldest('a second failure changes nothing');
    expect(ex.running).toHaveLength(0);
    expect(ex.forgotten).toEqual([1]);
    expect(ex.queue.recycledBytes).toBe(memory.byteLength);
    const next = ex.queue.run(problem());
    expect(ex.running[0].job.result.weights!.buffer === memory, 'the same memory').toBe(true);
    while (ex.running.length) ex.land();
    await next;
  });

  it('a delivered result’s memory is reused only once released (twice is harmless), and only memory of the queue’s kind', async () => {
    const ex = new ScriptedExecutor(1, 1);
    const run = async (p = problem()) => {
      const r = ex.queue.run(p);
      await settle();
      ex.land();
      return r;
    };
    const kept = await run();
    const next = await run();
    expect(next.weights!.buffer === kept.weights!.buffer, 'the same memory').toBe(false);
    ex.queue.release(kept);
    ex.queue.release(kept);
    expect(ex.queue.recycledBytes).toBe(kept.weights!.byteLength);
    // a plain (WebGPU) result released to the pool's queue is not taken
    ex.queue.release({ ...next, weights: new Float32Array(next.weights!.length) });
    expect(ex.queue.recycledBytes).toBe(kept.weights!.byteLength);
    expect((await run()).weights!.buffer === kept.weights!.buffer, 'the same memory').toBe(true);
  });

  it('close fails the queued jobs and refuses new ones; a refused or already-cancelled job never reaches the executor', async () => {
    const ex = new ScriptedExecutor(1, 2);
    const ctl = new AbortController();
    ctl.abort();
    await expect(ex.queue.run(problem(), { signal: ctl.signal })).rejects.toBeInstanceOf(CancelledError);
    await expect(ex.queue.run(problem(), { region: { head: 3, r0: 0, r1: 1 } })).rejects.toThrow(/head 3 is not one of the 1 heads/);
    expect(ex.running).toHaveLength(0);
    const a = ex.queue.run(problem());
    const b = ex.queue.run(problem());
    ex.queue.close();
    await expect(a).rejects.toThrow(/shut down/);
    await expect(b).rejects.toThrow(/shut down/);
    await expect(ex.queue.run(problem())).rejects.toThrow(/has been shut down/);
    expect(ex.queue.recycledBytes).toBe(0);
  });
});
