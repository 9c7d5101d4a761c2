/**
 * `qklab`: the lab without a display. A thin adapter over the service, like the IPC
 * handlers: parse arguments, call the service, print or write, exit with a clear message.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';

// Every command's module is imported when the command runs: `qklab --help` loads this file
// alone, `metrics` the catalogue, and only `run`, `export`, `experiment` and `capture` the
// engine (export and experiment also ECharts and resvg).

const USAGE = `qklab — QK Lab without a display

Usage:
  qklab run JOB.json [--json | --out DIR] [--layer N] [--backend auto|cpu|wasm|webgpu] [--workers N] [--threads N]
  qklab export JOB.json --out FILE [--format png|svg|csv|npy|json] [--head N | --grid] [--scale 1|2|4]
               [--colormap viridis] [--matrix weights|scores] [--log] [--width PX] [--height PX]
  qklab experiment NAME [JOB.json] [options] [--json | --out DIR] [--scale 1|2|4] [--width PX] [--height PX] [--theme light|dark]
               (qklab experiment --help lists the experiments and their options; NAME --help one of them)
  qklab capture MODEL.onnx (--ids 464,2068,… | --text "…" [--tokenizer tokenizer.json])
               (--out FILE.safetensors | --json) [--layers 0,1] [--threads N]
  qklab inspect FILE [--part NAME]
  qklab metrics [--json]
  qklab help

Options:
  --json         print the result as one JSON object
  --out DIR      write weights.npy, output.npy, entropy.npy and result.json into DIR
                 (experiment: NAME.csv, NAME.json, NAME.svg and NAME.png; neither flag: the CSV table on stdout)
  --layer N      run: the capture's layer N, overriding the JobSpec's "capture.layer"
  --backend B    auto (default) | wasm | webgpu; overrides the JobSpec's "backend". WebGPU
                 needs a browser context (the app's compute window): under the CLI, auto
                 runs on wasm and webgpu is an error that says so
  --ids, --text  capture: the one sequence fed as input_ids [1, T] (--text through the
                 tokenizer.json given, or the one beside the model); --json prints the layers,
                 heads, d_head, tokens and the taps found; --out writes per layer
                 blocks.L.attn.hook_q/hook_k/hook_v [pos, head, d_head] and hook_pattern
                 [head, query_pos, key_pos] (float32)
  --grid         export: every head as one figure, on one colour scale (png, svg)
  --workers N    compute workers (default: the core count)
  --threads N    onnxruntime threads per worker (default 1)
  --debug        print stack traces on errors`;

/** An error worth one line to the user, with the exit code to leave with. */
class UsageError extends Error {}

async function cmdInspect(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { part: { type: 'string' }, debug: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new UsageError('inspect takes one FILE');
  const { loadNamedFile } = await import('./cli-service');
  const { inspectText } = await import('./inspect-text');
  const loaded = await loadNamedFile(resolve(positionals[0]), values.part);
  process.stdout.write(inspectText(positionals[0], loaded) + '\n');
}

async function cmdMetrics(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, debug: { type: 'boolean' } } });
  const { formatCatalogue } = await import('./metrics-text');
  process.stdout.write(formatCatalogue(Boolean(values.json)) + '\n');
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const debug = argv.includes('--debug');
  try {
    switch (command) {
      case 'run':
        await (await import('./run-command')).cmdRun(rest, { usage: (m) => new UsageError(m) });
        return 0;
      case 'export':
        // loaded on demand: ECharts, resvg and the font tables cost ~1 s to import
        await (await import('./export-command')).cmdExport(rest, { usage: (m) => new UsageError(m), readJob: (await import('./cli-service')).readJobFile });
        return 0;
      case 'experiment':
        // loaded on demand, like export: the chart renderer is slow to import
        await (await import('./experiment-command')).cmdExperiment(rest, { usage: (m) => new UsageError(m), readJob: (await import('./cli-service')).readJobFile });
        return 0;
      case 'capture':
        // loaded on demand: onnxruntime, onnx-proto and the tokenizer
        await (await import('./capture-command')).cmdCapture(rest, { usage: (m) => new UsageError(m) });
        return 0;
      case 'inspect':
        await cmdInspect(rest);
        return 0;
      case 'metrics':
        await cmdMetrics(rest);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    const e = err as Error;
    if (e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`qklab: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`qklab: ${e.message}\n`);
    if (debug && e.stack) process.stderr.write(e.stack + '\n');
    return 1;
  }
}
