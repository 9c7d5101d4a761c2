#!/usr/bin/env node
/**
 * Builds the `qklab` command into out/cli (run by npm's `prepare` on `npm install` / `npm ci`,
 * so `npx qklab` starts without compiling TypeScript): the CLI (src-main/cli/main.ts) and the
 * engine's pool worker, ES modules for Node, one chunk per command loaded on demand
 * (`qklab --help` reads only the entry). Dependencies stay in node_modules, as in the app's
 * build (onnxruntime-web then finds its own .wasm).
 *
 * esbuild, not electron-vite: it needs nothing of Electron (CI installs with
 * ELECTRON_SKIP_BINARY_DOWNLOAD=1), builds in about a second, and is already installed as
 * tsx's own dependency (tsx is a runtime dependency), so it is there even without dev
 * dependencies. out/cli/inputs.json lists the sources it read, so bin/qklab.mjs can tell a
 * bundle older than the sources (a dev checkout after an edit) and run the sources instead;
 * out/cli/meta.json is esbuild's metafile (tests read which chunk imports what).
 * QKLAB_CLI_OUT (a folder inside the checkout, so the bundle finds node_modules) builds
 * elsewhere (tests).
 */
import { build } from 'esbuild';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * The graph builder's modules (src-shared/graph) are pure: importing one does nothing but
 * define it. Saying so lets esbuild leave out what a command does not use, and with it the
 * builder's import of onnx-proto (protobufjs: ~150 ms of CPU to load), which only the pool's
 * workers need: `qklab run` of a small job reads overviewBlocks and the result layout, and
 * builds no graph.
 */
const pureGraphModules = {
  name: 'qklab:pure-graph-modules',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, async (args) => {
      if (args.pluginData === 'resolving' || args.importer.includes('/node_modules/')) return undefined;
      const r = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'resolving' });
      if (r.errors.length > 0 || !r.path.includes('/src-shared/graph/')) return undefined;
      return { path: r.path, sideEffects: false };
    });
  },
};

/**
 * Dependencies stay in node_modules, except these ES-module packages of hundreds of small
 * files, which Node would resolve, read and compile one by one: ECharts alone took ~0.9 s to
 * import that way (`qklab export` with nothing to do), bundled ~0.1 s.
 */
const BUNDLED_PACKAGES = /^(echarts|zrender|tslib|d3-[a-z-]+)(\/|$)/;

const packagesExternal = {
  name: 'qklab:packages-external',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (BUNDLED_PACKAGES.test(args.path) ? undefined : { path: args.path, external: true }));
  },
};

const CLI_OUT = join(root, process.env.QKLAB_CLI_OUT ?? join('out', 'cli'));

async function buildCli() {
  const started = Date.now();
  await rm(CLI_OUT, { recursive: true, force: true });
  const common = {
    absWorkingDir: root,
    outdir: CLI_OUT,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    metafile: true,
    logLevel: 'warning',
    plugins: [packagesExternal, pureGraphModules],
  };
  // the CLI: one chunk per command, loaded when the command runs
  const cli = await build({ ...common, entryPoints: { qklab: 'src-main/cli/main.ts' }, splitting: true, chunkNames: '[name]-[hash]' });
  // the workers, each whole in one file, built apart: in one split build the modules they
  // share with a command (the result layout, say) would share a chunk with the graph builder
  // and bring onnx-proto to commands that build no graph. pool.ts and exporter.ts look for
  // them beside the chunk they are bundled into, so they lie in out/cli too.
  const workers = await build({
    ...common,
    entryPoints: { 'engine-worker': 'src-main/engine/worker.ts', 'export-worker': 'src-main/service/export/export-worker.ts' },
  });
  const result = { metafile: { inputs: { ...workers.metafile.inputs, ...cli.metafile.inputs }, outputs: { ...workers.metafile.outputs, ...cli.metafile.outputs } } };
  const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/'));
  await writeFile(join(CLI_OUT, 'meta.json'), JSON.stringify(result.metafile));
  // last: bin/qklab.mjs takes the bundle only once this file is there
  await writeFile(join(CLI_OUT, 'inputs.json'), JSON.stringify({ builtAt: started, inputs }));
  return { ms: Date.now() - started, inputs: inputs.length };
}

const { ms, inputs } = await buildCli();
process.stderr.write(`qklab: built ${CLI_OUT} from ${inputs} sources in ${ms} ms\n`);
