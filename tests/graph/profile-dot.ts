/**
 * Times the benchmark case — H = 12, T = 1024, d = 64, dot with 1/sqrt(d), causal mask,
 * outputs weights + output + entropy — through the graph, beside the same computation in
 * numpy. `npx tsx tests/graph/profile-dot.ts [--reps=7]`.
 *
 * onnxruntime-web reads its thread count once per process, so each thread count runs in a
 * child process (`--child <threads>`). Per thread count it times: all 12 heads in one run,
 * 6 + 6, one head per run, and row tiles (causal row tiles skip the keys they cannot see,
 * keys.ts); "graph" is session.run alone, "end-to-end" adds feeds, copies out and writing
 * the tile into the full result. Last, the worker pool as the app runs it.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AttentionProblem } from '../../src-shared/job/problem';
import { matrix } from '../../src-shared/linalg/matrix';
import { Rng } from '../../src-shared/random';
import { allocateResult } from '../../src-shared/graph/result';
import { writeTile } from '../../src-shared/graph/assemble';
import { planGraphTiles } from '../../src-shared/graph/plan';
import { feedsFor, graphFor, keyRange, type Tile } from '../../src-shared/graph';

const H = 12;
const T = 1024;
const d = 64;
const reps = Number(process.argv.find((a) => a.startsWith('--reps='))?.slice(7) ?? 7);

function problem(): AttentionProblem {
  const rng = new Rng(1, 'profile-dot');
  const m = () =>
    matrix(
      T,
      H * d,
      Float32Array.from({ length: T * H * d }, () => rng.gaussian()),
    );
  return {
    heads: H,
    q: m(),
    k: m(),
    v: m(),
    metric: { id: 'dot', c: 1 / Math.sqrt(d) },
    masks: [{ id: 'causal', offset: 0 }],
    normalizer: 'softmax',
    outputs: ['weights', 'output', 'entropy'],
    topk: 0,
    tokens: { queries: null, keys: null },
  };
}

function tiles(headsPerRun: number, rowsPerRun: number): Tile[] {
  const out: Tile[] = [];
  for (let h0 = 0; h0 < H; h0 += headsPerRun) for (let r0 = 0; r0 < T; r0 += rowsPerRun) out.push({ h0, h1: h0 + headsPerRun, r0, r1: r0 + rowsPerRun });
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function child(threads: number): Promise<void> {
  const { createSession, ort } = await import('../../src-main/engine/ort-node');
  const p = problem();
  const session = await createSession(graphFor(p).model, threads);
  const layouts: [string, Tile[]][] = [
    ['12 heads/run', tiles(12, T)],
    ['6+6', tiles(6, T)],
    ['1 head/run', tiles(1, T)],
    ['1 head x 256 rows', tiles(1, 256)],
    ['1 head x 128 rows', tiles(1, 128)],
    ['12 heads x 256 rows', tiles(12, 256)],
    ['12 heads x 64 rows', tiles(12, 64)],
    ['planGraphTiles', planGraphTiles(p)],
  ];
  // V8 compiles the runtime's wasm with its baseline tier first and optimises it in the
  // background: the first seconds of runs are several times slower. Warm up before timing.
  const warm = allocateResult(p);
  for (let rep = 0; rep < 4; rep++) {
    for (const tile of tiles(12, 128)) {
      const feeds = Object.fromEntries(Object.entries(feedsFor(p, tile)).map(([k, f]) => [k, new ort.Tensor(f.type, f.data, f.dims)]));
      const out = await session.run(feeds);
      writeTile(warm, p, tile, { keys: keyRange(p, tile), ...Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { data: t.data, dims: t.dims }])) } as never);
      for (const t of Object.values(out)) t.dispose();
    }
  }
  for (const [name, ts] of layouts) {
    const graph: number[] = [];
    const total: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const result = allocateResult(p);
      let inRun = 0;
      const t0 = performance.now();
      for (const tile of ts) {
        const feeds = Object.fromEntries(Object.entries(feedsFor(p, tile)).map(([k, f]) => [k, new ort.Tensor(f.type, f.data, f.dims)]));
        const t1 = performance.now();
        const out = await session.run(feeds);
        inRun += performance.now() - t1;
        const tr = { keys: keyRange(p, tile), ...Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { data: t.data, dims: t.dims }])) };
        writeTile(result, p, tile, tr as never);
        for (const t of Object.values(out)) t.dispose();
      }
      total.push(performance.now() - t0);
      graph.push(inRun);
    }
    // the first repetition grows the wasm heap; the median of the rest is the steady state
    console.log(JSON.stringify({ threads, layout: name, graphMs: median(graph.slice(1)), endToEndMs: median(total.slice(1)) }));
  }
  await session.release();
}

/** The engine as the app runs it: the worker pool (2 workers × 1 thread), tiles from its planner. */
async function pool(): Promise<Record<string, unknown>[]> {
  const { CpuPool } = await import('../../src-main/engine/pool');
  const p = problem();
  const out: Record<string, unknown>[] = [];
  // the pool's planner sizes tiles from a byte budget: 48 MiB gives whole heads, the smaller ones row tiles
  for (const [name, budgetBytes] of [
    ['whole heads', undefined],
    ['256-row tiles', 8 * 2 ** 20],
    ['128-row tiles', 4 * 2 ** 20],
  ] as const) {
    const engine = new CpuPool({ workers: 2, threadsPerWorker: 1, budgetBytes });
    const times: number[] = [];
    let tiles = 0;
    for (let rep = 0; rep < 4; rep++) await engine.run(p); // warm-up (see child)
    for (let rep = 0; rep < reps; rep++) {
      const t0 = performance.now();
      const r = await engine.run(p);
      times.push(performance.now() - t0);
      tiles = r.timing.tiles;
    }
    await engine.close();
    out.push({ layout: `pool 2×1, ${name} (${tiles} tiles)`, endToEndMs: median(times.slice(1)) });
  }
  return out;
}

const NUMPY = String.raw`
import numpy as np, time, json, sys
H, T, d, reps = 12, 1024, 64, int(sys.argv[1])
rng = np.random.default_rng(1)
Q, K, V = (rng.standard_normal((H, T, d), dtype=np.float32) for _ in range(3))
c = np.float32(1 / np.sqrt(d))
# blocked = a large finite negative: exp gives 0 and 0·(it) stays 0 in the entropy sum
bias = np.where(np.tril(np.ones((T, T), bool)), np.float32(0), np.float32(-1e30))
def full():
    W = np.empty((H, T, T), np.float32); O = np.empty((H, T, d), np.float32); Hn = np.empty((H, T), np.float32)
    for h in range(H):
        S = (Q[h] * c) @ K[h].T
        S += bias
        S -= S.max(axis=1, keepdims=True)
        E = np.exp(S)
        Z = E.sum(axis=1)
        np.divide(E, Z[:, None], out=W[h])
        Hn[h] = np.log(Z) - np.einsum('ij,ij->i', W[h], S)
        O[h] = W[h] @ V[h]
    return W, O, Hn
def lower_bound():
    for h in range(H):
        E = np.exp((Q[h] * c) @ K[h].T)
        E @ V[h]
for name, f in (('numpy same computation', full), ('numpy matmul+exp+matmul', lower_bound)):
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); f(); ts.append((time.perf_counter() - t) * 1000)
    print(json.dumps({'numpy': name, 'ms': sorted(ts[1:])[len(ts[1:]) // 2]}))
`;

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const rows: Record<string, unknown>[] = [];
  for (const threads of [1, 2]) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--child', String(threads), `--reps=${reps}`], { encoding: 'utf8' });
    for (const line of out.trim().split('\n')) if (line.startsWith('{')) rows.push(JSON.parse(line));
  }
  const pooled = await pool();
  const np = execFileSync('python3', ['-c', NUMPY, String(reps)], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const ref = np[0].ms as number;
  for (const r of np) console.log(`${String(r.numpy).padEnd(34)} ${(r.ms as number).toFixed(1).padStart(7)} ms`);
  for (const r of rows) {
    const g = r.graphMs as number;
    const e = r.endToEndMs as number;
    console.log(
      `ort ${r.threads} thread(s), ${String(r.layout).padEnd(19)} graph ${g.toFixed(1).padStart(7)} ms (${(g / ref).toFixed(2)}× numpy)  end-to-end ${e.toFixed(1).padStart(7)} ms (${(e / ref).toFixed(2)}×)`,
    );
  }
  for (const r of pooled) {
    const e = r.endToEndMs as number;
    console.log(`${String(r.layout).padEnd(40)} end-to-end ${e.toFixed(1).padStart(7)} ms (${(e / ref).toFixed(2)}× numpy)`);
  }
}

const at = process.argv.indexOf('--child');
if (at >= 0) await child(Number(process.argv[at + 1]));
else await main();
