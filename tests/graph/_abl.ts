import { createSession, ort } from '../../src-main/engine/ort-node';
import { feedsFor, graphFor } from '../../src-shared/graph';
import { planGraphTiles } from '../../src-shared/graph/plan';
import { makeProblem } from './helpers';
import type { OutputKind } from '../../src-shared/job/problem';
const threads = Number(process.argv[2] ?? 1);
const rows = Number(process.argv[3] ?? 128);
const sets: Record<string, OutputKind[]> = { full: ['weights', 'output', 'entropy'], statsOnly: ['entropy'], outputOnly: ['output', 'entropy'], weightsOnly: ['weights', 'entropy'] };
const runs: Record<string, () => Promise<void>> = {};
for (const [name, outputs] of Object.entries(sets)) {
  for (const masks of [[{ id: 'causal' as const, offset: 0 }], []]) {
    const p = makeProblem({ shape: { heads: 12, Tq: 1024, Tk: 1024, dq: 64, dk: 64, dv: 64 }, metric: { id: 'dot', c: 0.125 }, masks, outputs });
    const s = await createSession(graphFor(p).model, threads);
    const feeds = planGraphTiles(p, { tileRows: rows }).map((t) => Object.fromEntries(Object.entries(feedsFor(p, t)).map(([k, f]) => [k, new ort.Tensor(f.type, f.data as never, f.dims)])));
    runs[`${name}${masks.length ? ' causal' : ' nomask'}`] = async () => { for (const f of feeds) { const out = await s.run(f); for (const t of Object.values(out)) t.dispose(); } };
  }
}
const times: Record<string, number[]> = {};
for (let rep = 0; rep < 10; rep++) for (const [k, r] of Object.entries(runs)) { const t0 = performance.now(); await r(); (times[k] ??= []).push(performance.now() - t0); }
for (const [k, ts] of Object.entries(times)) { const s = ts.slice(2).sort((a, b) => a - b); console.log(k.padEnd(22), 'min', s[0].toFixed(1), 'median', s[Math.floor(s.length / 2)].toFixed(1)); }
