/**
 * The experiments room: the experiments of SPEC §6 (src-shared/experiments) on the
 * engine, through the same loader and the same runs in flight as a JobSpec run.
 */
import type { ExperimentReply, ExperimentReplyOf, ExperimentRequest, ExperimentRequestOf, ProgressEvent } from '../../../src-shared/api/lab-api';
import { JobSpecError, parseJobSpec } from '../../../src-shared/job/spec';
import { experimentModule, runExperiment as runExperimentByName, type ExperimentContext, type ExperimentInput, type ExperimentName } from '../../../src-shared/experiments';
import { stopReason, type ActiveRun, type ServiceContext } from '../service-context';
import { portableTree } from '../../engine/marshal';

export class Experiments {
  constructor(private readonly ctx: ServiceContext) {}

  // the names runExperiment reads, over the shared context
  private get closed(): boolean {
    return this.ctx.closed;
  }
  private get runs(): Map<string, ActiveRun> {
    return this.ctx.active;
  }
  private get options(): ServiceContext['options'] {
    return this.ctx.options;
  }
  private get backend(): ServiceContext['backend'] {
    return this.ctx.backend;
  }
  private loadJobFiles(...args: Parameters<ServiceContext['jobFiles']['load']>): ReturnType<ServiceContext['jobFiles']['load']> {
    return this.ctx.jobFiles.load(...args);
  }

  /**
   * One experiment of SPEC §6 (src-shared/experiments) on the engine. Cancellable like a
   * run (cancelJob with the same runId); progress arrives as the same ProgressEvents,
   * 'computing' counting the experiment's engine runs.
   */
  async runExperiment<N extends ExperimentName>(request: ExperimentRequestOf<N>): Promise<ExperimentReplyOf<N>> {
    const req = request as ExperimentRequest;
    if (this.closed) throw new Error('the lab is shutting down');
    const module = experimentModule(req.name);
    if (!module) throw new Error(`unknown experiment "${String(req.name)}"`);
    const spec = module.needsJob ? parseJobSpec(req.job === undefined ? missingJob(req.name) : req.job) : null;
    if (this.runs.has(req.runId)) throw new Error(`a run with id "${req.runId}" is already running`);
    const run: ActiveRun = { runId: req.runId, controller: new AbortController() };
    const { signal } = run.controller;
    this.runs.set(req.runId, run);
    const emit = (stage: ProgressEvent['stage'], fraction: number) => {
      if (!signal.aborted) this.options.onProgress?.({ runId: req.runId, stage, fraction: Math.min(1, Math.max(0, fraction)) });
    };
    const t0 = performance.now();
    let runs = 0;
    let backend = this.backend.id;
    try {
      let input: ExperimentInput | null = null;
      if (spec) {
        emit('loading', 0);
        input = { spec, files: await this.loadJobFiles(spec, signal, (f) => emit('loading', f)) };
      }
      const loadMs = performance.now() - t0;
      emit('computing', 0);
      const ctx: ExperimentContext = {
        signal,
        onProgress: (f) => emit('computing', f),
        // another JobSpec's files (another layer of the capture) through the same grants and cache
        loadFiles: (other) => this.loadJobFiles(other, signal, () => {}),
        run: async (problem, s) => {
          runs++;
          const result = await this.backend.run(problem, { signal: s ?? signal });
          backend = result.backend;
          return result;
        },
      };
      const result = await runExperimentByName(ctx, req.name, input, req.options as never);
      if (signal.aborted) throw signal.reason;
      const computeMs = performance.now() - t0 - loadMs;
      return {
        runId: req.runId,
        name: req.name,
        result: portableTree(result),
        backend,
        timing: { loadMs, computeMs, totalMs: performance.now() - t0, runs },
      } as ExperimentReply as ExperimentReplyOf<N>;
    } catch (err) {
      throw stopReason(signal, err, 'the experiment was cancelled');
    } finally {
      this.runs.delete(req.runId);
    }
  }
}

function missingJob(name: string): never {
  throw new JobSpecError('job', `the ${name} experiment runs over a JobSpec; none was given`);
}
