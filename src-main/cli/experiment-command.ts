/**
 * `qklab experiment NAME [JOB.json] [options] [--json] [--out DIR]`: any experiment of the
 * registry (src-shared/experiments) on the engine (CpuPool), the same modules the app's
 * views run through LabService.runExperiment. Each experiment's flags and help come from its
 * options schema: numbers, integers, lists (`--taus 0.1,0.5`, `--metrics dot,cosine`) and
 * booleans, with the schema's defaults; nothing here names an experiment.
 *
 * Output: --json prints one JSON object (the result, typed arrays as lists); --out DIR
 * writes the module's files (NAME.csv, NAME.json, NAME.svg, NAME.png); with neither, the
 * CSV table goes to stdout.
 */
import { parseArgs } from 'node:util';
import * as v from 'valibot';
import { wholeNumber } from './options';
import { RENDER_FLAGS } from './common-flags';
import { dirname, join, resolve } from 'node:path';
import { CpuPool } from '../engine/pool';
import { loadJobFiles } from './cli-service';
import { makePrivateDir, writeFileAtomic } from '../service/durable-files';
import { parseJobSpec } from '../../src-shared/job/spec';
import {
  EXPERIMENTS,
  EXPERIMENT_NAMES,
  ExperimentOptionError,
  experimentChartOption,
  experimentFiles,
  experimentJson,
  experimentModule,
  fieldText,
  optionDefaults,
  optionFields,
  parseFieldText,
  requestOptionsSchema,
  runExperiment,
  tableCsv,
  type ExperimentChartOpts,
  type ExperimentContext,
  type ExperimentInput,
  type ExperimentModule,
  type ExperimentName,
  type OptionField,
} from '../../src-shared/experiments';
import { PNG_SCALES, renderSvg, svgToPng, type PngScale } from '../service/export/render';

export interface ExperimentCommandDeps {
  usage: (message: string) => Error;
  readJob: (path: string) => Promise<unknown>;
}

export interface ExperimentArgs {
  name: ExperimentName;
  jobPath: string | null;
  /** the flags given, read as values (the schema's defaults fill the rest once the job is known) */
  given: Record<string, unknown>;
  json: boolean;
  out: string | null;
  scale: PngScale;
  width: number;
  height: number;
  theme: 'light' | 'dark';
  workers?: number;
  threads?: number;
  help: boolean;
}

/** The flags every experiment takes. */
const COMMON = {
  json: { type: 'boolean' },
  out: { type: 'string' },
  scale: { type: 'string' },
  ...RENDER_FLAGS,
  help: { type: 'boolean' },
} as const;

const KIND_WORDS: Record<OptionField['kind'], string> = {
  number: 'X',
  integer: 'N',
  numberList: 'X,X,…',
  integerList: 'N,N,…',
  choiceList: 'ID,ID,…',
  boolean: '',
};

/** One experiment's usage and options, from its module. */
export function experimentHelp(m: ExperimentModule): string {
  const lines = [`qklab experiment ${m.id}${m.needsJob ? ' JOB.json' : ''} [options]`, `  ${m.summary}`];
  const defaults = optionDefaults(m) as Record<string, unknown>;
  for (const f of optionFields(m)) {
    const range = f.min !== undefined || f.max !== undefined ? ` (${f.min ?? '…'}${f.exclusiveMin ? ' <' : ' ≤'} x ≤ ${f.max ?? '…'})` : '';
    const choices = f.choices ? ` (one of ${f.choices.join(', ')})` : '';
    const dflt = defaults[f.name] !== undefined ? `; default ${fieldText(defaults[f.name]).replace(/, /g, ',')}` : f.unset ? `; default ${f.unset}` : '';
    lines.push(`  --${f.name} ${KIND_WORDS[f.kind]}`.padEnd(26) + ` ${f.help || f.label}${range}${choices}${dflt}`);
  }
  return lines.join('\n');
}

/** Every experiment's usage: `qklab experiment --help`. */
export function experimentsHelp(): string {
  const common = '  each: [--json | --out DIR] [--scale 1|2|4] [--width PX] [--height PX] [--theme light|dark] [--workers N] [--threads N]';
  return [...EXPERIMENTS.map((m) => experimentHelp(m as ExperimentModule)), common].join('\n\n') + '\n';
}

/** Parse and check the arguments; every mistake is a usage error that names the option. */
export function parseExperimentArgs(args: string[], usage: (m: string) => Error): ExperimentArgs {
  const name = args.find((a) => !a.startsWith('-'));
  const m = name === undefined ? undefined : experimentModule(name);
  if (name !== undefined && !m) throw usage(`unknown experiment "${name}": one of ${EXPERIMENT_NAMES.join(', ')}`);
  const fields = m ? optionFields(m) : [];
  const flags = Object.fromEntries(fields.map((f) => [f.name, { type: f.kind === 'boolean' ? 'boolean' : 'string' } as const]));
  const known = new Set(EXPERIMENTS.flatMap((x) => Object.keys(x.options)));
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: false, options: { ...COMMON, ...flags } });
  const help = Boolean(values.help);
  if (!m) {
    if (help) return { name: '' as ExperimentName, jobPath: null, given: {}, json: false, out: null, scale: 2, width: 720, height: 480, theme: 'light', help };
    throw usage(`experiment needs a name: one of ${EXPERIMENT_NAMES.join(', ')}`);
  }
  const stray = Object.keys(values).find((k) => !(k in COMMON) && !(k in flags));
  if (stray) {
    const takes = fields.map((f) => `--${f.name}`).join(', ') || 'no options';
    throw usage(known.has(stray) ? `--${stray} is not an option of experiment ${m.id} (it takes ${takes})` : `unknown option --${stray}`);
  }
  const rest = positionals.slice(1);
  if (!help && (m.needsJob ? rest.length !== 1 : rest.length !== 0)) throw usage(m.needsJob ? `experiment ${m.id} takes one JOB.json` : `experiment ${m.id} takes no JOB.json`);
  const given: Record<string, unknown> = {};
  for (const f of fields) {
    const text = values[f.name];
    if (text === undefined) continue;
    const parsed = f.kind === 'boolean' ? { value: text } : parseFieldText(f, String(text));
    if ('error' in parsed) throw usage(`--${f.name}: ${parsed.error}`);
    given[f.name] = parsed.value;
  }
  const str = (k: keyof typeof COMMON) => (typeof values[k] === 'string' ? values[k] : undefined);
  const scale = Number(str('scale') ?? 2) as PngScale;
  if (!PNG_SCALES.includes(scale)) throw usage(`--scale must be 1, 2 or 4, got "${str('scale')}"`);
  const theme = str('theme') ?? 'light';
  if (theme !== 'light' && theme !== 'dark') throw usage(`--theme must be light or dark, got "${theme}"`);
  if (values.json && values.out) throw usage('give --json or --out DIR, not both');
  return {
    name: m.id as ExperimentName,
    jobPath: rest[0] === undefined ? null : resolve(rest[0]),
    given,
    json: Boolean(values.json),
    out: str('out') ? resolve(str('out')!) : null,
    scale,
    width: wholeNumber('width', str('width'), usage, 120) ?? 720,
    height: wholeNumber('height', str('height'), usage, 120) ?? 480,
    theme,
    workers: wholeNumber('workers', str('workers'), usage, 1),
    threads: wholeNumber('threads', str('threads'), usage, 1),
    help,
  };
}

/** The options of a run: the module's defaults (following the JobSpec where it has any), the flags over them, checked by its schema. */
export function experimentOptions(m: ExperimentModule, given: Record<string, unknown>, input: ExperimentInput | null): Record<string, unknown> {
  const options = { ...(optionDefaults(m, input?.spec ?? null) as Record<string, unknown>), ...given };
  const checked = v.safeParse(requestOptionsSchema(m), options);
  if (!checked.success) {
    const issue = checked.issues[0];
    const path = (issue.path ?? []).map((p) => String(p.key)).join('.');
    throw new ExperimentOptionError(path ? `options.${path}` : 'options', issue.message);
  }
  return checked.output;
}

/** The chart the CLI exports: the module's builder, at the export's size and theme, from its first view. */
export function exportChartOpts(a: Pick<ExperimentArgs, 'width' | 'height' | 'theme'>): ExperimentChartOpts {
  return { width: a.width, height: a.height, theme: a.theme, forExport: true };
}

export async function cmdExperiment(args: string[], deps: ExperimentCommandDeps): Promise<void> {
  const a = parseExperimentArgs(args, deps.usage);
  if (a.help) {
    const m = experimentModule(a.name);
    process.stdout.write(m ? experimentHelp(m) + '\n' : experimentsHelp());
    return;
  }
  const m = experimentModule(a.name)!;
  let input: ExperimentInput | null = null;
  if (a.jobPath) {
    const spec = parseJobSpec(await deps.readJob(a.jobPath), a.jobPath);
    input = { spec, files: await loadJobFiles(spec, dirname(a.jobPath)) };
  }
  const options = experimentOptions(m, a.given, input);
  const pool = new CpuPool({ workers: a.workers, threadsPerWorker: a.threads });
  try {
    const t0 = performance.now();
    let runs = 0;
    let backend = pool.id;
    let progressShown = false;
    const jobDir = a.jobPath ? dirname(a.jobPath) : null;
    const ctx: ExperimentContext = {
      // another JobSpec's files (another layer of the capture), resolved against the job file's folder
      loadFiles: jobDir === null ? undefined : (other) => loadJobFiles(other, jobDir),
      run: async (problem, signal) => {
        runs++;
        const r = await pool.run(problem, { signal });
        backend = r.backend;
        return r;
      },
      onProgress: a.json
        ? undefined
        : (f) => {
            progressShown = true;
            process.stderr.write(`\r${Math.round(f * 100)}% `);
          },
    };
    const result = await runExperiment(ctx, a.name, input, options as never);
    if (progressShown) process.stderr.write('\r      \r');
    const timing = { totalMs: performance.now() - t0, runs };
    const json = { experiment: a.name, ...(experimentJson(result) as Record<string, unknown>), backend, timing };
    if (a.json) {
      process.stdout.write(JSON.stringify(json) + '\n');
      return;
    }
    if (!a.out) {
      process.stdout.write(tableCsv(m.table(result)));
      return;
    }
    await makePrivateDir(a.out);
    const files = experimentFiles(a.name, result, {
      json: a.jobPath ? { ...json, job: input!.spec } : json,
      chart: experimentChartOption(a.name, result, exportChartOpts(a)),
      svg: (option) => renderSvg(option, a.width, a.height),
      png: (svg) => svgToPng(svg, a.scale),
    });
    for (const f of files) await writeFileAtomic(join(a.out, f.filename), f.data);
    process.stderr.write(`wrote ${files.map((f) => f.filename).join(', ')} to ${a.out}\n`);
  } finally {
    await pool.close();
  }
}
