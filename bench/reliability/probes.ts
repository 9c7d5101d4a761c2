/**
 * Measuring a process while it works: the longest event-loop stall (a setInterval probe that
 * records how late each tick fires) and the peak resident set size (sampled on the same
 * ticks, plus the kernel's high-water mark where the platform has one).
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface ProbeReport {
  /** the longest gap between two probe ticks, minus the interval: how long the loop was blocked */
  maxBlockedMs: number;
  /** ticks that came more than 100 ms late */
  stallsOver100Ms: number;
  ticks: number;
  /** peak RSS sampled on the ticks, MiB */
  peakRssMb: number;
  /** RSS when the probe started, MiB */
  startRssMb: number;
}

export const MiB = 2 ** 20;

export function rssMb(): number {
  return process.memoryUsage.rss() / MiB;
}

/** The kernel's peak RSS of this process (VmHWM), MiB, or null off Linux. */
export function kernelPeakRssMb(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Reset the kernel's peak RSS (Linux ≥ 4.0: write 5 to clear_refs), so VmHWM measures from now. */
export function resetKernelPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

export class LoopProbe {
  private timer: ReturnType<typeof setInterval> | null = null;
  private last = 0;
  private report: ProbeReport;

  constructor(private readonly intervalMs = 10) {
    const rss = rssMb();
    this.report = { maxBlockedMs: 0, stallsOver100Ms: 0, ticks: 0, peakRssMb: rss, startRssMb: rss };
  }

  start(): this {
    this.last = performance.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    return this;
  }

  private tick(): void {
    const now = performance.now();
    const blocked = now - this.last - this.intervalMs;
    this.last = now;
    const r = this.report;
    r.ticks++;
    if (blocked > r.maxBlockedMs) r.maxBlockedMs = blocked;
    if (blocked > 100) r.stallsOver100Ms++;
    const rss = rssMb();
    if (rss > r.peakRssMb) r.peakRssMb = rss;
  }

  /** Samples RSS now (call after a step that may have allocated without yielding). */
  sample(): void {
    const rss = rssMb();
    if (rss > this.report.peakRssMb) this.report.peakRssMb = rss;
  }

  stop(): ProbeReport {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.tick();
    return { ...this.report, maxBlockedMs: Math.max(0, this.report.maxBlockedMs) };
  }
}
