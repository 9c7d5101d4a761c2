#!/usr/bin/env node
// `npm test`: lint (ESLint + Prettier, counted as one test), every test suite (unit +
// integration under Node, then end-to-end in Chromium), and one closing line
// `N passed, N failed` that CI reads. Exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const suites = [
  { name: 'unit', config: 'vitest.config.ts' },
  { name: 'e2e', config: 'vitest.e2e.config.ts' },
].filter((s) => existsSync(s.config));

const extra = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'qklab-test-'));
let passed = 0;
let failed = 0;
let skipped = 0;
let broken = false;

// lint first: a tree that does not lint fails the run even when every test passes
const lint = spawnSync('npm', ['run', '--silent', 'lint'], { stdio: 'inherit' });
if (lint.status === 0) passed += 1;
else {
  console.error('test: npm run lint failed (npm run format fixes layout and some rules)');
  failed += 1;
}

for (const suite of suites) {
  if (suite.name === 'e2e') {
    // the end-to-end tests drive the built renderer and the built engine worker
    const build = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });
    if (build.status !== 0) {
      console.error('test: electron-vite build failed; the end-to-end suite cannot run');
      broken = true;
      continue;
    }
  }
  const out = join(dir, `${suite.name}.json`);
  const r = spawnSync('npx', ['vitest', 'run', '--config', suite.config, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...extra], {
    stdio: 'inherit',
  });
  if (!existsSync(out)) {
    console.error(`test: the ${suite.name} suite produced no report (exit ${r.status})`);
    broken = true;
    continue;
  }
  const report = JSON.parse(readFileSync(out, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  // a suite that failed to load counts as broken even when no test inside it failed
  if (r.status !== 0 && report.numFailedTests === 0) broken = true;
}
rmSync(dir, { recursive: true, force: true });
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || broken || passed === 0 ? 1 : 0);
