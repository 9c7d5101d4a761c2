/**
 * fetchTile: a zoomed tile of a finished run at full resolution. The engine computes the
 * tile's query rows [r0, r1) of one head against EVERY key (softmax, sparsemax and the
 * kernel normalise over the whole row, so no narrower problem gives the same weights) —
 * a region of the run's own problem (src-shared/graph/region.ts), never the T×T matrix —
 * and only the requested columns [c0, c1) are returned. This is how a T = 16384 run,
 * which keeps only pooled overviews, shows its exact weights when the user zooms in.
 */
import type { TileReply, TileRequest } from '../../../src-shared/api/lab-api';
import type { AttentionProblem } from '../../../src-shared/job/problem';
import { TILE_MAX_SIDE } from '../../../src-shared/api/requests';
import type { Backend } from '../../engine/backend';
import type { ServiceContext } from '../service-context';

/** A request that does not fit the run, as a RequestError-like message naming the field. */
function refuse(field: string, problem: string): never {
  const e = new Error(`fetchTile: ${field}: ${problem}`) as Error & { field: string };
  e.name = 'RequestError';
  e.field = field;
  throw e;
}

export async function fetchTileOf(backend: Backend, problem: AttentionProblem, req: TileRequest): Promise<TileReply> {
  const H = problem.heads;
  const Tq = problem.q.rows;
  const Tk = problem.k.rows;
  const [r0, r1] = req.rows;
  const [c0, c1] = req.cols;
  if (req.head >= H) refuse('head', `the run has ${H} head${H === 1 ? '' : 's'} (0–${H - 1}), got ${req.head}`);
  if (!(r1 > r0) || r1 > Tq) refuse('rows', `expected [r0, r1) with r0 < r1 ≤ ${Tq} (the run's query rows), got [${r0}, ${r1})`);
  if (!(c1 > c0) || c1 > Tk) refuse('cols', `expected [c0, c1) with c0 < c1 ≤ ${Tk} (the run's keys), got [${c0}, ${c1})`);
  if (r1 - r0 > TILE_MAX_SIDE || c1 - c0 > TILE_MAX_SIDE) refuse('rows', `a tile is at most ${TILE_MAX_SIDE} × ${TILE_MAX_SIDE}`);
  // only the matrices (no overview, no per-row extras beyond what the graph always gives)
  const regionProblem: AttentionProblem = { ...problem, outputs: ['scores', 'weights'], overview: undefined };
  const t0 = performance.now();
  const result = await backend.run(regionProblem, { region: { head: req.head, r0, r1 } });
  const n = r1 - r0;
  const m = c1 - c0;
  const weights = new Float32Array(n * m);
  const scores = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    weights.set(result.weights!.subarray(i * Tk + c0, i * Tk + c1), i * m);
    scores.set(result.scores!.subarray(i * Tk + c0, i * Tk + c1), i * m);
  }
  // copied out: the region's memory serves the next zoom
  backend.release(result);
  return {
    runId: req.runId,
    head: req.head,
    rows: [r0, r1],
    cols: [c0, c1],
    weights,
    scores,
    backend: result.backend,
    computeMs: performance.now() - t0,
  };
}

/** fetchTile of the operations table: a tile of a run still kept. */
export async function fetchKeptTile(ctx: ServiceContext, req: TileRequest): Promise<TileReply> {
  if (ctx.closed) throw new Error('the lab is shutting down');
  const problem = ctx.kept.problemOf(req.runId);
  if (!problem) throw new Error(`the run "${req.runId}" is no longer available to zoom into; run it again`);
  return fetchTileOf(ctx.backend, problem, req);
}
