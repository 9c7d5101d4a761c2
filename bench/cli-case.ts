/**
 * Latency as a user meets it: whole `qklab` processes, cold, each beside its baseline in the
 * same run, alternated run by run so both see the same machine:
 * - `qklab run examples/toy.json --json` against bench/numpy_toy.py, a numpy script doing
 *   the same job (its numbers are checked against qklab's);
 * - `qklab --help` against a bare `node -e 0` (the floor any Node command starts from);
 * - `qklab export` PNG 4× and SVG of 4 heads × 2048 tokens against `qklab run` of the job.
 * The built CLI (out/cli) is made first by the same script `npm ci` runs (`prepare`).
 * Wall time from spawn to exit; CPU time and peak RSS from /usr/bin/time when it is there.
 * numpy's command alone runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (they slow a
 * current numpy on this machine).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gaussianMatrix } from '../src-shared/random';
import { median, numpyEnv } from './cases';

const TIME = '/usr/bin/time';

interface Command {
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

export interface Sample {
  wallMs: number;
  cpuMs?: number;
  peakRssMb?: number;
}

export interface LatencyCase {
  case: string;
  subject: string;
  baseline: string;
  subjectRuns: Sample[];
  baselineRuns: Sample[];
  subjectMedianMs: number;
  baselineMedianMs: number;
  /** median wall of the subject / of the baseline (≤ 1: no slower than the baseline) */
  ratio: number;
  note?: string;
}

/** One cold process: wall from spawn to exit; CPU and peak RSS when /usr/bin/time can say. */
function timeOnce(c: Command, cwd: string): { sample: Sample; stdout: string } {
  const withTime = existsSync(TIME);
  const file = withTime ? TIME : c.file;
  const args = withTime ? ['-f', '@@time %U %S %M', c.file, ...c.args] : c.args;
  const t0 = performance.now();
  const r = spawnSync(file, args, { cwd, env: c.env ?? process.env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${c.file} ${c.args.join(' ')} failed: ${(r.stderr || '').trim().split('\n').slice(-3).join(' ')}`);
  const m = /@@time ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  const sample: Sample = m ? { wallMs, cpuMs: (Number(m[1]) + Number(m[2])) * 1000, peakRssMb: Number(m[3]) / 1024 } : { wallMs };
  return { sample, stdout: r.stdout };
}

function compare(name: string, subject: Command, baseline: Command, cwd: string, reps: number, check?: (s: string, b: string) => void): LatencyCase {
  const subjectRuns: Sample[] = [];
  const baselineRuns: Sample[] = [];
  const label = (c: Command) => [c.file === process.execPath ? 'node' : c.file, ...c.args].join(' ');
  for (let i = 0; i < reps; i++) {
    const s = timeOnce(subject, cwd);
    const b = timeOnce(baseline, cwd);
    if (i === 0) check?.(s.stdout, b.stdout);
    subjectRuns.push(s.sample);
    baselineRuns.push(b.sample);
  }
  const subjectMedianMs = median(subjectRuns.map((r) => r.wallMs));
  const baselineMedianMs = median(baselineRuns.map((r) => r.wallMs));
  return {
    case: name,
    subject: label(subject),
    baseline: label(baseline),
    subjectRuns,
    baselineRuns,
    subjectMedianMs,
    baselineMedianMs,
    ratio: subjectMedianMs / baselineMedianMs,
  };
}

/** The same weights from both (float32 apart), so the two commands did the same job. */
function sameWeights(qklab: string, numpy: string): void {
  const ours = (JSON.parse(qklab) as { heads: { weights: number[][] }[] }).heads[0].weights.flat();
  const theirs = (JSON.parse(numpy) as { weights: number[][] }).weights.flat();
  if (ours.length !== theirs.length || ours.some((w, i) => Math.abs(w - theirs[i]) > 1e-5)) {
    throw new Error(`qklab and numpy disagree on the toy job's weights: ${ours} vs ${theirs}`);
  }
}

/** What `npm ci` leaves: the prepare script's bundle (out/cli), built from the sources now; the command it ran. */
export function buildCli(root: string): string {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  execFileSync('sh', ['-c', scripts.prepare], { cwd: root, stdio: 'pipe' });
  return scripts.prepare;
}

export function runCliCases(root: string, reps = 7): { built: string; cases: LatencyCase[] } {
  const built = buildCli(root);
  const qklab = (...args: string[]): Command => ({ file: process.execPath, args: [join(root, 'bin/qklab.mjs'), ...args] });
  const toy = join(root, 'examples/toy.json');
  return {
    built,
    cases: [
      compare(
        'cli toy run (cold) vs numpy',
        qklab('run', toy, '--json'),
        { file: 'python3', args: [join(root, 'bench/numpy_toy.py'), toy], env: numpyEnv() },
        root,
        reps,
        sameWeights,
      ),
      compare('qklab --help vs node -e 0', qklab('--help'), { file: process.execPath, args: ['-e', '0'] }, root, reps),
      compare('qklab metrics vs node -e 0', qklab('metrics'), { file: process.execPath, args: ['-e', '0'] }, root, reps),
      ...exportCases(root, qklab, Math.min(reps, 3)),
    ],
  };
}

/**
 * `qklab export` of head 0 of a 4-head × 2048-token causal job, PNG at 4× and SVG, each
 * against `qklab run` of the same job asking only for the entropy (the engine's work and the
 * CLI's start, without the picture), with the file's size in the note.
 */
function exportCases(root: string, qklab: (...args: string[]) => Command, reps: number): LatencyCase[] {
  const dir = mkdtempSync(join(tmpdir(), 'qklab-bench-export-'));
  const x = gaussianMatrix(20261207, 'bench/export', 2048, 64, 1);
  const vectors = Array.from({ length: 2048 }, (_, i) => Array.from(x.subarray(i * 64, (i + 1) * 64), (v) => Math.round(v * 1000) / 1000));
  const job = { embeddings: { inline: { vectors } }, heads: 4, mask: [{ id: 'causal' }] };
  writeFileSync(join(dir, 'job.json'), JSON.stringify({ ...job, outputs: ['weights', 'scores'] }));
  writeFileSync(join(dir, 'engine.json'), JSON.stringify({ ...job, outputs: ['entropy'] }));
  const engine = qklab('run', join(dir, 'engine.json'), '--out', join(dir, 'run'));
  const cases = (['png', 'svg'] as const).map((format) => {
    const out = join(dir, `heat.${format}`);
    const c = compare(
      `export ${format}${format === 'png' ? ' 4×' : ''} of 4 heads × 2048 vs run (entropy only)`,
      qklab('export', join(dir, 'job.json'), '--out', out, '--scale', '4'),
      engine,
      root,
      reps,
    );
    return { ...c, note: `${(statSync(out).size / 1024 / 1024).toFixed(2)} MB` };
  });
  rmSync(dir, { recursive: true, force: true });
  return cases;
}

export function cliLine(c: LatencyCase): string {
  const cpu = (runs: Sample[]) =>
    runs[0]?.cpuMs === undefined ? '' : `, CPU ${median(runs.map((r) => r.cpuMs!)).toFixed(0)} ms, peak ${median(runs.map((r) => r.peakRssMb!)).toFixed(0)} MB`;
  return `${c.case}: ${c.subjectMedianMs.toFixed(0)} ms${cpu(c.subjectRuns)} vs ${c.baselineMedianMs.toFixed(0)} ms${cpu(c.baselineRuns)} (ratio ${c.ratio.toFixed(2)})${c.note ? `, ${c.note}` : ''}`;
}
