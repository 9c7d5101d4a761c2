/**
 * `qklab run JOB.json`: the job through the service's runs (cli-service.ts) on the CLI's
 * engine: small `auto` jobs in this process (engine/in-process.ts), the rest on a worker
 * pool started only when a job needs it. Loaded on demand by main.ts, so `qklab --help`
 * never loads the service or the engine.
 */
import { resolve } from 'node:path';
import { parseCommand, stringFlags, SWITCH } from './common-flags';
import { wholeNumber, type Usage } from './options';
import { CpuPool, wasmPoolBeside } from '../engine/pool';
import { EngineRouter } from '../engine/router';
import { InProcessExecutor } from '../engine/in-process';
import { OnDemandBackend } from '../engine/on-demand';
import { BACKEND_CHOICES, type BackendChoice } from '../../src-shared/job/problem';
import { resultToJson } from '../service/result-json';
import { CliService, readJobFile } from './cli-service';
import { writeResultDir } from './result-dir';

export async function cmdRun(args: string[], { usage }: { usage: Usage }): Promise<void> {
  const { values, positionals } = parseCommand(args, {
    json: SWITCH,
    ...stringFlags('out', 'workers', 'threads', 'backend', 'layer'),
    debug: SWITCH,
  });
  if (positionals.length !== 1) throw usage('run takes one JOB.json');
  if (values.backend !== undefined && !BACKEND_CHOICES.includes(values.backend as BackendChoice)) {
    throw usage(`--backend: expected one of ${BACKEND_CHOICES.join(', ')}, got "${values.backend}"`);
  }
  if (!values.json && !values.out) throw usage('run needs --json or --out DIR');
  const poolOptions = {
    workers: wholeNumber('workers', values.workers, usage, 1),
    threadsPerWorker: wholeNumber('threads', values.threads, usage, 1),
  };
  const layer = wholeNumber('layer', values.layer, usage, 0);
  const jobPath = resolve(positionals[0]);
  const job = withRunFlags(await readJobFile(jobPath), { backend: values.backend, layer }, jobPath, usage);
  const engine = new EngineRouter(new OnDemandBackend('cpu', () => new CpuPool(poolOptions)), null, new InProcessExecutor(), wasmPoolBeside(poolOptions));
  try {
    const cli = new CliService(engine, values.json ? undefined : (fraction) => process.stderr.write(`\r${Math.round(fraction * 100)}% `));
    const t0 = performance.now();
    const finished = await cli.run(job, jobPath);
    const { result } = finished.run;
    const timing = { loadMs: finished.loadMs, computeMs: result.timing.totalMs, totalMs: performance.now() - t0, tiles: result.timing.tiles, backend: result.backend };
    if (values.out) {
      const written = await writeResultDir(resolve(values.out), finished, timing);
      process.stderr.write(`\rwrote ${written.join(', ')} to ${values.out}\n`);
    }
    if (values.json) {
      process.stdout.write(JSON.stringify({ ...resultToJson(result), tokens: finished.problem.tokens, backend: result.backend, timing }) + '\n');
    }
  } finally {
    await engine.close();
  }
}

/**
 * The job file's JSON with what the flags override: `--backend` the JobSpec's backend,
 * `--layer` its capture's layer (an error when it reads no capture). The result is validated
 * with the rest of the JobSpec by the run.
 */
export function withRunFlags(input: unknown, flags: { backend?: string; layer?: number }, jobPath: string, usage: Usage): unknown {
  const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  // not a JobSpec at all: the run says what is wrong with it
  if (!isObject(input)) return input;
  let job = input;
  if (flags.backend !== undefined) job = { ...job, backend: flags.backend };
  if (flags.layer !== undefined) {
    if (!isObject(job.capture)) throw usage(`--layer picks a capture's layer, but ${jobPath} has no "capture"`);
    job = { ...job, capture: { ...job.capture, layer: flags.layer } };
  }
  return job;
}
