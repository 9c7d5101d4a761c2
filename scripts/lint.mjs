#!/usr/bin/env node
// `npm run lint`: ESLint (eslint.config.js) and `prettier --check` (.prettierrc.json) side by
// side. The type-aware ESLint pass is most of the time (about a minute on one core); Prettier
// fits on the second core beside it. Fails when either finds something.
// `npm run format` (--fix): ESLint's fixes first (removing a needless `as T` can shorten a
// line), then Prettier lays out the result; fails when ESLint leaves something to fix by hand.
import { spawn } from 'node:child_process';

function run(args) {
  return new Promise((resolve) => {
    const child = spawn('npx', args, { stdio: 'inherit' });
    child.on('error', (e) => {
      console.error(`lint: npx ${args.join(' ')}: ${e.message}`);
      resolve(false);
    });
    child.on('close', (code) => resolve(code === 0));
  });
}

if (process.argv.includes('--fix')) {
  const linted = await run(['eslint', '--fix', '.']);
  const formatted = await run(['prettier', '--write', '--log-level', 'warn', '.']);
  process.exit(linted && formatted ? 0 : 1);
}
const ok = await Promise.all([run(['eslint', '.']), run(['prettier', '--check', '--log-level', 'warn', '.'])]);
process.exit(ok.every(Boolean) ? 0 : 1);
