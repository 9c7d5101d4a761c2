/**
 * A pool worker: runs tiles with onnxruntime-web (wasm) and writes them into the job's
 * shared result arrays. Knows nothing of scheduling; the pool decides what runs where.
 */
import { parentPort } from 'node:worker_threads';
import type { AttentionProblem, AttentionResult } from '../../src-shared/job/problem';
import { TileRunner, assembleTile } from './tile-runner';
import { IdleWarmUp, warmUp } from './warm-up';
import type { ToMain, ToWorker } from './protocol';

const port = parentPort!;
const jobs = new Map<number, { problem: AttentionProblem; result: AttentionResult }>();
let runner: TileRunner | null = null;
let idle: IdleWarmUp | null = null;

function send(m: ToMain): void {
  port.postMessage(m);
}

port.on('message', (m: ToWorker) => void onMessage(m));

async function onMessage(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'init':
      runner = new TileRunner(m.threads);
      if (m.warmUp) await warmUp(runner).catch(() => undefined);
      send({ type: 'ready' });
      if (m.idleWarmUp !== 'off') {
        idle = new IdleWarmUp(runner, {
          ...(m.idleWarmUp === 'heap' ? { maxRounds: 1 } : {}),
          onDone: (s) => send({ type: 'warm', rounds: s.rounds, roundMs: s.roundMs }),
        });
        idle.start();
      } else send({ type: 'warm', rounds: 0, roundMs: [] });
      return;
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
        const tileResult = await runner.run(job.problem, m.tile);
        assembleTile(job.result, job.problem, m.at ?? m.tile, tileResult);
        send({ type: 'tileDone', jobId: m.jobId, tileIndex: m.tileIndex });
      } catch (err) {
        send({ type: 'tileFailed', jobId: m.jobId, tileIndex: m.tileIndex, message: (err as Error).message });
      } finally {
        idle?.resume();
      }
      return;
    }
  }
}
