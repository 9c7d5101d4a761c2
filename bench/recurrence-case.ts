/**
 * Recurrences in the engine (`npm run bench -- --recurrence`): each recurrence at H = 12,
 * T = 2048, d = 64 (the bench's seeded Gaussian inputs, a random projection to 768) on the
 * app's wasm pool, against causal softmax attention (dot, 1/√d) on the same inputs in the
 * same pool — the baseline the ratio is quoted to — and one head at T = 16,384 kept as
 * entropy and overview. Median wall ms of 3 runs after one warm-up, each result released as
 * the app releases runs it no longer keeps. linear, retention and selective run as graphs;
 * delta as TypeScript rows (docs/semantics.md "Recurrences"), timed at 2,048 only.
 */
import { APP_POOL, CpuPool } from '../src-main/engine/pool';
import { resolveJob } from '../src-shared/job/resolve';
import type { JobSpec } from '../src-shared/job/spec';
import { gaussianMatrix } from '../src-shared/random';
import { median } from './cases';

const KINDS: { name: string; spec: Partial<JobSpec> }[] = [
  { name: 'softmax (dot, causal): baseline', spec: { metric: { id: 'dot' }, mask: [{ id: 'causal' }] } },
  { name: 'linear (elu + 1)', spec: { recurrence: { id: 'linear' } } },
  { name: 'retention (multiscale)', spec: { recurrence: { id: 'retention', gamma: 'multiscale' } } },
  { name: 'selective (seeded gates)', spec: { recurrence: { id: 'selective', seed: 0 } } },
  { name: 'delta (β 0.5)', spec: { recurrence: { id: 'delta' } } },
];

function inputs(T: number, d: number): Partial<JobSpec> {
  const m = gaussianMatrix(7, 'bench/recurrence', T, d, 1);
  return { embeddings: { inline: { vectors: Array.from({ length: T }, (_, i) => Array.from(m.subarray(i * d, (i + 1) * d))) } } };
}

export async function runRecurrenceCase() {
  const pool = new CpuPool(APP_POOL);
  const shapes = [
    { label: 'H12_T2048_d64', T: 2048, extra: { heads: 12, projection: { id: 'random' as const, seed: 1, width: 768 }, outputs: ['entropy', 'output'] as JobSpec['outputs'] } },
    { label: 'H1_T16384_d64_overview', T: 16384, extra: { heads: 1, outputs: ['entropy', 'overview'] as JobSpec['outputs'] } },
  ];
  const cases: { shape: string; kind: string; medianMs: number; times: number[]; ratioToSoftmax: number | null; maxScanError: number | null }[] = [];
  try {
    await pool.whenWarm();
    for (const s of shapes) {
      const base = inputs(s.T, 64);
      let softmax: number | null = null;
      for (const k of KINDS) {
        // the delta rule's TypeScript rows at 16,384 take ~64× their 2,048 time per head: not repeated here
        if (s.T > 4096 && k.spec.recurrence?.id === 'delta') continue;
        const problem = resolveJob({ ...base, ...s.extra, ...k.spec } as JobSpec);
        const once = async () => {
          const t0 = performance.now();
          const r = await pool.run(problem);
          const ms = performance.now() - t0;
          const scan = r.scanError ? Math.max(...r.scanError) : null;
          pool.release(r);
          return { ms, scan };
        };
        await once();
        const runs = [await once(), await once(), await once()];
        const times = runs.map((r) => r.ms);
        const ms = median(times);
        if (softmax === null) softmax = ms;
        cases.push({ shape: s.label, kind: k.name, medianMs: ms, times, ratioToSoftmax: softmax ? ms / softmax : null, maxScanError: runs[0].scan });
      }
    }
  } finally {
    await pool.close();
  }
  return { cases };
}

/** The report's lines. */
export function recurrenceLines(r: Awaited<ReturnType<typeof runRecurrenceCase>>): string[] {
  return r.cases.map(
    (c) =>
      `recurrence ${c.shape} ${c.kind.padEnd(32)} ${c.medianMs.toFixed(0).padStart(7)} ms  ×${(c.ratioToSoftmax ?? NaN).toFixed(2)} of softmax${c.maxScanError !== null ? `  max scan error ${c.maxScanError.toExponential(1)}` : ''}`,
  );
}
