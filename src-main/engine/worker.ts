/**
 * A pool worker: runs tiles with onnxruntime on the CPU (the native addon, or the wasm build)
 * and writes them into the job's shared result arrays. Knows nothing of scheduling; the pool
 * decides what runs where.
 */
import { parentPort } from 'node:worker_threads';
import type { AttentionProblem, AttentionResult } from '../../src-shared/job/problem';
import { TileRunner, assembleTile, type CpuRuntime } from './tile-runner';
import { loadNativeOrt } from './ort-native';
import { IdleWarmUp, warmUp } from './warm-up';
import type { ToMain, ToWorker } from './protocol';

const port = parentPort!;
const jobs = new Map<number, { problem: AttentionProblem; result: AttentionResult }>();
let runner: TileRunner | null = null;
let idle: IdleWarmUp | null = null;
/** the start-up warm-up and the tiles running now: a 'close' waits for them */
const inFlight = new Set<Promise<unknown>>();

/** Run `work`, counted in `inFlight` until it settles. */
function track<T>(work: Promise<T>): Promise<T> {
  inFlight.add(work);
  const done = () => inFlight.delete(work);
  work.then(done, done);
  return work;
}

function send(m: ToMain): void {
  port.postMessage(m);
}

port.on('message', (m: ToWorker) => void onMessage(m));

async function onMessage(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'init': {
      let runtime: CpuRuntime = { kind: 'wasm' };
      let fallback: string | undefined;
      if (m.runtime === 'native') {
        const native = loadNativeOrt();
        if ('ort' in native) runtime = { kind: 'native', ort: native.ort };
        else fallback = native.error;
      }
      runner = new TileRunner(m.threads, undefined, runtime);
      if (m.warmUp) await track(warmUp(runner)).catch(() => undefined);
      send({ type: 'ready', runtime: runtime.kind, ...(fallback ? { fallback } : {}) });
      if (m.idleWarmUp !== 'off') {
        idle = new IdleWarmUp(runner, {
          ...(m.idleWarmUp === 'heap' ? { maxRounds: 1 } : {}),
          onDone: (s) => send({ type: 'warm', rounds: s.rounds, roundMs: s.roundMs }),
        });
        idle.start();
      } else send({ type: 'warm', rounds: 0, roundMs: [] });
      return;
    }
    case 'job':
      jobs.set(m.jobId, { problem: m.problem, result: m.result });
      return;
    case 'drop':
      jobs.delete(m.jobId);
      return;
    case 'tile': {
      // a real tile never waits behind more than the warm-up tile already running
      await idle?.pause();
      const job = jobs.get(m.jobId);
      try {
        if (!job || !runner) throw new Error('the worker was given a tile of a job it does not know');
        const tileResult = await track(runner.run(job.problem, m.tile));
        assembleTile(job.result, job.problem, m.at ?? m.tile, tileResult);
        send({ type: 'tileDone', jobId: m.jobId, tileIndex: m.tileIndex });
      } catch (err) {
        send({ type: 'tileFailed', jobId: m.jobId, tileIndex: m.tileIndex, message: (err as Error).message });
      } finally {
        idle?.resume();
      }
      return;
    }
    case 'close':
      // nothing of onnxruntime may be running when the pool terminates this thread (the
      // native addon aborts the process otherwise, ort-native.ts): no new warm-up tile, the
      // running one and any tile finish, the sessions go
      await idle?.pause();
      await Promise.allSettled([...inFlight]);
      await runner?.close().catch(() => undefined);
      send({ type: 'closed' });
      return;
  }
}
