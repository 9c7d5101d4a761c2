/**
 * What an experiment's result exports to, read from its module: the chart option (the one
 * builder the app's view and the CLI's SVG/PNG both render) and the files — the table as
 * CSV, the result as JSON, the chart as SVG and PNG where the host can draw them.
 */
import type { EChartsOption } from 'echarts';
import { tableCsv } from './csv';
import type { ExperimentChartOpts, ExperimentFileKind, ExperimentModule } from './module';

export interface ExperimentFile {
  filename: string;
  mime: string;
  data: string | Uint8Array;
}

/** A module's chart of a result: its own view picks as the starting point, the caller's over them. */
export function chartOf<R>(m: ExperimentModule<string, never, R> | ExperimentModule, result: R, opts: ExperimentChartOpts): EChartsOption {
  return (m as ExperimentModule<string, never, R>).chart(result, { ...opts, view: { ...m.view, ...opts.view } });
}

export interface FileRecipe {
  /** what the JSON file holds (the caller adds its job, options, timing) */
  json: unknown;
  /** file names are PREFIX + id + extension ("qklab-" in the app, "" in the CLI) */
  prefix?: string;
  /** only these kinds (a host that cannot draw leaves svg and png out) */
  kinds?: readonly ExperimentFileKind[];
  chart?: EChartsOption;
  svg?: (option: EChartsOption) => string;
  png?: (svg: string) => Uint8Array;
}

const MIME: Record<ExperimentFileKind, string> = { csv: 'text/csv;charset=utf-8', json: 'application/json', svg: 'image/svg+xml', png: 'image/png' };

/** The module's files for a result, in its order. */
export function filesOf<R>(m: ExperimentModule, result: R, recipe: FileRecipe): ExperimentFile[] {
  const out: ExperimentFile[] = [];
  let svg: string | null = null;
  for (const kind of m.files) {
    if (recipe.kinds && !recipe.kinds.includes(kind)) continue;
    let data: string | Uint8Array;
    if (kind === 'csv') data = tableCsv(m.table(result));
    else if (kind === 'json') data = JSON.stringify(recipe.json, null, 1) + '\n';
    else {
      if (!recipe.chart || !recipe.svg) throw new Error(`the ${m.id} experiment's ${kind} needs a chart renderer`);
      svg ??= recipe.svg(recipe.chart);
      if (kind === 'svg') data = svg;
      else if (recipe.png) data = recipe.png(svg);
      else throw new Error(`the ${m.id} experiment's png needs a PNG renderer`);
    }
    out.push({ filename: `${recipe.prefix ?? ''}${m.id}.${kind}`, mime: MIME[kind], data });
  }
  return out;
}
