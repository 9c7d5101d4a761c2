#!/usr/bin/env node
// `npm run lint`: ESLint (eslint.config.js) and `prettier --check` (.prettierrc.json) side by
// side. The type-aware ESLint pass is most of the time (about a minute on one core); Prettier
// fits on the second core beside it. Fails when either finds something.
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

const ok = await Promise.all([run(['eslint', '.']), run(['prettier', '--check', '--log-level', 'warn', '.'])]);
process.exit(ok.every(Boolean) ? 0 : 1);
