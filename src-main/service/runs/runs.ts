/**
 * The runs room: a JobSpec run on the engine (load its files, resolve, compute), kept for
 * export and zoom (fetch-tile.ts); cancel by runId (runs and experiments alike).
 * A run started on a channel replaces the one running there (a slider drag keeps only the
 * newest).
 */
import type { ProgressEvent, RunReply } from '../../../src-shared/api/lab-api';
import type { AttentionProblem } from '../../../src-shared/job/problem';
import { capturePattern, resolveJob } from '../../../src-shared/job/resolve';
import { modelDivergence } from '../../../src-shared/stats';
import { parseJobSpec } from '../../../src-shared/job/spec';
import { cancelled, stopReason, type ActiveRun, type ServiceContext } from '../service-context';
import type { StoredRun } from './kept-results';
import { portableResult } from '../../engine/marshal';
import { regionProblem, type Region } from '../../../src-shared/graph/region';

/** A finished run as kept, with what it took. */
export interface FinishedRun {
  run: StoredRun;
  problem: AttentionProblem;
  /** the one head computed (`onlyHead`, when the problem allowed it): the result has that head alone */
  head?: number;
  loadMs: number;
  totalMs: number;
}

export class Runs {
  private readonly channels = new Map<string, ActiveRun>();

  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Run a JobSpec (untrusted: validated here) and keep its result; the reply copies nothing.
   * `onlyHead`: the caller reads one head's matrices (an export draws one), so only that head
   * is computed — a region of the problem, all its rows — where the problem allows a region
   * (a normaliser that couples a head's rows, or a pooled overview, runs whole); the result
   * then has one head and FinishedRun.head says which.
   */
  async run(req: { runId: string; job: unknown; channel?: string; onlyHead?: number }): Promise<FinishedRun> {
    const { ctx } = this;
    if (ctx.closed) throw new Error('the lab is shutting down');
    const spec = parseJobSpec(req.job);
    if (ctx.active.has(req.runId)) throw new Error(`a run with id "${req.runId}" is already running`);
    const run: ActiveRun = { runId: req.runId, channel: req.channel, controller: new AbortController() };
    const { signal } = run.controller;
    if (req.channel !== undefined) {
      const older = this.channels.get(req.channel);
      older?.controller.abort(cancelled(`the run was cancelled: a newer run on channel "${req.channel}" replaced it`));
      this.channels.set(req.channel, run);
    }
    ctx.active.set(req.runId, run);
    const emit = (stage: ProgressEvent['stage'], fraction: number) => {
      if (!signal.aborted) ctx.options.onProgress?.({ runId: req.runId, stage, fraction: Math.min(1, Math.max(0, fraction)) });
    };
    const t0 = performance.now();
    try {
      emit('loading', 0);
      const table = await ctx.jobFiles.load(spec, signal, (f) => emit('loading', f));
      const problem = resolveJob(spec, table);
      const model = capturePattern(spec, table);
      const loadMs = performance.now() - t0;
      emit('computing', 0);
      const region = oneHeadRegion(problem, req.onlyHead);
      const result = await ctx.backend.run(problem, { signal, region, onProgress: (p) => emit('computing', p.fraction) });
      if (signal.aborted) {
        // cancelled as it finished: nobody will read it
        ctx.backend.release(result);
        throw signal.reason;
      }
      // a capture's own pattern beside the lab's weights (the transposed problem of a capture with Tq ≠ Tk has no counterpart)
      if (model && !region && result.weights && result.Tq === model.Tq && result.Tk === model.Tk) {
        result.modelDivergence = modelDivergence(result.weights, model.pattern, model.heads, model.Tq, model.Tk, result.emptyRows, result.rowNotDistribution);
      }
      const stored: StoredRun = { result, tokens: problem.tokens, spec };
      ctx.kept.keep(req.runId, stored, problem);
      return { run: stored, problem, head: region?.head, loadMs, totalMs: performance.now() - t0 };
    } catch (err) {
      throw stopReason(signal, err, 'the job was cancelled');
    } finally {
      ctx.active.delete(req.runId);
      if (req.channel !== undefined && this.channels.get(req.channel) === run) this.channels.delete(req.channel);
    }
  }

  /** runJob of the operations table: a run, its result copied out of shared memory for IPC. */
  async runJob(req: { runId: string; job: unknown; channel?: string }): Promise<RunReply> {
    const { run, problem, loadMs, totalMs } = await this.run(req);
    const { result } = run;
    return {
      runId: req.runId,
      result: portableResult(result),
      tokens: { queries: problem.tokens.queries ? [...problem.tokens.queries] : null, keys: problem.tokens.keys ? [...problem.tokens.keys] : null },
      backend: result.backend,
      timing: { loadMs, computeMs: result.timing.totalMs, totalMs, tiles: result.timing.tiles },
    };
  }

  async cancelJob(req: { runId: string }): Promise<void> {
    this.ctx.active.get(req.runId)?.controller.abort(cancelled('the job was cancelled'));
  }

  /** Stop every run and experiment in flight. */
  cancelAll(reason: string): void {
    for (const run of this.ctx.active.values()) run.controller.abort(cancelled(reason));
  }
}

/** All rows of one head, when the caller asked for one and the problem can be computed a head at a time. */
function oneHeadRegion(problem: AttentionProblem, head: number | undefined): Region | undefined {
  if (head === undefined || problem.heads === 1) return undefined;
  const region = { head, r0: 0, r1: problem.q.rows };
  return regionProblem(problem, region) === null ? region : undefined;
}
