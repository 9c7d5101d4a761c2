/**
 * The experiments of SPEC §6, each a pure function of an ExperimentContext (a Runner: the
 * engine in the app and the CLI, the float64 reference in tests) and its options. They
 * check the context's signal between runs and report progress in runs done.
 */
import { runCompareMetrics } from './compare-metrics';
import { ExperimentOptionError } from './common';
import { runDecoding } from './decoding';
import { runGeometry } from './geometry';
import { runKnn } from './knn';
import { runScaling } from './scaling';
import { runTemperature } from './temperature';
import type { ExperimentContext, ExperimentInput, ExperimentName, ExperimentOptionsMap, ExperimentResultMap } from './types';

export * from './types';
export { EXPERIMENT_LIMITS, scalingProblem } from './limits';
export { ExperimentCancelled, ExperimentOptionError, rowProblem, throwIfAborted } from './common';
export { runScaling, scalingMatrix, scalingProblems, SCALING_DEFAULTS } from './scaling';
export { runTemperature, metricAtTau } from './temperature';
export { runCompareMetrics, rowDivergence, metricSpecFor } from './compare-metrics';
export { runGeometry } from './geometry';
export { runDecoding, decodingStepProblem } from './decoding';
export { runKnn } from './knn';
export * from './csv';

/** Run any experiment by name; every one but scaling needs `input` (a JobSpec and its loaded files). */
export async function runExperiment<N extends ExperimentName>(
  ctx: ExperimentContext,
  name: N,
  input: ExperimentInput | null,
  options: ExperimentOptionsMap[N],
): Promise<ExperimentResultMap[N]> {
  if (name === 'scaling') return (await runScaling(ctx, options as ExperimentOptionsMap['scaling'])) as ExperimentResultMap[N];
  if (!input) throw new ExperimentOptionError('job', `the ${name} experiment runs over a JobSpec; none was given`);
  switch (name) {
    case 'temperature':
      return (await runTemperature(ctx, input, options as ExperimentOptionsMap['temperature'])) as ExperimentResultMap[N];
    case 'compare':
      return (await runCompareMetrics(ctx, input, options as ExperimentOptionsMap['compare'])) as ExperimentResultMap[N];
    case 'geometry':
      return (await runGeometry(ctx, input, options as ExperimentOptionsMap['geometry'])) as ExperimentResultMap[N];
    case 'decoding':
      return (await runDecoding(ctx, input, options as ExperimentOptionsMap['decoding'])) as ExperimentResultMap[N];
    case 'knn':
      return (await runKnn(ctx, input, options as ExperimentOptionsMap['knn'])) as ExperimentResultMap[N];
  }
  throw new ExperimentOptionError('name', `unknown experiment "${String(name)}"`);
}
