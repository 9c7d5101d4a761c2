/**
 * What every experiment shares: cancellation between runs, progress counted in runs, the
 * JobSpec resolved once, and a one-row problem for the views that look at a single query.
 */
import type { AttentionProblem, AttentionResult, ResolvedMask } from '../job/problem';
import { resolveJob } from '../job/resolve';
import type { JobSpec } from '../job/spec';
import { matrix, type Matrix } from '../linalg/matrix';
import type { ExperimentContext, ExperimentInput } from './module';

/** An experiment asked to stop (cancelJob, a closing window): the same name the engine's CancelledError carries. */
export class ExperimentCancelled extends Error {
  constructor(message = 'the experiment was cancelled') {
    super(message);
    this.name = 'AbortError';
  }
}

/** Throws the abort reason (or ExperimentCancelled) once the signal has fired. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  throw reason instanceof Error ? reason : new ExperimentCancelled();
}

/** An experiment's bad option, naming it like a JobSpec field: `options.query: …`. */
export class ExperimentOptionError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'ExperimentOptionError';
  }
}

/**
 * Runs problems one after the other through the context's runner, checking the signal
 * before each and reporting progress as runs done / runs planned.
 */
export class Runs {
  done = 0;
  constructor(
    private readonly ctx: ExperimentContext,
    private total: number,
  ) {
    ctx.onProgress?.(0);
  }

  /** Plan more runs than first counted (progress never goes backwards past what was reported). */
  grow(extra: number): void {
    this.total += extra;
  }

  async run(problem: AttentionProblem): Promise<AttentionResult> {
    throwIfAborted(this.ctx.signal);
    const result = await this.ctx.run(problem, this.ctx.signal);
    throwIfAborted(this.ctx.signal);
    this.done++;
    this.ctx.onProgress?.(Math.min(1, this.done / Math.max(1, this.total)));
    return result;
  }
}

/** The input of an experiment that runs over a JobSpec (the registry's runner gives one to every such experiment). */
export function jobInput(input: ExperimentInput | null): ExperimentInput {
  if (!input) throw new ExperimentOptionError('job', 'this experiment runs over a JobSpec; none was given');
  return input;
}

/** The input's JobSpec resolved, optionally with some fields replaced first. */
export function resolveInput(input: ExperimentInput, override: Partial<JobSpec> = {}): AttentionProblem {
  return resolveJob({ ...input.spec, ...override }, input.files);
}

export function copyTokens(problem: AttentionProblem): { queries: string[] | null; keys: string[] | null } {
  return {
    queries: problem.tokens.queries ? [...problem.tokens.queries] : null,
    keys: problem.tokens.keys ? [...problem.tokens.keys] : null,
  };
}

/** Rows [r0, r1) of a matrix (all columns), copied. */
export function rowSlice(m: Matrix, r0: number, r1: number): Matrix {
  return matrix(r1 - r0, m.cols, m.data.slice(r0 * m.cols, r1 * m.cols));
}

/** The query row an option names (left out: the last, Tq − 1), checked with the head against the problem's shape. */
export function checkQuery(problem: AttentionProblem, given: number | undefined, head: number): number {
  const query = given ?? problem.q.rows - 1;
  if (!Number.isInteger(query) || query < 0 || query >= problem.q.rows) {
    throw new ExperimentOptionError('options.query', `expected a query index from 0 to ${problem.q.rows - 1}, got ${query}`);
  }
  if (!Number.isInteger(head) || head < 0 || head >= problem.heads) {
    throw new ExperimentOptionError('options.head', `expected a head index from 0 to ${problem.heads - 1}, got ${head}`);
  }
  return query;
}

/**
 * The same problem for query row `query` alone (Tq = 1), with every mask rewritten to mean
 * for row 0 what it meant for row `query`: causal shifts its offset, window and dilated
 * (which compare positions) become that row of a custom mask, segment ids and pair matrices
 * keep that row; padding, buckets and topk are per key or per row already. Row 0 of the
 * result is row `query` of the full run.
 */
export function rowProblem(problem: AttentionProblem, query: number): AttentionProblem {
  const Tk = problem.k.rows;
  const masks = problem.masks.map((m): ResolvedMask => {
    switch (m.id) {
      case 'causal':
        // j ≤ query + offset  ⇔  j ≤ 0 + (offset + query)
        return { id: 'causal', offset: m.offset + query };
      case 'window':
        return { id: 'custom', allowed: Uint8Array.from({ length: Tk }, (_, j) => (Math.abs(query - j) <= m.size ? 1 : 0)) };
      case 'dilated':
        return { id: 'custom', allowed: Uint8Array.from({ length: Tk }, (_, j) => ((((query - j) % m.stride) + m.stride) % m.stride === 0 ? 1 : 0)) };
      case 'segments':
        return { id: 'segments', queryIds: m.queryIds.slice(query, query + 1), keyIds: m.keyIds };
      case 'graph':
      case 'custom':
        return { id: m.id, allowed: m.allowed.slice(query * Tk, (query + 1) * Tk) };
      default:
        return m;
    }
  });
  return {
    ...problem,
    q: rowSlice(problem.q, query, query + 1),
    masks,
    ...biasForRow(problem, query),
    overview: undefined,
    outputs: problem.outputs.filter((o) => o !== 'overview'),
    tokens: { queries: problem.tokens.queries ? [problem.tokens.queries[query]] : null, keys: problem.tokens.keys },
  };
}

/**
 * The problem's score bias for a one-row problem whose row 0 is row `query` of the full
 * problem (ALiBi's |i + offset − j| keeps its meaning): a field to spread into that problem.
 */
export function biasForRow(problem: AttentionProblem, query: number): Pick<AttentionProblem, 'bias'> {
  return problem.bias ? { bias: { ...problem.bias, offset: problem.bias.offset + query } } : {};
}

/** Entry (h, i, ·) of an H×Tq×W head-major array. */
export function rowOf<T extends Float32Array | Int32Array>(a: T, h: number, i: number, Tq: number, W: number): T {
  return a.subarray((h * Tq + i) * W, (h * Tq + i + 1) * W) as T;
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : 0;
}

/** n kept inside [0, count − 1] (0 when there is nothing to pick). */
export function clampIndex(n: number, count: number): number {
  if (!(count > 0)) return 0;
  return Math.min(count - 1, Math.max(0, Math.floor(Number.isFinite(n) ? n : 0)));
}
