/**
 * Warming a fresh worker. By default V8 first runs onnxruntime's 14 MB of wasm through its
 * baseline compiler (Liftoff) and optimises a function only after it has run a while
 * (dynamic tiering), compiling it on a background thread. Measured here (docs/performance.md):
 * a new worker's first H = 12, T = 1024 jobs took ~200–290 ms, later ones ~100 ms, and when
 * the switch came varied from run to run (warm-up rounds sat on a plateau for 1–3 s, then
 * dropped by half). The app's pool therefore also compiles optimised code up front
 * (PoolOptions.optimizeUpFront, --no-liftoff), which makes these rounds flat from the second.
 *
 * Two stages:
 * - `warmUp`, before the worker says it is ready: a few small jobs (~0.5 s), so even the
 *   first job a user runs is not at baseline speed.
 * - `IdleWarmUp`, after it (when the pool asks for it, as the app does): while the worker has
 *   nothing to do, it runs tiles shaped like a typical job's — planned as the pool plans them,
 *   so the wasm heap also grows to a full tile once — until a round of them stops getting
 *   faster, or for one round only (the pool's other workers: V8 shares optimised code
 *   between a process's workers, the wasm heap is each worker's own). A real tile always
 *   goes first: warm-up pauses as soon as one arrives (waiting at most for the warm-up tile
 *   in progress, ~10–30 ms) and resumes only after the worker has been idle a moment.
 */
import type { AttentionProblem } from '../../src-shared/job/problem';
import { matrix } from '../../src-shared/linalg/matrix';
import { gaussianMatrix } from '../../src-shared/random';
import { planGraphTiles, type Tile } from '../../src-shared/graph';
import type { TileRunner } from './tile-runner';

function warmUpProblem(heads: number, T: number): AttentionProblem {
  const width = heads * 64;
  const x = matrix(T, width, Float32Array.from(gaussianMatrix(1, 'warm-up', T, width, 1)));
  return {
    heads,
    q: x,
    k: x,
    v: x,
    metric: { id: 'dot', c: 1 / 8 },
    masks: [{ id: 'causal', offset: 0 }],
    normalizer: 'softmax',
    outputs: ['weights', 'output', 'entropy'],
    topk: 0,
    tokens: { queries: null, keys: null },
  };
}

/** Run a small job until it has run `runs` times or `budgetMs` has passed. */
export async function warmUp(runner: TileRunner, runs = 8, budgetMs = 3000): Promise<number> {
  const problem = warmUpProblem(4, 512);
  const tile = { h0: 0, h1: problem.heads, r0: 0, r1: problem.q.rows };
  const t0 = performance.now();
  let done = 0;
  while (done < runs && performance.now() - t0 < budgetMs) {
    await runner.run(problem, tile);
    done++;
  }
  return performance.now() - t0;
}

export interface IdleWarmUpOptions {
  /** idle time before warm-up (re)starts after real work, ms */
  idleMs?: number;
  /** a round no faster than `best × (1 − gain)` counts as not improving */
  gain?: number;
  /** rounds in a row without improvement that end the warm-up */
  flatRounds?: number;
  /** most rounds, and most time spent running them (ms), whatever the timings say */
  maxRounds?: number;
  maxMs?: number;
  /** called once, when the warm-up has ended (settled, out of budget, or failed) */
  onDone?: (summary: { rounds: number; ms: number; roundMs: number[] }) => void;
  /** the clock (tests) */
  now?: () => number;
}

/** Warm-up rounds in the worker's idle time, always yielding to real tiles (see the file comment). */
export class IdleWarmUp {
  private readonly problem = warmUpProblem(12, 1024);
  private readonly tiles: Tile[] = planGraphTiles(this.problem);
  private readonly opts: Required<Omit<IdleWarmUpOptions, 'onDone'>> & Pick<IdleWarmUpOptions, 'onDone'>;
  private readonly roundMs: number[] = [];
  private next = 0;
  private roundTime = 0;
  private spentMs = 0;
  private busy = 0;
  private done = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** the warm-up tile running now, which a real tile waits for */
  private current: Promise<void> = Promise.resolve();

  constructor(
    private readonly runner: TileRunner,
    options: IdleWarmUpOptions = {},
  ) {
    // (an option given as undefined keeps its default)
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.opts = { idleMs: 100, gain: 0.05, flatRounds: 3, maxRounds: 16, maxMs: 8000, now: () => performance.now(), ...given };
  }

  get finished(): boolean {
    return this.done;
  }

  /** Tiles per round. */
  get roundTiles(): number {
    return this.tiles.length;
  }

  /** Starts warming as soon as the worker is idle. */
  start(): void {
    this.schedule(0);
  }

  /** Real work arrives: no new warm-up tile starts; resolves once the one running (if any) is over. */
  async pause(): Promise<void> {
    this.busy++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  /** Real work is over: warm-up resumes after `idleMs` without new work. */
  resume(): void {
    this.busy = Math.max(0, this.busy - 1);
    if (this.busy === 0) this.schedule(this.opts.idleMs);
  }

  private schedule(delayMs: number): void {
    if (this.done || this.busy > 0 || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.done || this.busy > 0) return;
      const step = this.step();
      this.current = step.then(
        () => undefined,
        () => undefined,
      );
      void step.then(
        () => this.schedule(0),
        () => this.finish(),
      );
    }, delayMs);
  }

  /** One warm-up tile; at the end of a round, decide whether to go on. */
  private async step(): Promise<void> {
    const t0 = this.opts.now();
    await this.runner.run(this.problem, this.tiles[this.next]);
    const ms = this.opts.now() - t0;
    this.roundTime += ms;
    this.spentMs += ms;
    this.next++;
    if (this.next < this.tiles.length) return;
    this.roundMs.push(this.roundTime);
    this.next = 0;
    this.roundTime = 0;
    if (this.settled() || this.roundMs.length >= this.opts.maxRounds || this.spentMs >= this.opts.maxMs) this.finish();
  }

  /** The last `flatRounds` rounds were none of them clearly faster than the best before them. */
  private settled(): boolean {
    const n = this.opts.flatRounds;
    const r = this.roundMs;
    if (r.length <= n) return false;
    const before = Math.min(...r.slice(0, r.length - n));
    return r.slice(-n).every((ms) => ms > before * (1 - this.opts.gain));
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.opts.onDone?.({ rounds: this.roundMs.length, ms: this.spentMs, roundMs: [...this.roundMs] });
  }
}
