/**
 * Finished runs kept for export and zoom, newest last, at most `keep` of them. A run pushed
 * out gives its memory back to the engine — unless an export is reading it (a lease), in
 * which case it goes back when the last export ends.
 */
import type { AttentionProblem } from '../../../src-shared/job/problem';
import type { JobSpec } from '../../../src-shared/job/spec';
import type { Backend, EngineResult } from '../../engine/backend';
import type { Tokens } from '../export/heatmap-export';

/** A finished run kept for export. */
export interface StoredRun {
  result: EngineResult;
  tokens: Tokens;
  spec: JobSpec;
}

export class KeptResults {
  private readonly results = new Map<string, StoredRun>();
  /** Exports reading a kept run now: its memory is not given back while one is running. */
  private readonly leases = new Map<StoredRun, number>();
  private readonly retired = new WeakSet<StoredRun>();
  /**
   * The resolved problems of the kept runs (fetchTile recomputes regions of them). Kept
   * beside `results`, not in StoredRun, so exports do not post the inputs to their worker.
   */
  private readonly problems = new Map<string, AttentionProblem>();

  constructor(
    private readonly backend: Backend,
    private readonly keepResults: number,
  ) {}

  keep(runId: string, run: StoredRun, problem: AttentionProblem): void {
    const replaced = this.results.get(runId);
    this.results.delete(runId);
    this.results.set(runId, run);
    if (replaced && replaced !== run) this.retire(replaced);
    while (this.results.size > this.keepResults) {
      const oldest = this.results.keys().next().value!;
      this.retire(this.results.get(oldest)!);
      this.results.delete(oldest);
    }
    this.problems.set(runId, problem);
    for (const id of this.problems.keys()) if (!this.results.has(id)) this.problems.delete(id);
  }

  /**
   * The finished run kept for export (tests and the CLI read it too). Its arrays are valid
   * while it is kept: a run pushed out by newer ones gives its memory back to the engine.
   */
  get(runId: string): StoredRun | undefined {
    return this.results.get(runId);
  }

  /** The problem of a kept run (for zooming), or undefined once the run is gone. */
  problemOf(runId: string): AttentionProblem | undefined {
    return this.results.has(runId) ? this.problems.get(runId) : undefined;
  }

  /** A run no longer kept: its memory goes back to the engine once no export reads it. */
  private retire(run: StoredRun): void {
    this.retired.add(run);
    if (!this.leases.has(run)) this.backend.release(run.result);
  }

  /** Use a kept run; its memory stays valid until `use` settles, even if newer runs push it out meanwhile. */
  async leased<T>(run: StoredRun, use: () => Promise<T>): Promise<T> {
    this.leases.set(run, (this.leases.get(run) ?? 0) + 1);
    try {
      return await use();
    } finally {
      const left = this.leases.get(run)! - 1;
      if (left > 0) this.leases.set(run, left);
      else {
        this.leases.delete(run);
        if (this.retired.has(run)) this.backend.release(run.result);
      }
    }
  }
}
