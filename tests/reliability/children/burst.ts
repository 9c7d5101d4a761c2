/**
 * Child process of tests/reliability/load.test.ts (and `npm run soak:faults`), run with
 * --expose-gc so that memory can be measured after a forced collection: a slider dragged
 * fast, through the LabService API and the IPC request table.
 *   burst: N runJob calls at once on one channel ("slider"), τ changing each time;
 *   drag:  N more, one every 3 ms, as a pointer would send them;
 * a first burst + drag cycle warms up, then CYCLES measured ones. For each: which runs
 * completed, which were cancelled, whether the survivor is the newest configuration with the
 * reference's numbers, how long it took, and memory after a forced GC.
 *   node --expose-gc --import tsx tests/reliability/children/burst.ts [N=200] [T=384] [tau|mask] [CYCLES=2]
 * Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpuPool } from '../../../src-main/engine/pool';
import { LabService } from '../../../src-main/service/lab-service';
import { dispatch, serviceOperations } from '../../../src-main/service/dispatch';
import type { RunReply } from '../../../src-shared/api/lab-api';
import { resolveJob } from '../../../src-shared/job/resolve';
import { parseJobSpec, type JobSpec } from '../../../src-shared/job/spec';
import { referenceAttention } from '../../../src-shared/reference';
import { ScriptedHost, writeNpyEmbeddings } from '../../service/helpers';

const N = Number(process.argv[2] ?? 200);
const T = Number(process.argv[3] ?? 384);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = () => process.memoryUsage.rss() / 2 ** 20;
async function settledRss(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc!();
    await sleep(50);
  }
  return mb();
}

const dir = mkdtempSync(join(tmpdir(), 'qklab-burst-'));
const path = join(dir, 'tokens.npy');
const data = writeNpyEmbeddings(path, T, 32, 7);
const pool = new CpuPool({ warmUp: false });
const service = await LabService.create({ host: new ScriptedHost(join(dir, 'user')), backend: pool });
const ops = serviceOperations(service);
await service.grantDroppedPath({ path });
await service.openEmbeddings({ path });

const VARY = process.argv[4] ?? 'tau';
const job = (tau: number): JobSpec =>
  VARY === 'tau'
    ? { embeddings: { path }, metric: { id: 'rbf', tau }, mask: [{ id: 'causal' }], outputs: ['weights', 'entropy'] }
    : { embeddings: { path }, metric: { id: 'rbf', tau: 1 }, mask: [{ id: 'causal', offset: Math.round(tau * 10) }], outputs: ['weights', 'entropy'] };
const tauOf = (i: number) => Math.round((0.5 + i / 40) * 1000) / 1000;

/** Runs through the IPC request table, as the renderer's calls do. */
async function run(runId: string, tau: number): Promise<RunReply> {
  const reply = await dispatch(ops, 'runJob', { runId, job: job(tau), channel: 'slider' });
  if (reply.ok) return reply.value as RunReply;
  const e = new Error(reply.error.message);
  e.name = reply.error.name;
  throw e;
}

function matches(reply: RunReply, tau: number): boolean {
  const vectors = Array.from({ length: T }, (_, i) => Array.from(data.subarray(i * 32, (i + 1) * 32)));
  const ref = referenceAttention(resolveJob(parseJobSpec({ ...job(tau), embeddings: { inline: { vectors } } })));
  let worst = 0;
  for (let i = 0; i < ref.weights.length; i++) worst = Math.max(worst, Math.abs(reply.result.weights![i] - ref.weights[i]));
  return worst < 1e-4;
}

interface Phase {
  runs: number;
  completed: number;
  cancelled: number;
  otherErrors: string[];
  newestWon: boolean;
  newestMatchesReference: boolean;
  ms: number;
  peakRssMb: number;
}

async function phase(prefix: string, spacingMs: number): Promise<Phase> {
  let peak = mb();
  const sampler = setInterval(() => (peak = Math.max(peak, mb())), 5);
  const t0 = performance.now();
  const runs: Promise<RunReply>[] = [];
  for (let i = 0; i < N; i++) {
    const p = run(`${prefix}-${i}`, tauOf(i));
    p.catch(() => {}); // handled below, after the loop (a rejection must not count as unhandled meanwhile)
    runs.push(p);
    if (spacingMs > 0) await sleep(spacingMs);
  }
  const outcomes = await Promise.allSettled(runs);
  const ms = performance.now() - t0;
  clearInterval(sampler);
  const completed = outcomes.filter((o) => o.status === 'fulfilled').length;
  const cancelled = outcomes.filter((o) => o.status === 'rejected' && (o.reason as Error).name === 'AbortError').length;
  const otherErrors = outcomes.flatMap((o) =>
    o.status === 'rejected' && (o.reason as Error).name !== 'AbortError' ? [`${(o.reason as Error).name}: ${(o.reason as Error).message}`] : [],
  );
  const last = outcomes[N - 1];
  return {
    runs: N,
    completed,
    cancelled,
    otherErrors,
    newestWon: last.status === 'fulfilled' && last.value.runId === `${prefix}-${N - 1}`,
    newestMatchesReference: last.status === 'fulfilled' && matches(last.value, tauOf(N - 1)),
    ms,
    peakRssMb: peak,
  };
}

interface Memory {
  rssMb: number;
  heapUsedMb: number;
  arrayBuffersMb: number;
}
async function memory(): Promise<Memory> {
  const rssMb = await settledRss();
  const m = process.memoryUsage();
  return { rssMb, heapUsedMb: m.heapUsed / 2 ** 20, arrayBuffersMb: m.arrayBuffers / 2 ** 20 };
}

// a first cycle warms everything up (compiled code, the worker's wasm heap, the allocator's
// arenas); the measured cycles after it must leave memory where the first one left it
const CYCLES = Number(process.argv[5] ?? 2);
await run('warm', tauOf(0));
const initial = await memory();
await phase('warm-burst', 0);
await phase('warm-drag', 3);
const baseline = await memory();
const cycles: { burst: Phase; drag: Phase; after: Memory }[] = [];
for (let c = 0; c < CYCLES; c++) {
  const burst = await phase(`burst${c}`, 0);
  const drag = await phase(`drag${c}`, 3);
  cycles.push({ burst, drag, after: await memory() });
}
const pending = pool.pending;

await service.close();
await pool.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ N, T, vary: VARY, initial, baseline, cycles, pending }) + '\n');
