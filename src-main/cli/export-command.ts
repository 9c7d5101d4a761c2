/**
 * `qklab export JOB.json --format png|svg|csv|npy|json --out FILE`: run a job the way
 * `qklab run` does (CpuPool + the service's runs, cli-service.ts) and write one export of
 * its result.
 */
import { parseCommand, RENDER_FLAGS, stringFlags, SWITCH } from './common-flags';
import { wholeNumber } from './options';
import { dirname, extname, resolve } from 'node:path';
import { CpuPool } from '../engine/pool';
import { makePrivateDir, writeFileAtomic } from '../service/durable-files';
import { CliService } from './cli-service';
import { DEFAULT_OUTPUTS } from '../../src-shared/job/resolve';
import type { OutputKind } from '../../src-shared/job/problem';
import type { HeatmapView } from '../../src-shared/api/lab-api';
import { COLORMAPS, DEFAULT_SEQUENTIAL, isColormap } from '../../src-shared/charts/colormaps';
import { describeJob } from '../../src-shared/charts/caption';
import { defaultHeatmapTitle, exportHeatmap } from '../service/export/heatmap-export';
import { exportHeadGrid } from '../service/export/heatmap-grid-export';
import { exportData, pooledOnly } from '../service/export/data-export';
import { PNG_SCALES, type PngScale } from '../service/export/render';

export const EXPORT_USAGE =
  'qklab export JOB.json --out FILE [--format png|svg|csv|npy|json] [--head N | --grid] [--scale 1|2|4] [--colormap NAME] [--matrix weights|scores] [--log] [--width PX] [--height PX] [--theme light|dark]';

export const EXPORT_FORMATS = ['png', 'svg', 'csv', 'npy', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportCommandDeps {
  /** makes the error main.ts reports with the usage text and exit code 2 */
  usage: (message: string) => Error;
  /** reads and parses the job file with messages that name it */
  readJob: (path: string) => Promise<unknown>;
}

export interface ExportArgs {
  jobPath: string;
  out: string;
  format: ExportFormat;
  head: number;
  scale: PngScale;
  colormap: string;
  matrix: 'weights' | 'scores';
  log: boolean;
  /** every head as a grid on one colour scale (png, svg) */
  grid: boolean;
  width?: number;
  height?: number;
  theme: 'light' | 'dark';
  workers?: number;
  threads?: number;
}

/** Parse and check the arguments; every mistake is a usage error that names the option. */
export function parseExportArgs(args: string[], usage: (m: string) => Error): ExportArgs {
  const { values, positionals } = parseCommand(args, {
    ...stringFlags('format', 'out', 'head', 'scale', 'colormap', 'matrix'),
    log: SWITCH,
    grid: SWITCH,
    ...RENDER_FLAGS,
  });
  if (positionals.length !== 1) throw usage('export takes one JOB.json');
  if (!values.out) throw usage('export needs --out FILE');
  const fromExt = extname(values.out).slice(1).toLowerCase();
  const format = (values.format ?? fromExt) as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) {
    throw usage(
      values.format
        ? `--format must be one of ${EXPORT_FORMATS.join(', ')}, got "${values.format}"`
        : `cannot tell the format from "${values.out}": give --format ${EXPORT_FORMATS.join('|')}`,
    );
  }
  const scale = Number(values.scale ?? 2) as PngScale;
  if (!PNG_SCALES.includes(scale)) throw usage(`--scale must be 1, 2 or 4, got "${values.scale}"`);
  if (values.grid && format !== 'png' && format !== 'svg') throw usage(`--grid draws a picture: it exports as png or svg, not ${format}`);
  if (values.grid && values.head !== undefined) throw usage('--grid draws every head: leave out --head');
  const colormap = values.colormap ?? DEFAULT_SEQUENTIAL;
  if (!isColormap(colormap)) throw usage(`--colormap must be one of ${COLORMAPS.map((c) => c.id).join(', ')}, got "${colormap}"`);
  const matrix = values.matrix ?? 'weights';
  if (matrix !== 'weights' && matrix !== 'scores') throw usage(`--matrix must be weights or scores, got "${matrix}"`);
  const theme = values.theme ?? 'light';
  if (theme !== 'light' && theme !== 'dark') throw usage(`--theme must be light or dark, got "${theme}"`);
  return {
    jobPath: resolve(positionals[0]),
    out: resolve(values.out),
    format,
    head: wholeNumber('head', values.head, usage) ?? 0,
    scale,
    colormap,
    matrix,
    log: Boolean(values.log),
    grid: Boolean(values.grid),
    width: wholeNumber('width', values.width, usage, 120),
    height: wholeNumber('height', values.height, usage, 120),
    theme,
    workers: wholeNumber('workers', values.workers, usage, 1),
    threads: wholeNumber('threads', values.threads, usage, 1),
  };
}

/**
 * The outputs a job must produce for this export, added to the ones it asks for. A job that
 * asks for the pooled overview and not the matrix (a long sequence, whose full matrices are too
 * big to hold) is exported from its overview: nothing is added.
 */
export function outputsFor(format: ExportFormat, matrix: 'weights' | 'scores', asked: readonly OutputKind[] = []): OutputKind[] {
  if (asked.includes('overview') && !asked.includes(matrix)) return [];
  const needed: OutputKind[] = ['weights'];
  // images draw masked pairs from the scores (−∞), and CSV / NPY leave them empty / NaN, so they ask for them
  if (format !== 'json' || matrix === 'scores') needed.push('scores');
  return needed;
}

/** The outputs a job file asks for (the defaults when it names none; none when it is malformed). */
function askedOutputs(input: unknown): OutputKind[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [];
  const outputs = (input as Record<string, unknown>).outputs;
  if (outputs === undefined) return DEFAULT_OUTPUTS;
  return Array.isArray(outputs) ? (outputs as OutputKind[]) : [];
}

function withOutputs(input: unknown, needed: OutputKind[]): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const job = input as Record<string, unknown>;
  const current = job.outputs === undefined ? DEFAULT_OUTPUTS : job.outputs;
  // a malformed list is left for the JobSpec validation to report
  if (!Array.isArray(current)) return input;
  const listed = current as unknown[];
  return { ...job, outputs: [...listed, ...needed.filter((k) => !listed.includes(k))] };
}

export async function cmdExport(args: string[], deps: ExportCommandDeps): Promise<void> {
  const a = parseExportArgs(args, deps.usage);
  const job = await deps.readJob(a.jobPath);
  const input = withOutputs(job, outputsFor(a.format, a.matrix, askedOutputs(job)));
  const pool = new CpuPool({ workers: a.workers, threadsPerWorker: a.threads });
  try {
    let progressShown = false;
    const cli = new CliService(pool, (fraction) => {
      progressShown = true;
      process.stderr.write(`\r${Math.round(fraction * 100)}% `);
    });
    // a picture of one head computes that head alone (a grid, or a data export, reads them all)
    const oneHead = (a.format === 'png' || a.format === 'svg') && !a.grid;
    const finished = await cli.run(input, a.jobPath, { onlyHead: oneHead ? a.head : undefined });
    const run = finished.run;
    // clear the progress figure so that what follows (the written file, or an error) starts the line
    if (progressShown) process.stderr.write('\r      \r');
    const result = run.result;
    // the result lives in this thread's memory: the workers' heaps go before drawing needs its own
    await pool.close();
    const heads = finished.problem.heads;
    if (a.head >= heads) {
      throw deps.usage(`--head ${a.head}: the job has ${heads} head${heads === 1 ? '' : 's'} (0–${heads - 1})`);
    }
    const tokens = run.tokens;
    const caption = describeJob(run.spec);
    let data: Uint8Array | string;
    let what: string = a.format;
    if (a.format === 'png' || a.format === 'svg') {
      const view: HeatmapView = { matrix: a.matrix, colormap: a.colormap, scale: a.log ? 'log' : 'linear', head: a.head };
      const options = { format: a.format, scale: a.scale, caption, width: a.width, height: a.height, theme: a.theme };
      if (a.grid) data = exportHeadGrid({ result, tokens }, view, options);
      else {
        // the title names the job's head and head count, whichever heads the result holds
        const title = defaultHeatmapTitle({ heads }, view);
        data = exportHeatmap(result, tokens, { ...view, head: finished.head === undefined ? a.head : 0 }, { ...options, title });
      }
      if (a.format === 'png') what = `png, ${pngSize(data as Uint8Array)}`;
    } else {
      // the engine's result carries its own bookkeeping (backend, timing); the JSON export is the AttentionResult plus the job
      const { backend, timing, ...plain } = result;
      data = exportData(plain, tokens, a.format, { head: a.head, matrix: a.matrix, extra: { job: run.spec, caption, backend, timing } });
      const ov = pooledOnly(result, a.matrix) ? result.overview! : null;
      const [rows, cols] = ov ? [ov.rows, ov.cols] : [result.Tq, result.Tk];
      const matrix = ov ? `pooled overview (${ov.pool} of ${Math.ceil(result.Tq / ov.rows)}×${Math.ceil(result.Tk / ov.cols)} blocks)` : a.matrix;
      if (a.format === 'csv') what = `csv, head ${a.head} ${matrix}, ${rows}×${cols}`;
      if (a.format === 'npy') what = `npy, ${matrix} ${result.heads}×${rows}×${cols}`;
    }
    await makePrivateDir(dirname(a.out));
    await writeFileAtomic(a.out, data);
    process.stderr.write(`wrote ${a.out} (${what})\n`);
  } finally {
    await pool.close();
  }
}

function pngSize(png: Uint8Array): string {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return `${view.getUint32(16)}×${view.getUint32(20)} px`;
}
