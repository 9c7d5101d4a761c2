/**
 * Head similarity (issue #17 part 3): the current configuration run once, and for every pair
 * of its heads the Jensen–Shannon divergence (nats, in [0, ln 2]) between their weights,
 * averaged over the query rows both leave non-empty — a heads × heads table, 0 on the
 * diagonal, symmetric. Heads that look at the same keys are near 0.
 */
import type { EChartsOption } from 'echarts';
import { heatTableOption } from '../charts/heat-table';
import { jensenShannon } from '../stats';
import { jobInput, resolveInput, Runs } from './common';
import { float64Text } from './csv';
import { defineExperiment, type ExperimentChartOpts, type ExperimentContext, type ExperimentInput } from './module';

export interface HeadsResult {
  heads: number;
  Tq: number;
  Tk: number;
  /** divergence[a][b]: mean over the rows non-empty in both heads of JS(row of a, row of b), nats; null when no row is */
  divergence: (number | null)[][];
  /** the layer of a capture, when the JobSpec reads one (for the title) */
  layer: number | null;
}

/** Mean per-row JS divergence between every pair of heads of weights H×Tq×Tk, skipping rows empty in either. */
export function headDivergence(weights: Float32Array, heads: number, Tq: number, Tk: number, emptyRows: number[][]): (number | null)[][] {
  const empty = emptyRows.map((rows) => new Set(rows));
  const out: (number | null)[][] = Array.from({ length: heads }, () => new Array<number | null>(heads).fill(null));
  for (let a = 0; a < heads; a++) {
    for (let b = a; b < heads; b++) {
      let sum = 0;
      let n = 0;
      for (let i = 0; i < Tq; i++) {
        if (empty[a]?.has(i) || empty[b]?.has(i)) continue;
        const ra = weights.subarray((a * Tq + i) * Tk, (a * Tq + i + 1) * Tk);
        const rb = weights.subarray((b * Tq + i) * Tk, (b * Tq + i + 1) * Tk);
        sum += a === b ? 0 : jensenShannon(ra, rb);
        n++;
      }
      out[a][b] = out[b][a] = n > 0 ? sum / n : null;
    }
  }
  return out;
}

export async function runHeads(ctx: ExperimentContext, input: ExperimentInput): Promise<HeadsResult> {
  const runs = new Runs(ctx, 1);
  const result = await runs.run(resolveInput(input, { outputs: ['weights'], overview: undefined }));
  const { heads, Tq, Tk } = result;
  return { heads, Tq, Tk, divergence: headDivergence(result.weights!, heads, Tq, Tk, result.emptyRows), layer: input.spec.capture?.layer ?? null };
}

export function headsChart(result: HeadsResult, opts: ExperimentChartOpts): EChartsOption {
  const labels = Array.from({ length: result.heads }, (_, h) => String(h));
  return heatTableOption(
    { rows: labels, cols: labels, values: result.divergence, rowName: 'head', colName: 'head', valueLabel: 'mean JS divergence (nats)', range: [0, Math.LN2], colormap: 'magma' },
    {
      ...opts,
      title: opts.title ?? 'Head similarity',
      subtitle: opts.subtitle ?? `${result.layer === null ? '' : `layer ${result.layer} · `}mean JS divergence per row between heads · 0 (same) … ln 2 (disjoint)`,
    },
  );
}

export default defineExperiment({
  id: 'heads',
  title: 'Head similarity',
  summary: 'The current configuration run once: the Jensen–Shannon divergence between every pair of heads, mean over rows, as a heads × heads table.',
  needsJob: true,
  options: {},
  run: (ctx, input) => runHeads(ctx, jobInput(input)),
  table: (r) => ({
    header: ['head_a', 'head_b', 'mean_js_nats'],
    rows: r.divergence.flatMap((row, a) => row.flatMap((x, b) => (b <= a || x === null ? [] : [[a, b, float64Text(x)]]))),
  }),
  chart: headsChart,
  files: ['csv', 'json', 'svg', 'png'],
});
