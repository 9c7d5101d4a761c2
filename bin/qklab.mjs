#!/usr/bin/env node
// The `qklab` command. Runs the built CLI (out/cli, made by `npm install` / `npm ci` through
// the `prepare` script, scripts/build-cli.mjs) when it is there and no source it was built
// from has changed since; otherwise the TypeScript sources through tsx (a runtime
// dependency), so a dev checkout with no build, or with edits newer than its build, still
// runs what is in src-main. QKLAB_FROM_SOURCES=1 always runs the sources.
import { readFileSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

/** The built entry, when it is at least as new as every source it was built from. */
function builtEntry() {
  if (process.env.QKLAB_FROM_SOURCES === '1') return null;
  try {
    const { builtAt, inputs } = JSON.parse(readFileSync(new URL('out/cli/inputs.json', root), 'utf8'));
    // ~130 stat calls: a few milliseconds
    for (const p of inputs) if (statSync(new URL(p, root)).mtimeMs > builtAt) return null;
    return new URL('out/cli/qklab.js', root);
  } catch {
    return null;
  }
}

let entry = builtEntry();
if (!entry) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('src-main/cli/main.ts', root);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
