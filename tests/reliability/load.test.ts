/**
 * Load: a slider dragged fast (issue #6). A child process (children/burst.ts, run with
 * --expose-gc) sends 200 runJob requests at once on one channel, then 200 more 3 ms apart,
 * through the LabService API and the IPC request table, for a warm-up cycle and three
 * measured ones. The newest configuration always wins with the reference's numbers, every
 * stale run is cancelled (AbortError) or finished before it went stale, nothing else fails,
 * nothing deadlocks (bounded time, nothing left pending), and memory after a forced GC comes
 * back: the JS heap to its baseline, the process RSS within bounds — and, over the 12 cycles of
 * `npm run soak:faults`, to a plateau that more jobs do not raise.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TSX, recordFigures, withDeadline } from './helpers';

const child = fileURLToPath(new URL('./children/burst.ts', import.meta.url));
const SOAK = process.env.QKLAB_SOAK === '1';
const CYCLES = SOAK ? 12 : 2;

interface Memory {
  rssMb: number;
  heapUsedMb: number;
  arrayBuffersMb: number;
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
interface Report {
  N: number;
  initial: Memory;
  baseline: Memory;
  cycles: { burst: Phase; drag: Phase; after: Memory }[];
  pending: number;
}

function runChild(args: string[]): Promise<Report> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--expose-gc', '--import', TSX, child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr.on('data', (b: Buffer) => (err += b.toString()));
    proc.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`the burst child exited with ${code}: ${err}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!));
      } catch (e) {
        reject(new Error(`the burst child printed no report: ${out}\n${err} (${(e as Error).message})`));
      }
    });
  });
}

describe('load: a slider dragged fast', () => {
  it(
    `200 jobs at once and 200 more 3 ms apart on one channel, ${CYCLES} times: the newest wins, stale ones cancel, memory settles`,
    { timeout: SOAK ? 600_000 : 120_000 },
    async () => {
      const report = await withDeadline(runChild(['200', '256', 'tau', String(CYCLES)]), SOAK ? 590_000 : 110_000, 'the burst child (a deadlock?)');
      expect(report.pending).toBe(0);
      for (const [i, c] of report.cycles.entries()) {
        for (const [what, p] of [
          ['burst', c.burst],
          ['drag', c.drag],
        ] as const) {
          expect(p.otherErrors, `cycle ${i} ${what}`).toEqual([]);
          expect(p.completed + p.cancelled).toBe(200);
          expect(p.newestWon, `cycle ${i} ${what}: the newest run won`).toBe(true);
          expect(p.newestMatchesReference, `cycle ${i} ${what}: the newest run has the reference's numbers`).toBe(true);
        }
        // all 200 arrive before any finishes loading: only the newest reaches the engine
        expect(c.burst.completed).toBe(1);
        expect(c.burst.cancelled).toBe(199);
        expect(c.burst.ms).toBeLessThan(10_000);
        expect(c.drag.ms).toBeLessThan(30_000);
        // the JS heap comes back to its baseline after every cycle
        expect(c.after.heapUsedMb - report.baseline.heapUsedMb).toBeLessThan(8);
        expect(c.after.arrayBuffersMb - report.baseline.arrayBuffersMb).toBeLessThan(48);
      }
      // the process settles: RSS stays within bounds of the warmed-up baseline (the workers' wasm
      // heaps and the allocator's arenas take ~3 cycles to reach their plateau); the soak's 12
      // cycles check that the plateau holds: the last four within 24 MB of each other
      const rss = report.cycles.map((c) => c.after.rssMb);
      expect(rss.at(-1)! - report.baseline.rssMb).toBeLessThan(200);
      if (rss.length >= 8) expect(Math.max(...rss.slice(-4)) - Math.min(...rss.slice(-4))).toBeLessThan(24);
      const stats = (xs: number[]) => {
        const sorted = [...xs].sort((a, b) => a - b);
        return { min: Math.round(sorted[0]), median: Math.round(sorted[Math.floor(sorted.length / 2)]), max: Math.round(sorted.at(-1)!) };
      };
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      recordFigures('load', {
        runsPerPhase: 200,
        measuredCycles: report.cycles.length,
        totalJobs: 400 * (report.cycles.length + 1),
        rssInitialMb: Math.round(report.initial.rssMb),
        rssAfterWarmupCycleMb: Math.round(report.baseline.rssMb),
        rssAfterEachCycleMb: rss.map(Math.round),
        heapUsedBaselineMb: Math.round(report.baseline.heapUsedMb),
        heapUsedAfterEachCycleMb: report.cycles.map((c) => Math.round(c.after.heapUsedMb)),
        burst: {
          completed: sum(report.cycles.map((c) => c.burst.completed)),
          cancelled: sum(report.cycles.map((c) => c.burst.cancelled)),
          ms: stats(report.cycles.map((c) => c.burst.ms)),
        },
        drag: {
          completed: sum(report.cycles.map((c) => c.drag.completed)),
          cancelled: sum(report.cycles.map((c) => c.drag.cancelled)),
          ms: stats(report.cycles.map((c) => c.drag.ms)),
        },
        otherErrors: 0,
        newestAlwaysWon: true,
      });
    },
  );
});
