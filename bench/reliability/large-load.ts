/**
 * Loading a large GloVe-like vocabulary through the LabService, measured: load time, peak RSS
 * above the process's baseline, the longest event-loop stall while loading (a setInterval
 * probe), progress, sentence look-up time, and cancelling a load halfway. Shared by
 * `npm run soak:large` (400k × 300, ~1 GB; bench/reliability/soak-large.ts) and its CI-sized
 * twin (tests/reliability/large-file.test.ts, 40k × 300).
 */
import { join } from 'node:path';
import { statSync } from 'node:fs';
import type { Backend } from '../../src-main/engine/backend';
import { LabService } from '../../src-main/service/lab-service';
import type { Host } from '../../src-main/service/host';
import { isModelFileInfo, type ProgressEvent } from '../../src-shared/api/lab-api';
import { SOAK_SENTENCE, writeGloveFile } from './glove-gen';
import { LoopProbe, kernelPeakRssMb, resetKernelPeak, rssMb } from './probes';

export interface LargeLoadFigures {
  tokens: number;
  dim: number;
  fileMb: number;
  generateMs: number;
  /** float32 data the file parses into, MiB */
  dataMb: number;
  /** the run's loading time (file, sentence look-up, resolve), as RunReply.timing.loadMs reports it */
  loadMs: number;
  /** the whole run: load, sentence look-up, attention on the sentence's tokens */
  runMs: number;
  loadingProgressEvents: number;
  progressMonotonic: boolean;
  rssBeforeMb: number;
  peakRssMb: number;
  /** peak RSS above the baseline while loading */
  peakGrowthMb: number;
  /** peakGrowthMb / dataMb */
  peakOverData: number;
  maxEventLoopBlockMs: number;
  eventLoopStallsOver100Ms: number;
  sentenceTokens: string[];
  outOfVocabulary: string[];
  firstLookupMs: number;
  medianLookupMs: number;
  cancel: { atFraction: number; latencyMs: number; rssGrowthAfterCancelMb: number; readStopped: boolean };
}

class TempHost implements Host {
  constructor(readonly userDataDir: string) {}
  async chooseOpenPath(): Promise<string | null> {
    return null;
  }
  async chooseSavePath(): Promise<string | null> {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gc = () => (globalThis as { gc?: () => void }).gc?.();

export async function measureLargeLoad(options: {
  dir: string;
  count: number;
  dim: number;
  backend: Backend;
  log?: (line: string) => void;
  /** how long RSS is watched after the cancel (default 2 s) */
  watchAfterCancelMs?: number;
}): Promise<LargeLoadFigures> {
  const { dir, count, dim, backend } = options;
  const log = options.log ?? (() => {});
  // the engine first: a worker booting (tsx, onnxruntime's wasm) must not count as the load's memory
  const warm = await LabService.create({ host: new TempHost(join(dir, 'user-warm')), backend });
  await warm.runJob({
    runId: 'warm',
    job: {
      embeddings: {
        inline: {
          vectors: [
            [1, 0],
            [0, 1],
          ],
        },
      },
    },
  });
  await warm.close();
  const path = join(dir, `glove.${count}.${dim}d.txt`);
  let t = performance.now();
  await writeGloveFile(path, { count, dim });
  const generateMs = performance.now() - t;
  const fileMb = statSync(path).size / 2 ** 20;
  log(`generated ${fileMb.toFixed(0)} MB (${count} × ${dim}) in ${(generateMs / 1000).toFixed(1)} s`);

  // 1. load through runJob: progress, the event-loop probe, peak RSS
  const progress: ProgressEvent[] = [];
  const service = await LabService.create({ host: new TempHost(join(dir, 'user-a')), backend, onProgress: (e) => progress.push(e) });
  await service.grantDroppedPath({ path });
  gc();
  await sleep(50);
  const rssBeforeMb = rssMb();
  const kernelReset = resetKernelPeak();
  const probe = new LoopProbe(10).start();
  const t0 = performance.now();
  const reply = await service.runJob({
    runId: 'large',
    job: { embeddings: { path, sentence: SOAK_SENTENCE }, metric: { id: 'cosine', tau: 0.5 }, outputs: ['entropy', 'weights'] },
  });
  const runMs = performance.now() - t0;
  const loop = probe.stop();
  const loadMs = reply.timing.loadMs;
  const peakRssMb = Math.max(loop.peakRssMb, (kernelReset && kernelPeakRssMb()) || 0);
  const loading = progress.filter((e) => e.runId === 'large' && e.stage === 'loading').map((e) => e.fraction);
  const dataMb = (count * dim * 4) / 2 ** 20;
  log(
    `loaded in ${(loadMs / 1000).toFixed(1)} s; peak RSS +${(peakRssMb - rssBeforeMb).toFixed(0)} MB over ${dataMb.toFixed(0)} MB of float32; longest event-loop stall ${loop.maxBlockedMs.toFixed(0)} ms`,
  );

  // 2. the vocabulary in the sentence box: open (from the cache) and look sentences up
  const opened = await service.openEmbeddings({ path });
  const info = opened && !isModelFileInfo(opened) ? opened : null;
  let l0 = performance.now();
  const found = await service.lookupSentence({ sourceId: info!.id, sentence: SOAK_SENTENCE });
  const firstLookupMs = performance.now() - l0;
  const times: number[] = [];
  for (let i = 0; i < 21; i++) {
    l0 = performance.now();
    await service.lookupSentence({ sourceId: info!.id, sentence: `${SOAK_SENTENCE} w${(i * 977).toString(36)}` });
    times.push(performance.now() - l0);
  }
  times.sort((a, b) => a - b);
  await service.close();

  // 3. a second lab cancels the same load at ~30 %: the rejection is prompt and the read stops
  gc();
  await sleep(100);
  const cancelProgress: ProgressEvent[] = [];
  const second = await LabService.create({ host: new TempHost(join(dir, 'user-b')), backend, onProgress: (e) => cancelProgress.push(e) });
  await second.grantDroppedPath({ path });
  const running = second.runJob({ runId: 'cancel-me', job: { embeddings: { path, sentence: 'the cat' }, outputs: ['entropy'] } });
  running.catch(() => {});
  t = performance.now();
  while (!cancelProgress.some((e) => e.stage === 'loading' && e.fraction >= 0.3)) {
    if (performance.now() - t > 120_000) throw new Error('the load never reached 30 %');
    await sleep(1);
  }
  const atFraction = cancelProgress.filter((e) => e.stage === 'loading').at(-1)!.fraction;
  const rssAtCancel = rssMb();
  const c0 = performance.now();
  await second.cancelJob({ runId: 'cancel-me' });
  let latencyMs = -1;
  try {
    await running;
  } catch (e) {
    if ((e as Error).name === 'AbortError') latencyMs = performance.now() - c0;
  }
  // had the read gone on, memory would grow by the rest of the file's floats within a second or two
  let rssAfter = rssMb();
  for (let i = 0; i < (options.watchAfterCancelMs ?? 2000) / 100; i++) {
    await sleep(100);
    rssAfter = Math.max(rssAfter, rssMb());
  }
  const rssGrowthAfterCancelMb = rssAfter - rssAtCancel;
  await second.close();
  const readStopped = latencyMs >= 0 && rssGrowthAfterCancelMb < Math.max(48, 0.25 * dataMb * (1 - atFraction));
  log(
    `cancelled at ${(atFraction * 100).toFixed(0)} %: rejected after ${latencyMs.toFixed(1)} ms; RSS +${rssGrowthAfterCancelMb.toFixed(0)} MB in the next ${(options.watchAfterCancelMs ?? 2000) / 1000} s`,
  );

  return {
    tokens: count,
    dim,
    fileMb,
    generateMs,
    dataMb,
    loadMs,
    runMs,
    loadingProgressEvents: loading.length,
    progressMonotonic: loading.every((f, i) => i === 0 || f >= loading[i - 1]),
    rssBeforeMb,
    peakRssMb,
    peakGrowthMb: peakRssMb - rssBeforeMb,
    peakOverData: (peakRssMb - rssBeforeMb) / dataMb,
    maxEventLoopBlockMs: loop.maxBlockedMs,
    eventLoopStallsOver100Ms: loop.stallsOver100Ms,
    sentenceTokens: found.tokens,
    outOfVocabulary: found.outOfVocabulary,
    firstLookupMs,
    medianLookupMs: times[Math.floor(times.length / 2)],
    cancel: { atFraction, latencyMs, rssGrowthAfterCancelMb, readStopped },
  };
}
