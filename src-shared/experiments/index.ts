/**
 * The experiments of SPEC §6: the one registry. Each entry is a module (module.ts says what
 * one holds); the IPC schema, the CLI's `qklab experiment`, the app's forms and views and
 * every export read this array, and the types by name below are derived from it.
 */
import compare from './compare';
import decoding from './decoding';
import geometry from './geometry';
import heads from './heads';
import knn from './knn';
import layers from './layers';
import positions from './positions';
import quantization from './quantization';
import ranking from './ranking';
import recurrence from './recurrence';
import scaling from './scaling';
import temperature from './temperature';
import { ExperimentOptionError } from './common';
import { chartOf, filesOf, type FileRecipe } from './files';
import { checkRegistry, type ExperimentChartOpts, type ExperimentContext, type ExperimentInput, type ExperimentModule, type OptionsOf } from './module';

export const EXPERIMENTS = [scaling, temperature, compare, geometry, decoding, knn, quantization, positions, ranking, recurrence, layers, heads] as const;
checkRegistry(EXPERIMENTS);

type Registered = (typeof EXPERIMENTS)[number];
export type ExperimentName = Registered['id'];
type ModuleOf<N extends ExperimentName> = Extract<Registered, { id: N }>;
/** What each experiment takes (defaults filled in) and returns, by name. */
export type ExperimentOptionsMap = { [N in ExperimentName]: OptionsOf<ModuleOf<N>['options']> };
export type ExperimentResultMap = { [N in ExperimentName]: Awaited<ReturnType<ModuleOf<N>['run']>> };

export const EXPERIMENT_NAMES: readonly ExperimentName[] = EXPERIMENTS.map((m) => m.id);

/** The module of a name, or undefined. */
export function experimentModule(name: string): ExperimentModule | undefined {
  return (EXPERIMENTS as readonly ExperimentModule[]).find((m) => m.id === name);
}

/** The module of a registered name, typed by it. */
export function moduleOf<N extends ExperimentName>(name: N): ExperimentModule<N, ModuleOf<N>['options'], ExperimentResultMap[N]> {
  const m = experimentModule(name);
  if (!m) throw new ExperimentOptionError('name', `unknown experiment "${String(name)}"`);
  return m as never;
}

/** Run any experiment by name; those that need a JobSpec need `input` (the JobSpec and its loaded files). */
export async function runExperiment<N extends ExperimentName>(
  ctx: ExperimentContext,
  name: N,
  input: ExperimentInput | null,
  options: ExperimentOptionsMap[N],
): Promise<ExperimentResultMap[N]> {
  const m = moduleOf(name);
  if (m.needsJob && !input) throw new ExperimentOptionError('job', `the ${name} experiment runs over a JobSpec; none was given`);
  const problem = input && m.jobProblem?.(input.spec);
  if (problem) throw new ExperimentOptionError('job', problem);
  return m.run(ctx, input, options);
}

export * from './module';
export { EXPERIMENT_LIMITS } from './limits';
export { ExperimentCancelled, ExperimentOptionError, clampIndex, rowProblem, throwIfAborted } from './common';
export { csvField, experimentJson, float32Text, tableCsv } from './csv';
export { fieldText, optionDefaults, optionFields, parseFieldText, requestOptionsSchema, type OptionField } from './fields';
export { runScaling, scalingMatrix, scalingProblem, scalingProblems, type ScalingOptions, type ScalingResult, type ScalingRow } from './scaling';
export { logSpaced, metricAtTau, runTemperature, type TemperatureOptions, type TemperatureResult, type TemperatureRow } from './temperature';
export { metricSpecFor, rowDivergence, runCompareMetrics, type CompareMetricsOptions, type CompareMetricsResult } from './compare';
export { runGeometry, type GeometryOptions, type GeometryView } from './geometry';
export { decodingStepProblem, runDecoding, type DecodingOptions, type DecodingResult, type DecodingStep } from './decoding';
export { runKnn, type KnnOptions, type KnnView } from './knn';
export { runQuantization, type QuantizationOptions, type QuantizationResult, type QuantizationRow } from './quantization';
export { ropeLongRangeBound, runPositions, type PositionsOptions, type PositionsResult } from './positions';
export { runRanking, columnSums, topOneAgreement, type RankingOptions, type RankingResult } from './ranking';
export { runRecurrence, RECURRENCE_MAX_T, type RecurrenceOptions, type RecurrenceResult, type RecurrenceRow } from './recurrence';
export { runLayers, captureLayersOf, type LayersResult } from './layers';
export { runHeads, headDivergence, type HeadsResult } from './heads';
export { type ExperimentFile, type FileRecipe } from './files';

/** An experiment's chart of a result, as the app's view shows it and the CLI's export draws it. */
export function experimentChartOption<N extends ExperimentName>(name: N, result: ExperimentResultMap[N], opts: ExperimentChartOpts) {
  return chartOf(moduleOf(name) as ExperimentModule, result, opts);
}

/** An experiment's files for a result (its table, its JSON, its chart), as its module lists them. */
export function experimentFiles<N extends ExperimentName>(name: N, result: ExperimentResultMap[N], recipe: FileRecipe) {
  return filesOf(moduleOf(name) as ExperimentModule, result, recipe);
}
