/**
 * `qklab experiment …` end to end: the real CLI process for scaling --json, and main() in
 * process for --out DIR, the CSV on stdout and the usage errors.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src-main/cli/main';
import { experimentOptions, experimentsHelp, parseExperimentArgs } from '../../src-main/cli/experiment-command';
import { EXPERIMENTS, experimentModule, optionFields } from '../../src-shared/experiments';
import { TOY } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'qklab-cli-experiment-'));
const toyPath = join(dir, 'toy.json');
writeFileSync(toyPath, JSON.stringify(TOY));
afterEach(() => vi.restoreAllMocks());

async function qklab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

describe('qklab experiment', () => {
  it('scaling --json (bin/qklab.mjs): one JSON object with rows {dim, unscaled, scaled, max}', () => {
    const out = execFileSync('node', ['bin/qklab.mjs', 'experiment', 'scaling', '--dims', '64,1024', '--n', '16', '--trials', '2', '--json', '--workers', '1'], {
      encoding: 'utf8',
    });
    const lines = out.trim().split('\n');
    expect(lines.length).toBe(1);
    const json = JSON.parse(lines[0]);
    expect(json.experiment).toBe('scaling');
    expect(json.options).toEqual({ dims: [64, 1024], n: 16, trials: 2, seed: 0 });
    expect(json.rows.map((r: Record<string, unknown>) => Object.keys(r).sort())).toEqual([
      ['dim', 'max', 'scaled', 'unscaled'],
      ['dim', 'max', 'scaled', 'unscaled'],
    ]);
    expect(json.rows.map((r: { dim: number }) => r.dim)).toEqual([64, 1024]);
    for (const r of json.rows) {
      expect(r.max).toBeCloseTo(Math.log(16), 12);
      expect(r.scaled).toBeGreaterThan(r.unscaled);
      expect(r.scaled).toBeLessThan(r.max);
    }
    expect(json.rows[1].unscaled).toBeLessThan(json.rows[0].unscaled);
    expect(json.backend).toMatch(/^native CPU \(/);
    expect(json.timing.runs).toBe(8);
  }, 120_000); // a fresh process compiles the sources through tsx: slow on a loaded machine

  it('layers JOB.json over a capture (relative path, beside the job): every layer read, one run each; --out writes its heat table', async () => {
    copyFileSync(join(__dirname, '..', 'fixtures', 'captures', 'capture-tl.safetensors'), join(dir, 'caps.safetensors'));
    const jobPath = join(dir, 'caps-job.json');
    writeFileSync(jobPath, JSON.stringify({ capture: { path: 'caps.safetensors', layer: 0 }, mask: [{ id: 'causal' }] }));
    const r = await qklab('experiment', 'layers', jobPath, '--json', '--workers', '1');
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ experiment: 'layers', layers: [0, 1], heads: 3, file: 'caps.safetensors', timing: { runs: 2 } });
    const out = join(dir, 'layers');
    const w = await qklab('experiment', 'layers', jobPath, '--out', out, '--scale', '1', '--workers', '1');
    expect(w.code, w.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['layers.csv', 'layers.json', 'layers.png', 'layers.svg']);
    expect(readFileSync(join(out, 'layers.csv'), 'utf8').split('\r\n')[0]).toBe('layer,head,mean_entropy_nats');
    expect(readFileSync(join(out, 'layers.svg'), 'utf8')).toContain('Mean entropy per layer and head');
  });

  it('knn JOB.json --out DIR: the CSV table, the JSON (with the job), an SVG and a PNG chart', async () => {
    const out = join(dir, 'knn');
    const r = await qklab('experiment', 'knn', toyPath, '--k', '2', '--out', out, '--scale', '1', '--workers', '1');
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['knn.csv', 'knn.json', 'knn.png', 'knn.svg']);
    const csv = readFileSync(join(out, 'knn.csv'), 'utf8').split('\r\n');
    expect(csv[0]).toBe('rank,key,token,score,weight,hard_weight');
    expect(csv[1]).toMatch(/^1,2,a3,/);
    expect(csv[2]).toMatch(/^2,0,a1,/);
    const json = JSON.parse(readFileSync(join(out, 'knn.json'), 'utf8'));
    expect(json).toMatchObject({ experiment: 'knn', k: 2, query: 0, metric: 'cosine', job: { metric: { id: 'cosine', tau: 0.5 } } });
    expect(readFileSync(join(out, 'knn.svg'), 'utf8')).toContain('hard top-k weight');
    const png = readFileSync(join(out, 'knn.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(720);
    expect(r.stderr).toMatch(/wrote knn\.csv, knn\.json, knn\.svg, knn\.png/);
  });

  it('without --json or --out: the CSV table on stdout', async () => {
    const r = await qklab('experiment', 'temperature', toyPath, '--taus', '0.1,1', '--workers', '1');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\r\n');
    expect(lines[0]).toBe('tau,argmax_changed,entropy_head0,max_weight_head0,flat_entropy_head0');
    expect(lines.length).toBe(3);
  });

  it('usage errors exit 2 naming the option; bad values inside the limits exit 1 naming the field', async () => {
    expect((await qklab('experiment', 'speed')).stderr).toMatch(/unknown experiment "speed"/);
    expect((await qklab('experiment')).code).toBe(2);
    const stray = await qklab('experiment', 'scaling', '--taus', '1');
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/--taus is not an option of experiment scaling/);
    expect((await qklab('experiment', 'knn')).stderr).toMatch(/experiment knn takes one JOB\.json/);
    expect((await qklab('experiment', 'scaling', '--dims', '64,x')).stderr).toMatch(/--dims: "x" is not a whole number/);
    const big = await qklab('experiment', 'scaling', '--dims', '70000', '--json');
    expect(big.code).toBe(1);
    expect(big.stderr).toMatch(/options\.dims\.0: expected a width ≤ 65536/);
    const query = await qklab('experiment', 'geometry', toyPath, '--query', '4', '--json', '--workers', '1');
    expect(query.code).toBe(1);
    expect(query.stderr).toMatch(/options\.query/);
  });

  it('fills in the modules’ defaults (the app’s: 13 temperatures, widths 1…4096) and reads lists, numbers and choices from flags', () => {
    const usage = (m: string) => new Error(m);
    const options = (args: string[]) => {
      const a = parseExperimentArgs(args, usage);
      return experimentOptions(experimentModule(a.name)!, a.given, null);
    };
    expect(options(['scaling'])).toEqual({ dims: [1, 4, 16, 64, 256, 1024, 4096], n: 64, trials: 5, seed: 0 });
    expect((options(['temperature', 'job.json']).taus as number[]).length).toBe(13);
    expect(options(['compare', 'job.json'])).toEqual({ metrics: ['dot', 'cosine', 'rbf'], k: 3 });
    expect(options(['compare', 'job.json', '--metrics', 'cosine,rbf', '--k', '2'])).toEqual({ metrics: ['cosine', 'rbf'], k: 2 });
    expect(options(['temperature', 'job.json', '--taus', '0.1,0.5'])).toEqual({ taus: [0.1, 0.5] });
    expect(options(['decoding', 'job.json', '--steps', '3'])).toEqual({ steps: 3 });
    expect(() => parseExperimentArgs(['compare', 'job.json', '--metrics', 'dot,nope'], usage)).toThrow(/--metrics: "nope" is not one of/);
  });

  it('--help lists every experiment of the registry with each option of its schema', async () => {
    const help = experimentsHelp();
    for (const m of EXPERIMENTS) {
      expect(help).toContain(`qklab experiment ${m.id}${m.needsJob ? ' JOB.json' : ''}`);
      for (const f of optionFields(m)) expect(help).toContain(`--${f.name} `);
    }
    const r = await qklab('experiment', 'temperature', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--taus X,X,…\s+values of τ.*default 0\.05,/);
    expect(help).toMatch(
      /qklab experiment knn JOB\.json[^]*?--query N\s+the query row to look at; the last \(Tq − 1\) sees every key under a causal mask \(0 ≤ x ≤ \d+\); default last\n/,
    );
  });
});
