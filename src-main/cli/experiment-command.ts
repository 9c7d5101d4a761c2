/**
 * `qklab experiment NAME [JOB.json] [options] [--json] [--out DIR]`: the experiments of
 * SPEC §6 (src-shared/experiments) on the engine (WasmPool), the same functions the app's
 * views call through LabService.runExperiment.
 *
 * Output: --json prints one JSON object (the result, typed arrays as lists); --out DIR
 * writes NAME.csv (the table), NAME.json, NAME.svg and NAME.png (the chart); with
 * neither, the CSV table goes to stdout.
 */
import { parseArgs } from 'node:util';
import { wholeNumber } from './options';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { WasmPool } from '../engine/pool';
import { loadJobFiles } from './cli-service';
import { writeFileAtomic } from '../service/durable-files';
import { parseJobSpec } from '../../src-shared/job/spec';
import {
  EXPERIMENT_NAMES,
  SCALING_DEFAULTS,
  experimentCsv,
  experimentJson,
  runExperiment,
  type ExperimentContext,
  type ExperimentInput,
  type ExperimentName,
  type ExperimentOptionsMap,
} from '../../src-shared/experiments';
import { experimentChartOption } from '../../src-shared/charts/experiments';
import { PNG_SCALES, renderSvg, svgToPng, type PngScale } from '../service/export/render';

export const DEFAULT_TAUS = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];
export const DEFAULT_METRICS = ['dot', 'cosine', 'rbf'];

export interface ExperimentCommandDeps {
  usage: (message: string) => Error;
  readJob: (path: string) => Promise<unknown>;
}

export interface ExperimentArgs {
  name: ExperimentName;
  jobPath: string | null;
  options: ExperimentOptionsMap[ExperimentName];
  json: boolean;
  out: string | null;
  scale: PngScale;
  width: number;
  height: number;
  theme: 'light' | 'dark';
  workers?: number;
  threads?: number;
}

const OPTIONS_OF: Record<ExperimentName, string[]> = {
  scaling: ['dims', 'n', 'trials', 'seed'],
  temperature: ['taus'],
  compare: ['metrics', 'k'],
  geometry: ['query', 'head'],
  decoding: ['steps'],
  knn: ['query', 'head', 'k'],
};

/** Parse and check the arguments; every mistake is a usage error that names the option. */
export function parseExperimentArgs(args: string[], usage: (m: string) => Error): ExperimentArgs {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      dims: { type: 'string' },
      n: { type: 'string' },
      trials: { type: 'string' },
      seed: { type: 'string' },
      taus: { type: 'string' },
      metrics: { type: 'string' },
      k: { type: 'string' },
      query: { type: 'string' },
      head: { type: 'string' },
      steps: { type: 'string' },
      json: { type: 'boolean' },
      out: { type: 'string' },
      scale: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      theme: { type: 'string' },
      workers: { type: 'string' },
      threads: { type: 'string' },
      debug: { type: 'boolean' },
    },
  });
  const [name, ...rest] = positionals;
  if (!name) throw usage(`experiment needs a name: one of ${EXPERIMENT_NAMES.join(', ')}`);
  if (!(EXPERIMENT_NAMES as readonly string[]).includes(name)) throw usage(`unknown experiment "${name}": one of ${EXPERIMENT_NAMES.join(', ')}`);
  const exp = name as ExperimentName;
  if (exp === 'scaling' ? rest.length !== 0 : rest.length !== 1) {
    throw usage(exp === 'scaling' ? 'experiment scaling takes no JOB.json' : `experiment ${exp} takes one JOB.json`);
  }
  const given = values as Record<string, unknown>;
  const stray = Object.keys(given).find((k) => ['dims', 'n', 'trials', 'seed', 'taus', 'metrics', 'k', 'query', 'head', 'steps'].includes(k) && !OPTIONS_OF[exp].includes(k));
  if (stray) throw usage(`--${stray} is not an option of experiment ${exp} (it takes ${OPTIONS_OF[exp].map((o) => `--${o}`).join(', ')})`);

  const int = (opt: string, text: string | undefined, min: number, fallback?: number): number => {
    if (text === undefined) {
      if (fallback === undefined) throw usage(`experiment ${exp} needs --${opt}`);
      return fallback;
    }
    return wholeNumber(opt, text, usage, min)!;
  };
  const list = <T>(opt: string, text: string | undefined, parse: (s: string) => T, ok: (x: T) => boolean, what: string, fallback: T[]): T[] => {
    if (text === undefined) return fallback;
    const items = text.split(',').map((s) => s.trim());
    if (!items.length || items.some((s) => s === '')) throw usage(`--${opt} expects a comma-separated list of ${what}, got "${text}"`);
    return items.map((s) => {
      const x = parse(s);
      if (!ok(x)) throw usage(`--${opt}: "${s}" is not a valid ${what.replace(/s$/, '')}`);
      return x;
    });
  };

  let options: ExperimentOptionsMap[ExperimentName];
  switch (exp) {
    case 'scaling':
      options = {
        dims: list('dims', values.dims, Number, (x) => Number.isInteger(x) && x >= 1, 'whole numbers', SCALING_DEFAULTS.dims),
        n: int('n', values.n, 1, SCALING_DEFAULTS.n),
        trials: int('trials', values.trials, 1, SCALING_DEFAULTS.trials),
        seed: int('seed', values.seed, 0, SCALING_DEFAULTS.seed),
      };
      break;
    case 'temperature':
      options = { taus: list('taus', values.taus, Number, (x) => Number.isFinite(x) && x > 0, 'positive numbers', DEFAULT_TAUS) };
      break;
    case 'compare':
      options = { metrics: list('metrics', values.metrics, String, (s) => /^[a-z]+$/.test(s), 'score function ids', DEFAULT_METRICS), k: int('k', values.k, 1, 5) };
      break;
    case 'geometry':
      options = { query: int('query', values.query, 0, 0), head: int('head', values.head, 0, 0) };
      break;
    case 'decoding':
      options = values.steps === undefined ? {} : { steps: int('steps', values.steps, 1) };
      break;
    case 'knn':
      options = { query: int('query', values.query, 0, 0), head: int('head', values.head, 0, 0), k: int('k', values.k, 1, 5) };
      break;
  }
  const scale = Number(values.scale ?? 2) as PngScale;
  if (!PNG_SCALES.includes(scale)) throw usage(`--scale must be 1, 2 or 4, got "${values.scale}"`);
  const theme = values.theme ?? 'light';
  if (theme !== 'light' && theme !== 'dark') throw usage(`--theme must be light or dark, got "${theme}"`);
  if (values.json && values.out) throw usage('give --json or --out DIR, not both');
  return {
    name: exp,
    jobPath: rest[0] === undefined ? null : resolve(rest[0]),
    options: options!,
    json: Boolean(values.json),
    out: values.out ? resolve(values.out) : null,
    scale,
    width: int('width', values.width, 120, 720),
    height: int('height', values.height, 120, 480),
    theme,
    workers: wholeNumber('workers', values.workers, usage, 1),
    threads: wholeNumber('threads', values.threads, usage, 1),
  };
}

export async function cmdExperiment(args: string[], deps: ExperimentCommandDeps): Promise<void> {
  const a = parseExperimentArgs(args, deps.usage);
  let input: ExperimentInput | null = null;
  if (a.jobPath) {
    const spec = parseJobSpec(await deps.readJob(a.jobPath), a.jobPath);
    input = { spec, files: await loadJobFiles(spec, dirname(a.jobPath)) };
  }
  const pool = new WasmPool({ workers: a.workers, threadsPerWorker: a.threads });
  try {
    const t0 = performance.now();
    let runs = 0;
    let backend = pool.id;
    let progressShown = false;
    const ctx: ExperimentContext = {
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
    const result = await runExperiment(ctx, a.name, input, a.options as never);
    if (progressShown) process.stderr.write('\r      \r');
    const timing = { totalMs: performance.now() - t0, runs };
    const json = { experiment: a.name, ...(experimentJson(result) as Record<string, unknown>), backend, timing };
    if (a.json) {
      process.stdout.write(JSON.stringify(json) + '\n');
      return;
    }
    const csv = experimentCsv(a.name, result);
    if (!a.out) {
      process.stdout.write(csv);
      return;
    }
    await mkdir(a.out, { recursive: true });
    const svg = renderSvg(experimentChartOption(a.name, result, { width: a.width, height: a.height, theme: a.theme, forExport: true }), a.width, a.height);
    const files: [string, string | Uint8Array][] = [
      [`${a.name}.csv`, csv],
      [`${a.name}.json`, JSON.stringify(a.jobPath ? { ...json, job: input!.spec } : json, null, 1) + '\n'],
      [`${a.name}.svg`, svg],
      [`${a.name}.png`, svgToPng(svg, a.scale)],
    ];
    for (const [name, data] of files) await writeFileAtomic(join(a.out, name), data);
    process.stderr.write(`wrote ${files.map(([n]) => n).join(', ')} to ${a.out}\n`);
  } finally {
    await pool.close();
  }
}
