/**
 * A backend started by its first job. The CLI's worker pool is one: a job small enough to
 * run in process (in-process.ts) never pays for starting workers it would not use.
 */
import type { AttentionProblem, AttentionResult } from '../../src-shared/job/problem';
import type { Backend, EngineResult, RunOptions } from './backend';

export class OnDemandBackend implements Backend {
  private started: Backend | null = null;

  constructor(
    readonly id: string,
    private readonly start: () => Backend,
  ) {}

  /** started and ready (a backend that does not say is ready once started) */
  get ready(): boolean {
    return this.started ? (this.started.ready ?? true) : false;
  }

  run(problem: AttentionProblem, options?: RunOptions): Promise<EngineResult> {
    this.started ??= this.start();
    return this.started.run(problem, options);
  }

  release(result: AttentionResult): void {
    this.started?.release(result);
  }

  async close(): Promise<void> {
    await this.started?.close();
  }
}
