/**
 * `qklab export` end to end: the job runs on the real engine (CpuPool), as `qklab run` does,
 * and each format is read back.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src-main/cli/main';
import { outputsFor, parseExportArgs } from '../../src-main/cli/export-command';
import { SENTENCE, SENTENCE_VECTORS } from '../charts/helpers';
import { decodePng, distinctColours, pngSize } from './png';
import { vectors } from '../service/helpers';
import { CpuPool } from '../../src-main/engine/pool';
import { CliService } from '../../src-main/cli/cli-service';
import { exportHeatmap } from '../../src-main/service/export/heatmap-export';
import { describeJob } from '../../src-shared/charts/caption';

const dir = mkdtempSync(join(tmpdir(), 'qklab-cli-export-'));
const jobPath = join(dir, 'job.json');
const job = {
  embeddings: { inline: { tokens: SENTENCE, vectors: SENTENCE_VECTORS } },
  metric: { id: 'cosine', tau: 0.5 },
  mask: [{ id: 'causal' }],
  // the export adds the weights and scores it needs to the outputs the job asks for
  outputs: ['entropy'],
};

let stderr = '';
beforeAll(() => writeFileSync(jobPath, JSON.stringify(job)));
afterEach(() => vi.restoreAllMocks());

async function qklab(...args: string[]): Promise<number> {
  stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return await main(args);
  } finally {
    vi.restoreAllMocks();
  }
}

describe('qklab export', () => {
  it('png: the job’s heatmap at --scale 2, with its configuration as the caption', async () => {
    const out = join(dir, 'weights.png');
    expect(await qklab('export', jobPath, '--format', 'png', '--out', out, '--scale', '2', '--width', '500', '--height', '460', '--workers', '1')).toBe(0);
    const png = new Uint8Array(readFileSync(out));
    expect(pngSize(png)).toEqual({ width: 1000, height: 920 });
    expect(distinctColours(decodePng(png))).toBeGreaterThan(50);
    expect(stderr).toMatch(/wrote .*weights\.png \(png, 1000×920 px\)/);
  });

  it('svg: the tokens and the caption "cosine τ=0.5 · causal · softmax · 1 head"', async () => {
    const out = join(dir, 'scores.svg');
    expect(await qklab('export', jobPath, '--out', out, '--matrix', 'scores', '--colormap', 'magma', '--workers', '1')).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg).toContain('cosine τ=0.5 · causal · softmax · 1 head');
    expect(svg).toContain('>mat</text>');
    expect(svg).toContain('Attention scores');
  });

  // each export is its own `qklab` run; the JSON export is the yardstick for the CSV and NPY ones
  const csv = join(dir, 'w.csv');
  const npy = join(dir, 'w.npy');
  const json = join(dir, 'r.json');
  const weightsFromJson = (): number[][] => JSON.parse(readFileSync(json, 'utf8')).heads[0].weights;

  it('json: the full result, with the tokens and the caption', async () => {
    expect(await qklab('export', jobPath, '--out', json, '--workers', '1')).toBe(0);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    expect(result.tokens).toEqual({ queries: SENTENCE, keys: SENTENCE });
    expect(result.caption).toBe('cosine τ=0.5 · causal · softmax · 1 head · data inline (6 tokens)');
    expect(result.job.metric).toEqual({ id: 'cosine', tau: 0.5 });
    expect(result.heads[0].weights).toHaveLength(6);
    // the outputs the job asked for (entropy) plus the weights the export needs; no scores were asked for
    expect(result.heads[0].entropy).toHaveLength(6);
    expect(result.heads[0].scores).toBeUndefined();
  });

  it('csv: key tokens across (a repeat numbered), query tokens down, the same weights as the JSON, masked cells empty', async () => {
    expect(await qklab('export', jobPath, '--out', csv, '--workers', '1')).toBe(0);
    const weights = weightsFromJson();
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('query\\key,the,cat,sat,on,the#2,mat');
    // causal: query i sees keys 0…i; the rest are empty cells, not 0
    lines.slice(1).forEach((line, i) => expect(line.split(',').slice(1)).toEqual(weights[i].map((w, j) => (j > i ? '' : expect.anything()))));
    lines.slice(1).forEach((line, i) =>
      expect(
        line
          .split(',')
          .slice(1, i + 2)
          .map(Number),
      ).toEqual(weights[i].slice(0, i + 1)),
    );
  });

  it('npy: numpy reads 1×6×6 float32 weights equal to the JSON’s', async () => {
    expect(await qklab('export', jobPath, '--out', npy, '--workers', '1')).toBe(0);
    const weights = weightsFromJson();
    // NaN (masked) printed as null
    const fromNumpy = JSON.parse(
      execFileSync(
        'python3',
        [
          '-c',
          `import numpy, json; a = numpy.load(${JSON.stringify(npy)}); print(json.dumps([list(a.shape), str(a.dtype), [[None if x != x else x for x in r] for r in a[0].tolist()]]))`,
        ],
        { encoding: 'utf8' },
      ),
    );
    expect(fromNumpy[0]).toEqual([1, 6, 6]);
    expect(fromNumpy[1]).toBe('float32');
    fromNumpy[2].forEach((row: (number | null)[], i: number) => row.forEach((x, j) => expect(x === null ? null : Math.fround(x)).toBe(j > i ? null : Math.fround(weights[i][j]))));
  });

  it('a head the job does not have, a bad scale or an unknown format is a usage error (exit 2)', async () => {
    expect(await qklab('export', jobPath, '--out', join(dir, 'x.png'), '--head', '3', '--workers', '1')).toBe(2);
    expect(stderr).toContain('--head 3: the job has 1 head (0–0)');
    expect(await qklab('export', jobPath, '--out', join(dir, 'x.png'), '--scale', '3')).toBe(2);
    expect(stderr).toContain('--scale must be 1, 2 or 4');
    expect(await qklab('export', jobPath, '--out', join(dir, 'x.bin'))).toBe(2);
    expect(stderr).toContain('cannot tell the format');
    expect(await qklab('export', jobPath, '--out', join(dir, 'x.png'), '--colormap', 'rainbow')).toBe(2);
    expect(stderr).toMatch(/--colormap must be one of viridis, magma/);
  });

  it('--grid: every head of a 3-head job in one SVG, on one colour scale; with a data format or --head it is a usage error', async () => {
    const multi = join(dir, 'heads.json');
    writeFileSync(multi, JSON.stringify({ ...job, heads: 3, embeddings: { inline: { tokens: SENTENCE, vectors: SENTENCE_VECTORS.map((v) => [...v, ...v, ...v]) } } }));
    const out = join(dir, 'heads.svg');
    expect(await qklab('export', multi, '--grid', '--out', out, '--workers', '1')).toBe(0);
    const svg = readFileSync(out, 'utf8');
    for (const h of [0, 1, 2]) expect(svg).toContain(`Attention weights · head ${h}<`);
    expect(svg.split('cosine τ=0.5 · causal · softmax · 3 heads')).toHaveLength(2);
    expect(await qklab('export', multi, '--grid', '--out', join(dir, 'heads.csv'))).toBe(2);
    expect(stderr).toContain('--grid draws a picture');
    expect(await qklab('export', multi, '--grid', '--head', '1', '--out', join(dir, 'h.png'))).toBe(2);
    expect(stderr).toContain('leave out --head');
  });

  it('--head 1 of a 3-head job × 300 tokens computes that head alone, and draws what the whole run’s head 1 draws', async () => {
    const multi = join(dir, 'three-heads.json');
    const threeHeads = { embeddings: { inline: { vectors: vectors(300, 24, 5) } }, heads: 3, mask: [{ id: 'causal' }], outputs: ['weights', 'scores'] };
    writeFileSync(multi, JSON.stringify(threeHeads));
    const out = join(dir, 'head1.png');
    expect(await qklab('export', multi, '--head', '1', '--out', out, '--workers', '1')).toBe(0);
    const svgOut = join(dir, 'head1.svg');
    expect(await qklab('export', multi, '--head', '1', '--out', svgOut, '--workers', '1')).toBe(0);
    expect(readFileSync(svgOut, 'utf8')).toContain('Attention weights · head 1 (3 heads)');

    // the whole run, drawn by the same export for head 1 (and head 0, which must differ)
    const pool = new CpuPool({ workers: 1, threadsPerWorker: 1, warmUp: false });
    try {
      const whole = await new CliService(pool).run(threeHeads, multi);
      expect(whole.run.result.heads).toBe(3);
      const draw = (head: number) =>
        exportHeatmap(
          whole.run.result,
          whole.run.tokens,
          { matrix: 'weights', colormap: 'viridis', scale: 'linear', head },
          { format: 'png', scale: 2, caption: describeJob(whole.run.spec) },
        );
      const png = new Uint8Array(readFileSync(out));
      expect(Buffer.from(png).equals(Buffer.from(draw(1)))).toBe(true);
      expect(Buffer.from(png).equals(Buffer.from(draw(0)))).toBe(false);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('a missing job file is a plain error that names it (exit 1)', async () => {
    expect(await qklab('export', join(dir, 'missing.json'), '--out', join(dir, 'x.png'))).toBe(1);
    expect(stderr).toMatch(/missing\.json: cannot read the job file/);
  });
});

describe('export arguments', () => {
  const usage = (m: string) => new Error(m);

  it('default to weights, head 0, 2×, viridis, linear, light; the format comes from --out when not given', () => {
    const a = parseExportArgs(['job.json', '--out', 'pic.PNG'], usage);
    expect(a).toMatchObject({ format: 'png', head: 0, scale: 2, colormap: 'viridis', matrix: 'weights', log: false, theme: 'light' });
    expect(parseExportArgs(['job.json', '--out', 'pic.dat', '--format', 'npy'], usage).format).toBe('npy');
  });

  it('images, CSV and NPY ask the engine for the scores too (to tell masked pairs); JSON only for --matrix scores', () => {
    expect(outputsFor('png', 'weights')).toEqual(['weights', 'scores']);
    expect(outputsFor('csv', 'weights')).toEqual(['weights', 'scores']);
    expect(outputsFor('json', 'weights')).toEqual(['weights']);
    expect(outputsFor('npy', 'scores')).toEqual(['weights', 'scores']);
  });

  it('a job that asks for the overview and not the matrix is exported from its overview: nothing is added', () => {
    expect(outputsFor('png', 'weights', ['overview', 'entropy'])).toEqual([]);
    expect(outputsFor('svg', 'weights', ['overview'])).toEqual([]);
    expect(outputsFor('csv', 'weights', ['overview'])).toEqual([]);
    expect(outputsFor('png', 'weights', ['overview', 'weights'])).toEqual(['weights', 'scores']);
    expect(outputsFor('json', 'weights', ['overview'])).toEqual([]);
  });
});
