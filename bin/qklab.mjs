#!/usr/bin/env node
// The `qklab` command. Runs the built CLI (out/cli, made by `npm install` / `npm ci` through
// the `prepare` script, scripts/build-cli.mjs) when it is there and no source it was built
// from has changed since; otherwise the TypeScript sources through tsx (a runtime
// dependency), so a dev checkout with no build, or with edits newer than its build, still
// runs what is in src-main. QKLAB_FROM_SOURCES=1 always runs the sources.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const rootUrl = new URL('../', import.meta.url);
// plain path strings: a URL object per stat made the check below take 6–10 ms, strings 3 ms
const root = fileURLToPath(rootUrl);

/** The built entry, when it is at least as new as every source it was built from. */
function builtEntry() {
  if (process.env.QKLAB_FROM_SOURCES === '1') return null;
  try {
    const { builtAt, inputs } = JSON.parse(readFileSync(root + 'out/cli/inputs.json', 'utf8'));
    // ~180 stat calls
    for (const p of inputs) if (statSync(root + p).mtimeMs > builtAt) return null;
    return new URL('out/cli/qklab.js', rootUrl);
  } catch {
    return null;
  }
}

let entry = builtEntry();
if (!entry) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('src-main/cli/main.ts', rootUrl);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
