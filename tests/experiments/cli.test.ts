/**
 * `qklab experiment …` end to end: the real CLI process for scaling --json, and main() in
 * process for --out DIR, the CSV on stdout and the usage errors.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src-main/cli/main';
import { parseExperimentArgs } from '../../src-main/cli/experiment-command';
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
    const out = execFileSync('node', ['bin/qklab.mjs', 'experiment', 'scaling', '--dims', '64,1024', '--n', '16', '--trials', '2', '--json', '--workers', '1'], { encoding: 'utf8' });
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
    expect(json.backend).toMatch(/^wasm/);
    expect(json.timing.runs).toBe(8);
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
    expect(readFileSync(join(out, 'knn.svg'), 'utf8')).toContain('hard top-2');
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
    expect((await qklab('experiment', 'scaling', '--dims', '64,x')).stderr).toMatch(/--dims: "x" is not a valid whole number/);
    const big = await qklab('experiment', 'scaling', '--dims', '70000', '--json');
    expect(big.code).toBe(1);
    expect(big.stderr).toMatch(/options\.dims\.0: expected an integer from 1 to 65536/);
    const query = await qklab('experiment', 'geometry', toyPath, '--query', '4', '--json', '--workers', '1');
    expect(query.code).toBe(1);
    expect(query.stderr).toMatch(/options\.query/);
  });

  it('parses the defaults of SPEC §6: scaling over 256…16384 with n = 64, 5 trials, seed 0', () => {
    const usage = (m: string) => new Error(m);
    expect(parseExperimentArgs(['scaling'], usage).options).toEqual({ dims: [256, 512, 1024, 2048, 4096, 8192, 16384], n: 64, trials: 5, seed: 0 });
    expect(parseExperimentArgs(['compare', 'job.json'], usage).options).toEqual({ metrics: ['dot', 'cosine', 'rbf'], k: 5 });
    expect(parseExperimentArgs(['decoding', 'job.json', '--steps', '3'], usage).options).toEqual({ steps: 3 });
  });
});
