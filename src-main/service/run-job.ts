/** JobSpec (untrusted JSON) → validated spec → loaded files → problem → engine result. */
import { parseJobSpec, type JobSpec } from '../../src-shared/job/spec';
import { resolveJob } from '../../src-shared/job/resolve';
import type { AttentionProblem } from '../../src-shared/job/problem';
import type { Backend, EngineResult, RunOptions } from '../engine/backend';
import { loadJobFiles } from './files';

export interface PreparedJob {
  spec: JobSpec;
  problem: AttentionProblem;
  loadMs: number;
}

export async function prepareJob(input: unknown, baseDir: string, signal?: AbortSignal): Promise<PreparedJob> {
  const t0 = performance.now();
  const spec = parseJobSpec(input);
  const files = await loadJobFiles(spec, baseDir, { signal });
  const problem = resolveJob(spec, files);
  return { spec, problem, loadMs: performance.now() - t0 };
}

export interface JobRun extends PreparedJob {
  result: EngineResult;
}

export async function runJob(engine: Backend, input: unknown, baseDir: string, options: RunOptions = {}): Promise<JobRun> {
  const prepared = await prepareJob(input, baseDir, options.signal);
  const result = await engine.run(prepared.problem, options);
  return { ...prepared, result };
}
