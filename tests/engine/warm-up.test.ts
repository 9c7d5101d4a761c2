/**
 * The idle warm-up (src-main/engine/warm-up.ts): it goes on until a round of tiles stops
 * getting faster, never starts a warm-up tile while real work is waiting, and a real tile
 * waits at most for the warm-up tile already running. Then the pool with it turned on: its
 * jobs are right while it warms, and whenWarm resolves.
 */
import { describe, expect, it } from 'vitest';
import { IdleWarmUp } from '../../src-main/engine/warm-up';
import type { TileRunner } from '../../src-main/engine/tile-runner';
import { APP_POOL, CpuPool } from '../../src-main/engine/pool';
import { resolveJob } from '../../src-shared/job/resolve';
import { referenceAttention } from '../../src-shared/reference';
import { gaussianMatrix } from '../../src-shared/random';

const tick = () => new Promise((r) => setTimeout(r, 0));

/** A runner on a fake clock: each tile "takes" the next scripted duration. */
function scriptedRunner(durations: (tile: number) => number) {
  let clock = 0;
  let tiles = 0;
  const runner = { run: async () => void (clock += durations(tiles++)) } as unknown as TileRunner;
  return { runner, now: () => clock, ran: () => tiles };
}

function until(check: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => (check() ? resolve() : Date.now() - t0 > ms ? reject(new Error('timed out')) : setTimeout(poll, 1));
    poll();
  });
}

describe('IdleWarmUp', () => {
  it('ends when three rounds in a row are no faster than the best before them', async () => {
    let tilesPerRound = 0;
    // two slow rounds, then fast ones: the first fast round improves, the next three do not
    const s = scriptedRunner((i) => (i < 2 * tilesPerRound ? 20 : 5));
    let summary: { rounds: number; roundMs: number[] } | null = null;
    const w = new IdleWarmUp(s.runner, { now: s.now, onDone: (x) => (summary = x) });
    tilesPerRound = w.roundTiles;
    expect(tilesPerRound).toBeGreaterThan(1);
    w.start();
    await until(() => summary !== null);
    expect(summary!.roundMs).toEqual([20, 20, 5, 5, 5, 5].map((ms) => ms * tilesPerRound));
    expect(w.finished).toBe(true);
    expect(s.ran()).toBe(6 * tilesPerRound);
  });

  it('stops at maxRounds when every round is still 10% faster than the last', async () => {
    let tilesPerRound = 1;
    const s = scriptedRunner((i) => 1000 * 0.9 ** Math.floor(i / tilesPerRound));
    let rounds = -1;
    const w = new IdleWarmUp(s.runner, { now: s.now, maxRounds: 7, maxMs: 1e9, onDone: (x) => (rounds = x.rounds) });
    tilesPerRound = w.roundTiles;
    w.start();
    await until(() => rounds >= 0);
    expect(rounds).toBe(7);
  });

  it('never starts a warm-up tile while real work runs, and a real tile waits only for the one running', async () => {
    let release: () => void = () => {};
    let running = 0;
    const runner = {
      run: () => {
        running++;
        return new Promise<void>((r) => (release = () => (running--, r())));
      },
    } as unknown as TileRunner;
    const w = new IdleWarmUp(runner, { idleMs: 30 });
    w.start();
    await until(() => running === 1);
    // a real tile arrives while a warm-up tile runs: pause resolves only once that tile ends
    let paused = false;
    const pausing = w.pause().then(() => (paused = true));
    await tick();
    expect(paused).toBe(false);
    release();
    await pausing;
    // the real work runs for a while: no warm-up tile starts
    await new Promise((r) => setTimeout(r, 80));
    expect(running).toBe(0);
    w.resume();
    // and warm-up comes back only after idleMs without work
    await new Promise((r) => setTimeout(r, 5));
    expect(running).toBe(0);
    await until(() => running === 1);
    release();
    await w.pause();
  });
});

describe('the app’s pool (APP_POOL: idle warm-up, optimised up front)', () => {
  it('runs jobs right while it warms; one worker warms until settled, the other grows its heap once', async () => {
    // the idle warm-up is the wasm build's (a native pool has none: pool.ts)
    const pool = new CpuPool({ ...APP_POOL, workers: 2, threadsPerWorker: 1, runtime: 'wasm' });
    try {
      const T = 64;
      const d = 16;
      const data = Float32Array.from(gaussianMatrix(9, 'warm-pool', T, d, 1));
      const files = new Map([['x', { format: 'test', dtype: 'float32', shape: [T, d], embeddings: { tokens: null, data, T, d } }]]);
      const p = resolveJob({ embeddings: { path: 'x' }, mask: [{ id: 'causal' }], outputs: ['weights', 'entropy'] }, files);
      const ref = referenceAttention(p);
      for (let i = 0; i < 3; i++) {
        const r = await pool.run(p);
        let worst = 0;
        for (let j = 0; j < ref.weights.length; j++) worst = Math.max(worst, Math.abs(r.weights![j] - ref.weights[j]));
        expect(worst).toBeLessThan(1e-5);
        await new Promise((res) => setTimeout(res, 150)); // idle: warm-up tiles run in between
      }
      const { roundMs } = await pool.whenWarm();
      expect(roundMs).toHaveLength(2);
      expect(roundMs[0].length).toBeGreaterThan(3);
      expect(roundMs[1]).toHaveLength(1);
      for (const ms of roundMs.flat()) expect(ms).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  }, 60_000);
});
