/**
 * The built `qklab` (scripts/build-cli.mjs): npm's `prepare` lifecycle script (run by
 * `npm install` and `npm ci`) builds it, it runs, and the commands that need no engine never
 * load one: `--help`, `metrics` and `inspect` reach neither onnxruntime nor ECharts/resvg.
 * Built into a folder of its own under out/, so tests running bin/qklab.mjs meanwhile keep
 * the checkout's out/cli.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..', '..');
const outRel = join('out', `cli-test-${process.pid}`);
const out = join(root, outRel);

interface Meta {
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[]; entryPoint?: string }>;
}

/** Every module a built file loads before it runs: its static imports, transitively. */
function staticClosure(meta: Meta, file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const i of meta.outputs[file]?.imports ?? []) if (i.kind === 'import-statement') staticClosure(meta, i.path, seen);
  return seen;
}

function runBuilt(args: string[]): string {
  const entry = pathToFileURL(join(out, 'qklab.js')).href;
  const script = `const { main } = await import(${JSON.stringify(entry)}); process.exitCode = await main(${JSON.stringify(args)});`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
}

describe('the built CLI', () => {
  beforeAll(() => {
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(scripts.prepare).toBe('node scripts/build-cli.mjs');
    // the lifecycle script as npm runs it, without Electron's binary (as CI installs)
    execFileSync('npm', ['run', '--silent', 'prepare'], { cwd: root, env: { ...process.env, QKLAB_CLI_OUT: outRel, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }, stdio: 'pipe' });
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs --help and metrics from the bundle', () => {
    expect(runBuilt(['--help'])).toMatch(/^qklab — QK Lab without a display\n\nUsage:\n {2}qklab run JOB\.json/);
    expect(runBuilt(['metrics'])).toMatch(/^Score functions \(metric\.id\):\n {2}dot/);
  });

  it('lists the sources it was built from, for bin/qklab.mjs to tell a stale bundle', () => {
    const { builtAt, inputs } = JSON.parse(readFileSync(join(out, 'inputs.json'), 'utf8'));
    expect(builtAt).toBeLessThanOrEqual(Date.now());
    expect(inputs).toContain('src-main/cli/main.ts');
    expect(inputs).toContain('src-main/engine/worker.ts');
    expect(inputs.every((p: string) => !p.startsWith('node_modules/'))).toBe(true);
  });

  it('--help, metrics, inspect and run load no onnxruntime, graph builder, chart or rasteriser module', () => {
    const meta: Meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    const heavy = /^(onnxruntime-web|onnx-proto|echarts|@resvg\/resvg-js)/;
    const externals = (files: Set<string>) =>
      [...files].flatMap((f) => (meta.outputs[f]?.imports ?? []).filter((i) => i.kind === 'import-statement' && i.external).map((i) => i.path));
    const byEntry = (suffix: string) => Object.keys(meta.outputs).find((f) => meta.outputs[f].entryPoint?.endsWith(suffix))!;
    const chunkOf = (name: string) => Object.keys(meta.outputs).find((f) => f.includes(`/${name}-`) && f.endsWith('.js'))!;
    const entry = byEntry('src-main/cli/main.ts');
    expect(entry).toMatch(/qklab\.js$/);
    for (const start of [entry, chunkOf('metrics-text'), chunkOf('inspect-text'), chunkOf('cli-service'), chunkOf('run-command')]) {
      expect(
        externals(staticClosure(meta, start)).filter((p) => heavy.test(p)),
        start,
      ).toEqual([]);
    }
    // the engine's worker is where they are loaded
    expect(externals(staticClosure(meta, byEntry('src-main/engine/worker.ts')))).toEqual(expect.arrayContaining(['onnxruntime-web', 'onnx-proto']));
  });
});
