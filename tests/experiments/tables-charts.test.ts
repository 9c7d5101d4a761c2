/**
 * The experiments' tables (CSV), plain JSON, and chart options: shapes a reader can rely on.
 */
import { describe, expect, it } from 'vitest';
import {
  experimentChartOption,
  experimentJson,
  float32Text,
  moduleOf,
  tableCsv,
  runCompareMetrics,
  runDecoding,
  runGeometry,
  runKnn,
  runPositions,
  runQuantization,
  runRanking,
  runRecurrence,
  runScaling,
  runTemperature,
  runLayers,
  runHeads,
  EXPERIMENT_NAMES,
  type ExperimentName,
  type ExperimentResultMap,
} from '../../src-shared/experiments';
import { geometryOption } from '../../src-shared/experiments/geometry';
import { inputOf, referenceContext, sequenceJob, TOY } from './helpers';
import { join } from 'node:path';
import { loadCaptureFile } from '../../src-main/service/sources/file-source';
import { captureKey, type FileTable } from '../../src-shared/job/resolve';
import { parseJobSpec, type JobSpec } from '../../src-shared/job/spec';

const seq = sequenceJob(5, 4, 61, { heads: 2, mask: [{ id: 'causal' }] });
const CAPTURE = join(__dirname, '..', 'fixtures', 'captures', 'capture-tl.safetensors');
const CAPTURE_JOB = parseJobSpec({ capture: { path: CAPTURE, layer: 0 } });
async function captureFiles(spec: JobSpec): Promise<FileTable> {
  return new Map([[captureKey(CAPTURE, spec.capture!.layer), await loadCaptureFile(CAPTURE, spec.capture!.layer)]]);
}

async function all(): Promise<ExperimentResultMap> {
  const ctx = referenceContext();
  return {
    scaling: await runScaling(ctx, { dims: [4, 16], n: 6, trials: 1, seed: 0 }),
    temperature: await runTemperature(ctx, inputOf(seq), { taus: [0.5, 2] }),
    compare: await runCompareMetrics(ctx, inputOf(seq), { metrics: ['dot', 'cosine', 'rbf'], k: 2 }),
    geometry: await runGeometry(ctx, inputOf(TOY), { query: 0 }),
    decoding: await runDecoding(ctx, inputOf(seq), {}),
    knn: await runKnn(ctx, inputOf(TOY), { query: 0, k: 3 }),
    quantization: await runQuantization(ctx, inputOf(seq), { bits: [4, 8], groups: ['tensor'], floats: ['bfloat16'], apply: ['q', 'k'] }),
    positions: await runPositions(ctx, inputOf({ ...seq, position: { id: 'rope' } }), { maxDistance: 3 }),
    ranking: await runRanking(ctx, inputOf(seq), { tau: 1, iterations: 20 }),
    recurrence: await runRecurrence(ctx, { recurrences: ['linear', 'delta'], lengths: [8, 16], d: 4, seed: 0 }),
    layers: await runLayers({ ...ctx, loadFiles: captureFiles }, { spec: CAPTURE_JOB, files: await captureFiles(CAPTURE_JOB) }),
    heads: await runHeads(ctx, inputOf(seq)),
  };
}

const lines = (csv: string) => csv.split('\r\n').slice(0, -1);
/** An experiment's table as its module writes it. */
const csvOf = <N extends ExperimentName>(name: N, result: ExperimentResultMap[N]) => tableCsv(moduleOf(name).table(result));

describe('experiment tables and charts', () => {
  it('CSV: one header, one row per item, CRLF, quoted where needed', async () => {
    const r = await all();
    expect(lines(csvOf('scaling', r.scaling))).toEqual(['dim,unscaled,scaled,max', ...r.scaling.rows.map((x) => `${x.dim},${x.unscaled},${x.scaled},${x.max}`)]);
    expect(lines(csvOf('temperature', r.temperature))[0]).toBe(
      'tau,argmax_changed,entropy_head0,entropy_head1,max_weight_head0,max_weight_head1,flat_entropy_head0,flat_entropy_head1',
    );
    const cmp = lines(csvOf('compare', r.compare));
    expect(cmp[0]).toBe('head,row,query,js_dot_cosine,js_dot_rbf,js_cosine_rbf,top2_dot,top2_cosine,top2_rbf');
    expect(cmp.length).toBe(1 + 2 * 5);
    // row 0 sees one key under causal: its top-2 is that key alone
    expect(cmp[1]).toMatch(/^0,0,t0,0,0,0,0,0,0$/);
    const geo = lines(csvOf('geometry', r.geometry));
    expect(geo[0]).toBe('kind,index,token,x,y,weight');
    expect(geo.length).toBe(1 + 1 + 6 + 6 + 1);
    expect(geo[1]).toMatch(/^query,0,q,0\.800000011920929,0\.15000000596046448,chosen$/);
    expect(lines(csvOf('decoding', r.decoding))[0]).toBe('t,token,cache_size,cells_incremental,cells_recompute,ms,max_diff');
    expect(lines(csvOf('decoding', r.decoding)).length).toBe(6);
    expect(lines(csvOf('knn', r.knn))[1]).toMatch(/^1,2,a3,/);
    for (const name of EXPERIMENT_NAMES) expect(csvOf(name, r[name] as never).endsWith('\r\n')).toBe(true);
  });

  it('CSV cells with commas or quotes are quoted; float32 values get their shortest decimal', async () => {
    const v = await runKnn(
      referenceContext(),
      inputOf({ ...TOY, keys: { inline: { tokens: ['a,1', 'a"2', 'a3', 'b1', 'b2', 'b3'], vectors: (TOY.keys as { inline: { vectors: number[][] } }).inline.vectors } } }),
      { query: 0, k: 6 },
    );
    const csv = csvOf('knn', v);
    expect(csv).toContain(',"a,1",');
    expect(csv).toContain(',"a""2",');
    expect(float32Text(0.1)).toBe('0.1');
    expect(float32Text(Math.fround(1 / 3))).toBe('0.33333334');
    expect(float32Text(-Infinity)).toBe('');
  });

  it('JSON: typed arrays become lists, −∞ and NaN become null, nothing else changes', async () => {
    const r = await all();
    const json = JSON.parse(JSON.stringify(experimentJson(r.compare))) as { js: number[][][]; topk: number[][]; results: { scores?: unknown; weights: number[] }[] };
    expect(json.js[0][1].length).toBe(2 * 5);
    expect(json.topk[0].length).toBe(2 * 5 * 2);
    expect(json.results[0].weights.length).toBe(2 * 5 * 5);
    expect(experimentJson({ a: new Float32Array([-Infinity, 0.1, NaN]), b: [Infinity, 2] })).toEqual({ a: [null, 0.1, null], b: [null, 2] });
    expect(experimentJson(r.scaling)).toEqual(JSON.parse(JSON.stringify(r.scaling)));
  });

  it('every experiment has a chart option with series for its data', async () => {
    const r = await all();
    for (const name of EXPERIMENT_NAMES) {
      const option = experimentChartOption(name, r[name] as never, { width: 640, height: 400, theme: 'light', forExport: true }) as {
        series: unknown[];
        title?: { text: string } | { text: string }[];
      };
      expect(option.series.length, name).toBeGreaterThan(0);
      // a title, or a title and its subtitle
      expect([option.title].flat()[0]?.text, name).toBeTruthy();
    }
    const geo = geometryOption(r.geometry, { width: 640, height: 400, theme: 'dark' }) as {
      series: { type: string; name: string; data: unknown[]; markLine?: { data: unknown[] } }[];
    };
    // one arrow per key with weight (drawn from the chosen query), then the point sets
    expect(geo.series.find((s) => s.name === 'chosen query')!.markLine!.data.length).toBe(6);
    expect(geo.series.find((s) => s.name.startsWith('output'))!.data).toEqual([{ value: r.geometry.centroid, name: 'output' }]);
  });
});
