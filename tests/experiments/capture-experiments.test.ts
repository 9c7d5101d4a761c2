/**
 * Layers × heads and head similarity (issue #17 part 3) over the numpy-made TransformerLens
 * capture (scripts/make-capture-fixtures.py): the mean entropy and the head-to-head JS
 * divergence are computed here from numpy's float64 dot weights (captures.json), with their
 * own few lines of arithmetic, never by the code under test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCaptureFile } from '../../src-main/service/sources/file-source';
import { experimentChartOption, experimentJson, headDivergence, moduleOf, runExperiment, runHeads, runLayers, tableCsv, type ExperimentInput } from '../../src-shared/experiments';
import { heatTableRange } from '../../src-shared/charts/heat-table';
import { captureKey, type FileTable } from '../../src-shared/job/resolve';
import { parseJobSpec, type JobSpec } from '../../src-shared/job/spec';
import { inputOf, referenceContext, sequenceJob } from './helpers';

const FIXTURES = join(__dirname, '..', 'fixtures', 'captures');
const PATH = join(FIXTURES, 'capture-tl.safetensors');
const EXPECTED = (JSON.parse(readFileSync(join(FIXTURES, 'captures.json'), 'utf8')) as Record<string, { layers: Record<string, { shape: number[]; dotWeights: number[] }> }>)[
  'capture-tl.safetensors'
];

async function filesOf(spec: JobSpec): Promise<FileTable> {
  const { layer } = spec.capture!;
  return new Map([[captureKey(PATH, layer), await loadCaptureFile(PATH, layer)]]);
}

async function captureInput(layer: number, extra: JobSpec = {}): Promise<ExperimentInput> {
  const spec = parseJobSpec({ capture: { path: PATH, layer }, mask: [{ id: 'causal' }], ...extra });
  return { spec, files: await filesOf(spec) };
}

/** numpy's dot weights of one layer as rows[h][i] (float64). */
function numpyRows(layer: number): number[][][] {
  const { shape, dotWeights } = EXPECTED.layers[layer];
  const [T, H] = shape;
  return Array.from({ length: H }, (_, h) => Array.from({ length: T }, (_, i) => dotWeights.slice((h * T + i) * T, (h * T + i + 1) * T)));
}

const entropy = (row: number[]) => row.reduce((s, w) => (w > 0 ? s - w * Math.log(w) : s), 0);
const js = (p: number[], q: number[]) => {
  const kl = (a: number[], m: number[]) => a.reduce((s, x, j) => (x > 0 ? s + x * Math.log(x / m[j]) : s), 0);
  const m = p.map((x, j) => (x + q[j]) / 2);
  return 0.5 * kl(p, m) + 0.5 * kl(q, m);
};

describe('layers × heads', () => {
  it("one run per layer: each head's mean row entropy is numpy's (dot, causal), for every layer of the file", async () => {
    const ctx = referenceContext({ loadFiles: filesOf });
    const progress: number[] = [];
    ctx.onProgress = (f) => progress.push(f);
    const r = await runLayers(ctx, await captureInput(1));
    expect(r.layers).toEqual([0, 1]);
    expect(ctx.problems).toBe(2);
    expect(progress.at(-1)).toBe(1);
    const [T, H] = EXPECTED.layers[0].shape;
    expect([r.heads, r.Tq, r.Tk, r.file]).toEqual([H, T, T, 'capture-tl.safetensors']);
    expect(r.maxEntropy).toBeCloseTo(Math.log(T), 12);
    for (const l of [0, 1]) {
      const want = numpyRows(l).map((rows) => rows.reduce((s, row) => s + entropy(row), 0) / T);
      r.meanEntropy[l].forEach((x, h) => expect(Math.abs(x! - want[h])).toBeLessThan(1e-6));
    }
  });

  it('a job without a capture is an error naming `job`, before any run; a host that cannot load other layers says so', async () => {
    await expect(runLayers(referenceContext(), inputOf(sequenceJob(4, 4, 3)))).rejects.toThrow(/runs over a capture file/);
    const ctx = referenceContext();
    await expect(runExperiment(ctx, 'layers', inputOf(sequenceJob(4, 4, 3)), {})).rejects.toMatchObject({
      field: 'job',
      message: expect.stringMatching(/runs over a capture file/),
    });
    expect(ctx.problems).toBe(0);
    await expect(runLayers(referenceContext(), await captureInput(0))).rejects.toThrow(/cannot read the other layers/);
  });

  it('the table has a row per (layer, head); the chart is a heat table over [0, ln Tk], one labelled cell each', async () => {
    const r = await runLayers(referenceContext({ loadFiles: filesOf }), await captureInput(0));
    const csv = tableCsv(moduleOf('layers').table(r)).split('\r\n');
    expect(csv[0]).toBe('layer,head,mean_entropy_nats');
    expect(csv.length - 2).toBe(2 * 3);
    expect(csv[4]).toMatch(/^1,0,[0-9.]+$/);
    const option = experimentChartOption('layers', r, { width: 600, height: 400, theme: 'light' }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(option.visualMap).toMatchObject({ min: 0, max: r.maxEntropy });
    expect(option.yAxis.data).toEqual(['0', '1']);
    expect(option.xAxis.data).toEqual(['0', '1', '2']);
    expect(option.series[0].data).toHaveLength(6);
    expect(option.series[0].data[3]).toEqual([0, 1, r.meanEntropy[1][0]]);
    expect(JSON.parse(JSON.stringify(experimentJson(r)))).toMatchObject({ layers: [0, 1], heads: 3 });
  });
});

describe('head similarity', () => {
  it("JS divergence between every pair of heads, mean over rows: numpy's, symmetric, 0 on the diagonal", async () => {
    const ctx = referenceContext();
    const r = await runHeads(ctx, await captureInput(1));
    expect(ctx.problems).toBe(1);
    expect(r.layer).toBe(1);
    const rows = numpyRows(1);
    const T = rows[0].length;
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) {
        const want = a === b ? 0 : rows[a].reduce((s, row, i) => s + js(row, rows[b][i]), 0) / T;
        expect(Math.abs(r.divergence[a][b]! - want)).toBeLessThan(1e-6);
      }
    expect(r.divergence[0][1]).toBeGreaterThan(1e-3);
    const csv = tableCsv(moduleOf('heads').table(r)).split('\r\n');
    expect(csv.slice(0, 2)).toEqual(['head_a,head_b,mean_js_nats', expect.stringMatching(/^0,1,0\.\d+$/)]);
    expect(csv.length - 2).toBe(3);
  });

  it('rows empty in either head are left out; no row left is null', () => {
    // 2 heads × 2 rows × 2 keys: row 0 of head 1 is empty, row 1 of head 0 is (1, 0) and of head 1 (0, 1): ln 2
    const w = Float32Array.from([0.5, 0.5, 1, 0, 0, 0, 0, 1]);
    expect(headDivergence(w, 2, 2, 2, [[], [0]])).toEqual(
      [
        [0, Math.LN2],
        [Math.LN2, 0],
      ].map((row) => row.map((x) => expect.closeTo(x, 6))),
    );
    expect(headDivergence(w, 2, 2, 2, [[0, 1], []])[0]).toEqual([null, null]);
  });

  it('the colour range of a heat table is its values’ own unless given', () => {
    expect(
      heatTableRange([
        [0.2, null],
        [0.5, 0.1],
      ]),
    ).toEqual([0.1, 0.5]);
    expect(heatTableRange([[null]])).toEqual([0, 1]);
  });
});
