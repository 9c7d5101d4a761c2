/**
 * `npm run soak:large`: a synthetic GloVe-like vocabulary of 400 000 tokens × 300 numbers
 * (~1 GB) generated in a temp folder and loaded through the LabService with progress and a
 * cancel; load time, peak RSS (against the 458 MiB of float32 the file parses into), the
 * longest event-loop stall while loading, sentence look-up time. Writes the `large` section
 * of bench/reliability.json and exits non-zero when a bound is broken.
 *   node --expose-gc --import tsx bench/reliability/soak-large.ts [--count 400000] [--dim 300]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CpuPool } from '../../src-main/engine/pool';
import { measureLargeLoad } from './large-load';

const REPORT = fileURLToPath(new URL('../reliability.json', import.meta.url));

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

export async function soakLarge(): Promise<number> {
  const count = arg('--count', 400_000);
  const dim = arg('--dim', 300);
  const dir = mkdtempSync(join(tmpdir(), 'qklab-soak-large-'));
  const pool = new CpuPool({ warmUp: false });
  const loadBefore = loadavg()[0];
  try {
    const f = await measureLargeLoad({ dir, count, dim, backend: pool, log: (line) => console.log(`soak:large: ${line}`) });
    const tokensAllowanceMb = (count * 64) / 2 ** 20; // a token string, its array slot and its two index entries
    const checks = {
      peakNearData: f.peakGrowthMb <= f.dataMb + tokensAllowanceMb + 64,
      eventLoopNeverBlockedOver100Ms: f.maxEventLoopBlockMs < 100,
      progressMonotonic: f.progressMonotonic,
      sentenceFound: f.outOfVocabulary.length === 1 && f.sentenceTokens.length > 10,
      lookupUnder5Ms: f.medianLookupMs < 5,
      cancelPrompt: f.cancel.latencyMs >= 0 && f.cancel.latencyMs < 100,
      cancelStopsReading: f.cancel.readStopped,
    };
    const round = (x: number) => Math.round(x * 10) / 10;
    const section = {
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverageBefore: round(loadBefore), loadAverageAfter: round(loadavg()[0]) },
      tokens: f.tokens,
      dim: f.dim,
      fileMb: round(f.fileMb),
      dataMb: round(f.dataMb),
      tokensAllowanceMb: round(tokensAllowanceMb),
      generateS: round(f.generateMs / 1000),
      loadS: round(f.loadMs / 1000),
      loadMBps: round(f.fileMb / (f.loadMs / 1000)),
      rssBeforeMb: round(f.rssBeforeMb),
      peakRssMb: round(f.peakRssMb),
      peakGrowthMb: round(f.peakGrowthMb),
      peakGrowthOverData: Math.round(f.peakOverData * 100) / 100,
      maxEventLoopBlockMs: round(f.maxEventLoopBlockMs),
      eventLoopStallsOver100Ms: f.eventLoopStallsOver100Ms,
      loadingProgressEvents: f.loadingProgressEvents,
      sentenceTokens: f.sentenceTokens.length,
      outOfVocabulary: f.outOfVocabulary,
      firstLookupMs: round(f.firstLookupMs),
      medianLookupMs: Math.round(f.medianLookupMs * 1000) / 1000,
      cancel: { atPercent: Math.round(f.cancel.atFraction * 100), latencyMs: round(f.cancel.latencyMs), rssGrowthNext2sMb: round(f.cancel.rssGrowthAfterCancelMb) },
      checks,
      recordedAt: new Date().toISOString(),
    };
    const report = existsSync(REPORT) ? JSON.parse(readFileSync(REPORT, 'utf8')) : {};
    report.large = section;
    writeFileSync(REPORT, JSON.stringify(report, null, 2) + '\n');
    console.table(Object.fromEntries(Object.entries(section).filter(([, x]) => typeof x !== 'object')));
    const failed = Object.entries(checks)
      .filter(([, ok]) => !ok)
      .map(([k]) => k);
    console.log(failed.length ? `soak:large: FAILED ${failed.join(', ')}` : 'soak:large: all checks passed');
    console.log(`soak:large: wrote the "large" section of ${REPORT}`);
    return failed.length ? 1 : 0;
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await soakLarge();
