/**
 * Layers × heads (issue #17 part 3): over every layer of a capture file, the mean entropy
 * (nats) of each head's weights under the current configuration — one engine run per layer
 * — as a heat table. A head that attends to one token is dark, a head that spreads wide is
 * bright; ln(Tk) is the most a row can have.
 */
import type { EChartsOption } from 'echarts';
import { heatTableOption } from '../charts/heat-table';
import { captureKey, isCapture, resolveJob, type FileTable } from '../job/resolve';
import type { JobSpec } from '../job/spec';
import { ExperimentOptionError, jobInput, Runs } from './common';
import { float64Text } from './csv';
import { defineExperiment, type ExperimentChartOpts, type ExperimentContext, type ExperimentInput } from './module';

export interface LayersResult {
  /** the capture file's name and every layer it holds, ascending */
  file: string;
  layers: number[];
  /** heads per layer (the most of any layer: a layer with fewer has nulls) */
  heads: number;
  /** meanEntropy[l][h]: mean over the query rows of head h's entropy at layers[l], nats; null past a layer's heads */
  meanEntropy: (number | null)[][];
  /** ln(Tk): the most a row's entropy can be */
  maxEntropy: number;
  Tq: number;
  Tk: number;
}

/** Why a JobSpec cannot run the layers experiment: it reads no capture file. */
export function layersJobProblem(spec: JobSpec): string | null {
  return spec.capture ? null : 'the layers experiment runs over a capture file: open one (or give the JobSpec a `capture` source)';
}

/** The layers of the input's capture, as its loaded file lists them; an error naming `job` when it reads no capture. */
export function captureLayersOf(input: ExperimentInput): { path: string; layers: number[] } {
  const capture = input.spec.capture;
  if (!capture) throw new ExperimentOptionError('job', layersJobProblem(input.spec)!);
  const loaded = input.files.get(captureKey(capture.path, capture.layer));
  if (!loaded || !isCapture(loaded)) throw new ExperimentOptionError('job', `the capture file "${capture.path}" was not loaded`);
  return { path: capture.path, layers: [...loaded.layers] };
}

export async function runLayers(ctx: ExperimentContext, input: ExperimentInput): Promise<LayersResult> {
  const { path, layers } = captureLayersOf(input);
  const own = input.spec.capture!;
  if (layers.length > 1 && !ctx.loadFiles) throw new ExperimentOptionError('job', 'this host cannot read the other layers of the capture');
  const runs = new Runs(ctx, layers.length);
  const rows: number[][] = [];
  let shape = { Tq: 0, Tk: 0, maxEntropy: 0 };
  for (const layer of layers) {
    const spec: JobSpec = { ...input.spec, capture: { ...own, layer }, outputs: ['entropy'], overview: undefined };
    const files: FileTable = layer === own.layer ? input.files : await ctx.loadFiles!(spec);
    const result = await runs.run(resolveJob(spec, files));
    rows.push([...result.meanEntropy]);
    shape = { Tq: result.Tq, Tk: result.Tk, maxEntropy: result.maxEntropy };
  }
  const heads = Math.max(...rows.map((r) => r.length));
  const meanEntropy = rows.map((r) => Array.from({ length: heads }, (_, h) => (h < r.length ? r[h] : null)));
  return { file: path.split(/[\\/]/).pop() || path, layers, heads, meanEntropy, ...shape };
}

export function layersChart(result: LayersResult, opts: ExperimentChartOpts): EChartsOption {
  return heatTableOption(
    {
      rows: result.layers.map(String),
      cols: Array.from({ length: result.heads }, (_, h) => String(h)),
      values: result.meanEntropy,
      rowName: 'layer',
      colName: 'head',
      valueLabel: 'mean entropy (nats)',
      range: [0, result.maxEntropy],
    },
    {
      ...opts,
      title: opts.title ?? 'Mean entropy per layer and head',
      subtitle:
        opts.subtitle ??
        `${result.file} · ${result.layers.length} layer${result.layers.length === 1 ? '' : 's'} × ${result.heads} heads · 0 … ln ${result.Tk} = ${result.maxEntropy.toFixed(3)} nats`,
    },
  );
}

export default defineExperiment({
  id: 'layers',
  title: 'Layers × heads',
  summary:
    "A capture file's every layer under the current configuration: each head's mean entropy per row, as a table of layers × heads (click a cell to show that layer and head).",
  needsJob: true,
  options: {},
  jobProblem: layersJobProblem,
  run: (ctx, input) => runLayers(ctx, jobInput(input)),
  table: (r) => ({
    header: ['layer', 'head', 'mean_entropy_nats'],
    rows: r.layers.flatMap((layer, l) => r.meanEntropy[l].flatMap((x, h) => (x === null ? [] : [[layer, h, float64Text(x)]]))),
  }),
  chart: layersChart,
  files: ['csv', 'json', 'svg', 'png'],
});
