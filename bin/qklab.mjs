#!/usr/bin/env node
// The `qklab` command. Runs the TypeScript sources through tsx (a runtime dependency), so
// `npx qklab …` works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src-main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
