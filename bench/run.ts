/**
 * `npm run bench`: the engine beside numpy and a plain-JS loop on the same float32 inputs,
 * each contender in its own process (so peak RSS is per contender and case), medians of
 * repeated runs after a warm-up. Writes bench/report.json and prints a table. `--cli` runs
 * only the CLI latency cases (cli-case.ts) and puts them into the existing report; `--zoom`
 * likewise only the zoom latency case (zoom-case.ts); `--app` only the app's latency around the
 * engine (app-case.ts: a metric change and a τ step at T = 2048, from input event to painted
 * frame, in Chromium against the real service), merged the same way.
 * Speed targets are judged here, never in timed unit tests: these machines are shared.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CASES, median, numpyEnv, type BenchCase } from './cases';
import { writeBenchInput, benchInput } from './inputs';
import type { runRecurrenceCase } from './recurrence-case';
import type { appLines } from './app-case';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

interface Contender {
  medianMs: number | null;
  times?: number[];
  peakRssMb?: number;
  /** the engine's peak RSS over its steady-state runs (before freshTimes holds results on purpose) */
  steadyRssMb?: number;
  entropySum?: number;
  note?: string;
  [k: string]: unknown;
}

function child(args: string[]): Contender {
  const r = spawnSync(process.execPath, [join(root, 'bin/bench.mjs'), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) return { medianMs: null, note: `failed: ${(r.stderr || '').trim().split('\n').slice(-3).join(' ')}` };
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { ...out, medianMs: out.times ? median(out.times) : null };
}

function numpy(c: BenchCase, input: string): Contender {
  try {
    const out = execFileSync('python3', [join(here, 'numpy_case.py'), input, String(c.H), String(c.T), String(c.d), c.kind, String(c.reps)], {
      env: numpyEnv(),
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    const parsed = JSON.parse(out.trim().split('\n').pop()!);
    return { ...parsed, medianMs: median(parsed.times) };
  } catch (e) {
    return { medianMs: null, note: `numpy unavailable or failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

/**
 * One contender in this process. Each imports only its own case module: a child's peak RSS
 * is its case's (the engine's, say), not that of the renderer, Playwright and ECharts that
 * other cases load.
 */
async function childMain(argv: string[]): Promise<void> {
  const get = (k: string) => argv[argv.indexOf(k) + 1];
  const print = (x: unknown): void => void process.stdout.write(JSON.stringify(x) + '\n');
  if (get('--child') === 'render') return print(await (await import('./render-case')).runRenderCase());
  if (get('--child') === 'zoom') return print(await (await import('./zoom-case')).runZoomCase());
  if (get('--child') === 'recurrence') return print(await (await import('./recurrence-case')).runRecurrenceCase());
  if (get('--child') === 'app') return print(await (await import('./app-case')).runAppCase());
  const c = CASES.find((x) => x.name === get('--case'))!;
  if (get('--child') === 'webgpu') return print(await (await import('./webgpu-case')).runWebGpuCase(c));
  if (get('--child') === 'sweep') return print(await (await import('./sweep-case')).runSweepCase(c, get('--input')));
  if (get('--child') === 'engine') {
    const workers = argv.includes('--workers') ? Number(get('--workers')) : undefined;
    const threads = argv.includes('--threads') ? Number(get('--threads')) : undefined;
    const runtime = argv.includes('--runtime') ? (get('--runtime') as 'native' | 'wasm') : undefined;
    return print(await (await import('./engine-case')).runEngineCase(c, get('--input'), workers, threads, runtime));
  } else {
    const { plainJsAttention } = await import('./js-case');
    const x = benchInput(c);
    plainJsAttention(x, c); // warm-up
    const times: number[] = [];
    let entropySum = 0;
    for (let i = 0; i < Math.min(3, c.reps); i++) {
      const t0 = performance.now();
      const r = plainJsAttention(x, c);
      times.push(performance.now() - t0);
      entropySum = r.entropy.reduce((a, b) => a + b, 0);
    }
    process.stdout.write(JSON.stringify({ times, entropySum, peakRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
  }
}

/** The CLI latency cases, as report.cli, with a line each for the table. */
async function cliReport(): Promise<{ cli: unknown; lines: string[] }> {
  const { cliLine, runCliCases } = await import('./cli-case');
  const { built, cases } = runCliCases(root);
  return {
    cli: {
      note: `whole cold processes, each alternated with its baseline in the same run; median wall ms; ratio = subject / baseline; the CLI as built by \`${built}\` (npm's prepare)`,
      cases,
    },
    lines: cases.map(cliLine),
  };
}

async function previousReport(): Promise<Record<string, unknown>> {
  return readFile(join(here, 'report.json'), 'utf8').then(
    (t) => JSON.parse(t) as Record<string, unknown>,
    () => ({}),
  );
}

/** The app's latency around the engine (app-case.ts, in its own process), as report.app, with its lines. */
async function appReport(): Promise<{ app: Record<string, unknown>; lines: string[] }> {
  const r = child(['--child', 'app']);
  const app = {
    case: 'the built renderer in headless Chromium, the real service behind it (tests/e2e/harness.ts), 2048 tokens × 64 dims in 8 heads: input event → the next paint after the map shows the new run, and after every panel does (a requestAnimationFrame and a message posted in it; the panels redraw after the map) for a score-function change and one τ slider step, median of 9 each; the first result is the median of 3 starts of the app; overheadMs = median total − median engine compute (RunReply.timing.computeMs); transportMs is the test harness’s transport (a Playwright binding, large arrays as raw bytes over the page’s HTTP connection), which stands in for Electron IPC',
    date: new Date().toISOString(),
    ...r,
  };
  if (!r.metricChange) return { app, lines: [`app: ${r.note ?? 'failed'}`] };
  const lines = (await import('./app-case')).appLines;
  return { app, lines: lines(r as unknown as Parameters<typeof appLines>[0]) };
}

/** `--app`: only the app's latency case, merged into the report already there (if any). */
async function appOnly(): Promise<void> {
  const previous = await previousReport();
  const { app, lines } = await appReport();
  await writeFile(join(here, 'report.json'), JSON.stringify({ ...previous, app }, null, 2));
  process.stdout.write(`${lines.join('\n')}\n\nwrote bench/report.json (app)\n`);
}

/** `--cli`: only the CLI latency cases, merged into the report already there (if any). */
async function cliOnly(): Promise<void> {
  const path = join(here, 'report.json');
  const previous = await previousReport();
  const { cli, lines } = await cliReport();
  await writeFile(
    path,
    JSON.stringify({ ...previous, cli: { date: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version }, ...(cli as object) } }, null, 2),
  );
  process.stdout.write(`${lines.join('\n')}\n\nwrote bench/report.json (cli)\n`);
}

/** Writes `section` (dated, with the machine) under `key` into the report already there (if any), and prints its lines. */
async function mergeIntoReport(key: string, section: object, lines: string[]): Promise<void> {
  const previous = await previousReport();
  const dated = { date: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version }, ...section };
  await writeFile(join(here, 'report.json'), JSON.stringify({ ...previous, [key]: dated }, null, 2));
  process.stdout.write(`${lines.join('\n')}\n\nwrote bench/report.json (${key})\n`);
}

/** `--zoom`: only the zoom latency case. */
async function zoomOnly(): Promise<void> {
  const zoom = child(['--child', 'zoom']);
  const { zoomLine } = await import('./zoom-case');
  await mergeIntoReport('zoom', zoom, [zoomLine(zoom)]);
}

/** `--recurrence`: only the recurrence cases. */
async function recurrenceOnly(): Promise<void> {
  const out = child(['--child', 'recurrence']);
  if (!('cases' in out)) throw new Error(`the recurrence bench failed: ${out.note ?? 'no report'}`);
  const rec = out as unknown as Awaited<ReturnType<typeof runRecurrenceCase>>;
  const { recurrenceLines } = await import('./recurrence-case');
  await mergeIntoReport('recurrence', rec, recurrenceLines(rec));
}

export async function benchMain(argv: string[]): Promise<void> {
  if (argv.includes('--child')) return childMain(argv);
  if (argv.includes('--recurrence')) return recurrenceOnly();
  if (argv.includes('--cli')) return cliOnly();
  if (argv.includes('--zoom')) return zoomOnly();
  if (argv.includes('--app')) return appOnly();
  const quick = argv.includes('--quick');
  const cases = CASES.filter((c) => !quick || c.quick);
  const { SWEEP_TAUS } = await import('./sweep-case');
  const { zoomLine } = await import('./zoom-case');
  const { buildCli } = await import('./cli-case');
  // the engine children run the worker as it ships (engine-case.ts): built now, from these sources
  buildCli(root);
  const dir = await mkdtemp(join(tmpdir(), 'qklab-bench-'));
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    note: 'median wall ms per run after three warm-up runs (steady state, as in the app whose pool lives with the window), each result released before the next run as the app releases the runs it no longer keeps; engine.freshTimes: results allocated afresh, nothing released; each contender in its own process; ratio = engine / numpy (≤ 1 means the engine is at least as fast)',
    cases: [] as unknown[],
  };
  const rows: string[] = [];
  let sweepLine: string;
  const inputs = new Map<BenchCase, string>();
  try {
    for (const c of cases) {
      const input = await writeBenchInput(c, dir);
      inputs.set(c, input);
      const contenders: Record<string, Contender> = {
        engine: child(['--child', 'engine', '--case', c.name, '--input', input]),
        // the other ways to use two cores: one worker whose onnxruntime runs two threads,
        // and (pool scaling, issue #4) one single-threaded worker
        'engine 1 worker × 2 threads': child(['--child', 'engine', '--case', c.name, '--input', input, '--workers', '1', '--threads', '2']),
        'engine 1 worker × 1 thread': child(['--child', 'engine', '--case', c.name, '--input', input, '--workers', '1', '--threads', '1']),
        // the same pool on onnxruntime-web's wasm build (the engine before onnxruntime-node)
        'engine wasm': child(['--child', 'engine', '--case', c.name, '--input', input, '--runtime', 'wasm']),
        numpy: numpy(c, input),
        // WebGPU in headless Chromium (SwiftShader here: WebGPU on the CPU; recorded, not tuned for)
        webgpu: child(['--child', 'webgpu', '--case', c.name]),
      };
      // the plain-JS loop at T = 16384 would take minutes: measured only on the smaller cases
      contenders['plain JS'] = c.T <= 4096 ? child(['--child', 'js', '--case', c.name]) : { medianMs: null, note: 'skipped: T=16384 takes minutes in plain JS' };
      const e = contenders.engine.medianMs;
      const n = contenders.numpy.medianMs;
      const w = contenders['engine wasm'].medianMs;
      const entry = { case: c, contenders, ratioEngineToNumpy: e && n ? e / n : null, ratioWasmToNative: e && w ? w / e : null };
      (report.cases as unknown[]).push(entry);
      const fmt = (x: number | null | undefined) => (x == null || Number.isNaN(x) ? '—'.padStart(9) : x.toFixed(1).padStart(9));
      const gpu = contenders.webgpu;
      const tile = contenders.engine.tileTimes as number[] | undefined;
      const fresh = contenders.engine.freshTimes as number[] | undefined;
      rows.push(
        `${c.name.padEnd(22)} ${fmt(e)} ${fmt(fresh?.length ? median(fresh) : null)} ${fmt(contenders['engine 1 worker × 2 threads'].medianMs)} ${fmt(contenders['engine 1 worker × 1 thread'].medianMs)} ${fmt(w)} ${fmt(n)} ${fmt(contenders['plain JS'].medianMs)}   ${(entry.ratioEngineToNumpy?.toFixed(2) ?? '—').padStart(4)}   ${fmt(contenders.engine.peakRssMb)} ${fmt(contenders.engine.steadyRssMb)} ${fmt(gpu.medianMs)} ${fmt(gpu.pageTimes ? median(gpu.pageTimes as number[]) : null)} ${fmt(tile ? median(tile) : null)}`,
      );
      process.stderr.write(`${rows[rows.length - 1]}\n`);
    }
    // a temperature sweep on the first case's job: τ is a feed, so a new τ builds no session
    const sc = cases[0];
    const sweep = child(['--child', 'sweep', '--case', sc.name, '--input', inputs.get(sc)!]);
    report.temperatureSweep = {
      case: `${sc.name}: the temperature experiment at ${SWEEP_TAUS} distinct τ per sweep (ms per τ) against the same experiment at one repeated τ; ratio ≈ 1 means a new τ costs nothing extra`,
      ...sweep,
    };
    const sameMs = sweep.sameTauTimes as number[] | undefined;
    sweepLine =
      sweep.medianMs == null || !sameMs
        ? `temperature sweep: ${sweep.note ?? 'failed'}`
        : `temperature sweep (${sc.name}, ${SWEEP_TAUS} τ): ${sweep.medianMs.toFixed(1)} ms per distinct τ, ${median(sameMs).toFixed(1)} ms per repeated τ (ratio ${(sweep.ratio as number).toFixed(2)})`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  // the renderer's first paint of a 4096 × 4096 overview (issue #4), in Chromium
  const render = quick ? { medianMs: null, note: 'skipped with --quick' } : child(['--child', 'render']);
  report.renderer = { case: 'first paint of a 4096×4096 overview, pooled to 1024×1024 px (matrixPixels + putImageData + next frame), headless Chromium', ...render };
  // zooming a T = 16384 overview run: fetchTile of 512 × 512 regions against the engine's own time
  const zoom = quick ? { medianMs: null, note: 'skipped with --quick' } : child(['--child', 'zoom']);
  report.zoom = zoom;
  const cli = await cliReport();
  report.cli = cli.cli;
  const app = quick ? { app: { note: 'skipped with --quick' }, lines: ['app: skipped with --quick'] } : await appReport();
  report.app = app.app;
  await writeFile(join(here, 'report.json'), JSON.stringify(report, null, 2));
  const first = (render as { first?: { totalMs: number; poolAndColourMs: number } }).first;
  const renderLine =
    render.medianMs == null
      ? `renderer: ${render.note ?? 'failed'}`
      : `renderer: 4096×4096 overview → 1024×1024 px first paint ${first?.totalMs.toFixed(1)} ms (pool+colour ${first?.poolAndColourMs.toFixed(1)} ms); steady ${render.medianMs.toFixed(1)} ms`;
  process.stdout.write(
    `\n${'case'.padEnd(22)} ${'engine'.padStart(9)} ${'fresh'.padStart(9)} ${'eng 1×2'.padStart(9)} ${'eng 1×1'.padStart(9)} ${'wasm'.padStart(9)} ${'numpy'.padStart(9)} ${'plain JS'.padStart(9)}   e/np   ${'RSS MB'.padStart(9)} ${'steady MB'.padStart(9)} ${'webgpu'.padStart(9)} ${'gpu page'.padStart(9)} ${'tile 512'.padStart(9)}\n${rows.join('\n')}\n\n${sweepLine}\n${renderLine}\n${zoomLine(zoom)}\n${cli.lines.join('\n')}\n${app.lines.join('\n')}\n(engine = the app's pool, here ${String((report.cases as { contenders: Record<string, Contender> }[])[0]?.contenders.engine.backend ?? '?')}, results released between runs; fresh = the same without releasing (new memory each run); RSS MB = the engine process's peak, steady MB = its peak before the fresh runs; webgpu = wall through the test bridge, gpu page = the page's own tile time; wasm = the same pool on onnxruntime-web's wasm build; tile 512 = a 512-row fetchTile region on the app's pool)\n\nwrote bench/report.json\n`,
  );
}
