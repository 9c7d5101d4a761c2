/**
 * When the CPU pool's workers start (PoolOptions.startWhen; app-engine.ts): at once by
 * default; with `startWhen`, when it settles or with the first job, whichever comes first.
 * The app's engine starts them after the window's first run has ended, which runs in process.
 */
import { describe, expect, it } from 'vitest';
import { CpuPool } from '../../src-main/engine/pool';
import { appEngine } from '../../src-main/engine/app-engine';
import { expectMatchesReference, makeProblem, type Shape } from '../graph/helpers';

const shape: Shape = { heads: 2, Tq: 5, Tk: 7, dq: 3, dk: 3, dv: 2 };
const SMALL = { workers: 1, threadsPerWorker: 1, warmUp: false } as const;
const never = new Promise<void>(() => {});

async function until(test: () => boolean, ms = 60_000) {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('CpuPool startWhen', () => {
  it('starts at once without it', async () => {
    const pool = new CpuPool(SMALL);
    try {
      expect(pool.started).toBe(true);
      await until(() => pool.ready);
    } finally {
      await pool.close();
    }
  });

  it('waits for it: no worker, not ready, not warm, until it settles (a rejection starts them too)', async () => {
    let reject!: (e: Error) => void;
    const pool = new CpuPool({ ...SMALL, warmUp: true, startWhen: new Promise<void>((_, r) => (reject = r)) });
    try {
      let warm = false;
      void pool.whenWarm().then(() => (warm = true));
      await new Promise((r) => setTimeout(r, 300));
      expect([pool.started, pool.ready, warm]).toEqual([false, false, false]);
      reject(new Error('the window never loaded'));
      await until(() => pool.started);
      await until(() => warm);
      expect(pool.ready).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('a job starts the workers before it settles, and runs as on any pool', async () => {
    const pool = new CpuPool({ ...SMALL, startWhen: never });
    try {
      expect(pool.started).toBe(false);
      const problem = makeProblem({ shape, metric: 'cosine', outputs: ['weights', 'entropy'] });
      const r = await pool.run(problem);
      expect(pool.started).toBe(true);
      expectMatchesReference(problem, r);
    } finally {
      await pool.close();
    }
  });

  it('closed before it settles: never starts, and whoever waits for its warm-up goes on', async () => {
    let resolve!: () => void;
    const pool = new CpuPool({ ...SMALL, startWhen: new Promise<void>((r) => (resolve = r)) });
    const warm = pool.whenWarm();
    await pool.close();
    await expect(warm).resolves.toEqual({ roundMs: [] });
    resolve();
    await new Promise((r) => setTimeout(r, 50));
    expect(pool.started).toBe(false);
  });
});

describe("the app's engine", () => {
  it('runs the first small job in process, and starts the pool after it; a large job starts it at once', async () => {
    const first = appEngine(null, { ...SMALL, idleWarmUp: false, optimizeUpFront: false });
    try {
      expect(first.pool.started).toBe(false);
      const problem = makeProblem({ shape, metric: 'dot', outputs: ['weights', 'entropy'] });
      const r = await first.engine.run(problem);
      expect(r.backend).toBe('in-process (float64 reference)');
      // not yet: it waits a moment after the run (POOL_START_AFTER_FIRST_RUN_MS) for the window to draw it
      expect(first.pool.started).toBe(false);
      await until(() => first.pool.started, 5_000);
    } finally {
      await first.engine.close();
    }
    const big = appEngine(null, { ...SMALL, idleWarmUp: false, optimizeUpFront: false });
    try {
      const problem = makeProblem({ shape: { heads: 1, Tq: 64, Tk: 4096, dq: 2, dk: 2, dv: 1 }, metric: 'dot', outputs: ['entropy'] });
      const r = await big.engine.run(problem);
      expect(big.pool.started).toBe(true);
      expect(r.backend).not.toMatch(/in-process/);
    } finally {
      await big.engine.close();
    }
  });
});
