#!/usr/bin/env node
/**
 * The long reliability runs (docs/reliability.md), each writing its figures into
 * bench/reliability.json:
 *   npm run fuzz          every fuzz property, FC_RUNS runs each (default 10 000; FC_SEED for another seed)
 *   npm run soak:large    a 400k × 300 (~1 GB) GloVe file through the LabService
 *   npm run soak:faults   fault injection (FAULT_JOBS, default 300), a real std::bad_alloc, 12 slider-drag cycles
 *   npm run reliability   all of the above, the bad-input corpus's figures and `npm audit --omit=dev`
 * (`npm run corpus` only writes the bad-input corpus, to tests/fixtures/bad/.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');

function run(label, args, env = {}) {
  console.log(`\n── ${label} ──`);
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, QKLAB_RELIABILITY_REPORT: '1', ...env } });
  return r.status ?? 1;
}

/** `npm audit --omit=dev`, its outcome recorded whether or not the advisory service answers. */
function audit() {
  console.log('\n── npm audit --omit=dev ──');
  const r = spawnSync('npm', ['audit', '--omit=dev', '--json'], { cwd: root, encoding: 'utf8', shell: process.platform === 'win32' });
  let outcome;
  try {
    const json = JSON.parse(r.stdout);
    outcome = json.metadata?.vulnerabilities
      ? { outcome: 'ran', vulnerabilities: json.metadata.vulnerabilities, productionPackages: json.metadata.dependencies?.prod }
      : { outcome: `not run: ${json.message ?? json.error?.summary ?? 'no report'}` };
  } catch {
    outcome = { outcome: `not run: ${(r.stderr || r.stdout || '').trim().split('\n').pop()}` };
  }
  const npm = spawnSync('npm', ['--version'], { encoding: 'utf8', shell: process.platform === 'win32' }).stdout.trim();
  const path = join(root, 'bench', 'reliability.json');
  const report = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
  report.audit = { command: 'npm audit --omit=dev', npm, exit: r.status, ...outcome, recordedAt: new Date().toISOString() };
  writeFileSync(path, JSON.stringify(report, null, 2) + '\n');
  console.log(JSON.stringify(report.audit, null, 1));
  // an unreachable advisory service is recorded, not a failure of the run
  return outcome.outcome === 'ran' && (outcome.vulnerabilities.high || outcome.vulnerabilities.critical) ? 1 : 0;
}

const tasks = {
  corpus: () => run('bad-input corpus', [vitest, 'run', 'tests/reliability/bad-inputs.test.ts']),
  fuzz: () =>
    run(`fuzz (FC_RUNS=${process.env.FC_RUNS ?? 10000})`, [vitest, 'run', 'tests/formats/fuzz.test.ts', 'tests/reliability/fuzz.test.ts'], {
      FC_RUNS: process.env.FC_RUNS ?? '10000',
    }),
  large: () => run('soak: a 1 GB vocabulary', ['--expose-gc', '--import', tsx, join(root, 'bench', 'reliability', 'soak-large.ts'), ...process.argv.slice(3)]),
  faults: () =>
    run('soak: faults and load', [vitest, 'run', 'tests/reliability/faults.test.ts', 'tests/reliability/load.test.ts'], {
      QKLAB_SOAK: '1',
      FAULT_JOBS: process.env.FAULT_JOBS ?? '300',
    }),
  audit,
};

const which = process.argv[2] ?? 'all';
const chosen = which === 'all' ? Object.keys(tasks) : [which];
let failed = 0;
for (const name of chosen) {
  if (!tasks[name]) {
    console.error(`reliability: unknown task "${name}" (one of ${Object.keys(tasks).join(', ')}, all)`);
    process.exit(2);
  }
  if (tasks[name]() !== 0) failed++;
}
process.exit(failed ? 1 : 0);
