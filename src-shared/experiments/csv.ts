/**
 * Each experiment's table as CSV (RFC 4180: CRLF line ends, fields with a comma, quote or
 * line break quoted) and its whole result as plain JSON (typed arrays become lists, −∞ and
 * NaN become null). The CLI's --out and the app's exports write these.
 */
import type {
  CompareMetricsResult,
  DecodingResult,
  ExperimentName,
  ExperimentResultMap,
  GeometryView,
  KnnView,
  ScalingResult,
  TemperatureResult,
} from './types';
import { csvField } from '../csv';

export { csvField };


/** The shortest decimal that reads back to the same float32 (values computed by the engine). */
export function float32Text(x: number): string {
  if (!Number.isFinite(x)) return '';
  const f = Math.fround(x);
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return String(Number(s));
  }
  return String(f);
}

/** float64 values (means, timings): JavaScript's own shortest round-trip text. */
function float64Text(x: number): string {
  return Number.isFinite(x) ? String(x) : '';
}

function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => cells.map((c) => (typeof c === 'number' ? String(c) : csvField(c))).join(',');
  return [line(header), ...rows.map(line)].join('\r\n') + '\r\n';
}

const label = (tokens: string[] | null, i: number): string => (tokens && i < tokens.length ? tokens[i] : String(i));

/** dim, unscaled, scaled, max — one row per width. */
export function scalingCsv(result: ScalingResult): string {
  return table(['dim', 'unscaled', 'scaled', 'max'], result.rows.map((r) => [r.dim, float64Text(r.unscaled), float64Text(r.scaled), float64Text(r.max)]));
}

/** tau, argmax_changed, then entropy and mean max weight per head. */
export function temperatureCsv(result: TemperatureResult): string {
  const heads = Array.from({ length: result.heads }, (_, h) => h);
  return table(
    ['tau', 'argmax_changed', ...heads.map((h) => `entropy_head${h}`), ...heads.map((h) => `max_weight_head${h}`), ...heads.map((h) => `flat_entropy_head${h}`)],
    result.rows.map((r) => [
      float64Text(r.tau),
      float64Text(r.argmaxChanged),
      ...r.entropy.map(float64Text),
      ...r.maxWeight.map(float64Text),
      ...result.flatEntropy.map(float64Text),
    ]),
  );
}

/** One row per (head, query): the JS divergence of every pair of metrics, then each metric's top-k keys (space-separated). */
export function compareCsv(result: CompareMetricsResult): string {
  const { metrics, heads, Tq, k } = result;
  const pairs: [number, number][] = [];
  for (let a = 0; a < metrics.length; a++) for (let b = a + 1; b < metrics.length; b++) pairs.push([a, b]);
  const rows: (string | number)[][] = [];
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < Tq; i++) {
      const x = h * Tq + i;
      rows.push([
        h,
        i,
        label(result.tokens.queries, i),
        ...pairs.map(([a, b]) => float32Text(result.js[a][b][x])),
        ...metrics.map((_, m) => Array.from(result.topk[m].subarray(x * k, (x + 1) * k)).filter((j) => j >= 0).join(' ')),
      ]);
    }
  }
  return table(['head', 'row', 'query', ...pairs.map(([a, b]) => `js_${metrics[a]}_${metrics[b]}`), ...metrics.map((m) => `top${k}_${m}`)], rows);
}

/** kind (query | key | value | centroid), index, token, x, y, weight (keys: the chosen query's weight). */
export function geometryCsv(view: GeometryView): string {
  const weight = new Map(view.arrows.map((a) => [a.key, a.weight]));
  const rows: (string | number)[][] = [];
  view.queries.forEach(([x, y], i) => rows.push(['query', i, label(view.tokens.queries, i), float64Text(x), float64Text(y), i === view.query ? 'chosen' : '']));
  view.keys.forEach(([x, y], j) => rows.push(['key', j, label(view.tokens.keys, j), float64Text(x), float64Text(y), float32Text(weight.get(j) ?? 0)]));
  view.values.forEach(([x, y], j) => rows.push(['value', j, label(view.tokens.keys, j), float64Text(x), float64Text(y), float32Text(weight.get(j) ?? 0)]));
  rows.push(['centroid', view.query, label(view.tokens.queries, view.query), float64Text(view.centroid[0]), float64Text(view.centroid[1]), '']);
  return table(['kind', 'index', 'token', 'x', 'y', 'weight'], rows);
}

/** One row per step: t, cache size, score cells (incremental, recompute, per head), ms, max diff against the full run. */
export function decodingCsv(result: DecodingResult): string {
  return table(
    ['t', 'token', 'cache_size', 'cells_incremental', 'cells_recompute', 'ms', 'max_diff'],
    result.steps.map((s) => [s.t, label(result.tokens.queries, s.t), s.cacheSize, s.cellsIncremental, s.cellsRecompute, float64Text(s.ms), float64Text(s.maxDiff)]),
  );
}

/** rank, key, token, score, soft weight, hard (top-k) weight. */
export function knnCsv(view: KnnView): string {
  return table(
    ['rank', 'key', 'token', 'score', 'weight', 'hard_weight'],
    view.keys.map((e, r) => [r + 1, e.key, label(view.tokens.keys, e.key), float32Text(e.score), float32Text(e.weight), float32Text(e.hardWeight)]),
  );
}

/** The CSV table of any experiment's result. */
export function experimentCsv<N extends ExperimentName>(name: N, result: ExperimentResultMap[N]): string {
  switch (name) {
    case 'scaling': return scalingCsv(result as ScalingResult);
    case 'temperature': return temperatureCsv(result as TemperatureResult);
    case 'compare': return compareCsv(result as CompareMetricsResult);
    case 'geometry': return geometryCsv(result as GeometryView);
    case 'decoding': return decodingCsv(result as DecodingResult);
    case 'knn': return knnCsv(result as KnnView);
  }
  throw new Error(`unknown experiment "${String(name)}"`);
}

/**
 * A result as plain JSON values: typed arrays become lists (float32 arrays as their shortest
 * decimals), non-finite numbers (a blocked score's −∞) become null.
 */
export function experimentJson(value: unknown): unknown {
  if (value instanceof Float32Array) return Array.from(value, (x) => (Number.isFinite(x) ? Number(float32Text(x)) : null));
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : null));
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map(experimentJson);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(value)) if (x !== undefined) out[k] = experimentJson(x);
    return out;
  }
  return value;
}
