/**
 * What an experiment is: one descriptor (`ExperimentModule`) holding its id and words, its
 * options schema with the defaults (valibot entries; a field's help is `v.description`, its
 * label and picker hints `v.metadata`), its `run` over a Runner, its table and its chart.
 * The registry (index.ts) lists the descriptors once; the IPC schema, the CLI's flags and
 * help, the app's form and views and every export read them from there.
 */
import type { EChartsOption } from 'echarts';
import * as v from 'valibot';
import type { AttentionProblem, AttentionResult } from '../job/problem';
import type { FileTable } from '../job/resolve';
import type { JobSpec } from '../job/spec';
import type { ChartOpts } from '../charts/theme';

/** Runs one resolved problem (the engine in the app and the CLI, referenceAttention in tests). */
export type Runner = (problem: AttentionProblem, signal?: AbortSignal) => Promise<AttentionResult>;

export interface ExperimentContext {
  run: Runner;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  /**
   * The files of another JobSpec over the input's own (granted) paths, loaded as the input's
   * were: the layers experiment reads every layer of its capture this way. Absent where the
   * host offers none (the experiment then says so).
   */
  loadFiles?: (spec: JobSpec) => Promise<FileTable>;
}

export type ExperimentInput = { spec: JobSpec; files: FileTable };

/** An experiment's table: the CSV's columns and rows (numbers already as the text to write, or plain numbers). */
export interface ExperimentTable {
  header: string[];
  rows: (string | number)[][];
}

/** What a chart is drawn for: size, theme, and the view's picks (a head, a query, a step) where it has any. */
export interface ExperimentChartOpts extends ChartOpts {
  title?: string;
  subtitle?: string;
  view?: Readonly<Record<string, number>>;
}

/** The files an experiment's results export to (the CLI's --out, the app's downloads). */
export type ExperimentFileKind = 'csv' | 'json' | 'svg' | 'png';

/** The options a set of entries validates to (defaults filled in). */
export type OptionsOf<E extends v.ObjectEntries> = v.InferOutput<v.StrictObjectSchema<E, undefined>>;

export interface ExperimentModule<Id extends string = string, E extends v.ObjectEntries = v.ObjectEntries, R = unknown> {
  id: Id;
  /** the tab's label and the chart's name in words */
  title: string;
  /** one sentence: what it shows */
  summary: string;
  /** runs over a JobSpec (and its files) */
  needsJob: boolean;
  /** one entry per option; `v.optional(schema, default)` gives the default */
  options: E;
  /** a rule across fields, as `field: problem`, or null */
  check?: (options: OptionsOf<E>) => string | null;
  /** why a JobSpec cannot run this experiment at all (e.g. it reads no capture), or null: checked before any run, and by the app's Run button */
  jobProblem?: (spec: JobSpec) => string | null;
  /** defaults that follow the JobSpec (e.g. the job's own score function first) */
  defaultsFor?: (spec: JobSpec | null) => Partial<OptionsOf<E>>;
  /** the view's picks the chart reads (head, query, step…) and their starting values */
  view?: Readonly<Record<string, number>>;
  run(ctx: ExperimentContext, input: ExperimentInput | null, options: OptionsOf<E>): Promise<R>;
  table(result: R): ExperimentTable;
  chart(result: R, opts: ExperimentChartOpts): EChartsOption;
  files: readonly ExperimentFileKind[];
}

/** Declare an experiment (the identity, with its types inferred from the parts). */
export function defineExperiment<Id extends string, E extends v.ObjectEntries, R>(m: ExperimentModule<Id, E, R>): ExperimentModule<Id, E, R> {
  return m;
}

const FILE_KINDS: readonly ExperimentFileKind[] = ['csv', 'json', 'svg', 'png'];

/**
 * The first thing wrong with a descriptor, or null: a registry entry with a missing or bad
 * part fails here (at start-up and in the tests), not when someone first opens its view.
 */
export function moduleProblem(m: Partial<ExperimentModule>): string | null {
  if (typeof m.id !== 'string' || !/^[a-z][a-z0-9-]*$/.test(m.id)) return `id: expected a lower-case name, got ${JSON.stringify(m.id)}`;
  const where = `experiment "${m.id}"`;
  if (typeof m.title !== 'string' || !m.title) return `${where}: no title`;
  if (typeof m.summary !== 'string' || !m.summary) return `${where}: no summary`;
  if (typeof m.needsJob !== 'boolean') return `${where}: needsJob must be true or false`;
  if (!m.options || typeof m.options !== 'object') return `${where}: no options`;
  for (const [name, schema] of Object.entries(m.options)) {
    if (!schema || (schema as { kind?: string }).kind !== 'schema') return `${where}: option "${name}" is not a valibot schema`;
  }
  for (const part of ['run', 'table', 'chart'] as const) if (typeof m[part] !== 'function') return `${where}: no ${part} function`;
  if (!Array.isArray(m.files) || m.files.length === 0 || (m.files as unknown[]).some((f) => !FILE_KINDS.includes(f as ExperimentFileKind)))
    return `${where}: files must list some of ${FILE_KINDS.join(', ')}`;
  return null;
}

/** Throws on the first descriptor with a problem or an id used twice. */
export function checkRegistry(modules: readonly object[]): void {
  const seen = new Set<string>();
  for (const m of modules as readonly Partial<ExperimentModule>[]) {
    const problem = moduleProblem(m);
    if (problem) throw new Error(`experiment registry: ${problem}`);
    if (seen.has(m.id!)) throw new Error(`experiment registry: the id "${m.id}" is used twice`);
    seen.add(m.id!);
  }
}
