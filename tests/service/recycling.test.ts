/**
 * The service gives a run's memory back to the engine once it no longer keeps the run
 * (Backend.release), and never while an export still reads it: an export whose save dialog
 * is open while newer runs push its run out still writes that run's numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { CpuPool } from '../../src-main/engine/pool';
import type { Backend } from '../../src-main/engine/backend';
import { LabService } from '../../src-main/service/lab-service';
import { loadFile } from '../../src-main/service/sources/file-source';
import type { AttentionResult } from '../../src-shared/job/problem';
import { ScriptedHost, tempDir, writeNpyEmbeddings } from './helpers';

let pool: CpuPool;
let tmp: ReturnType<typeof tempDir>;
let n = 0;

beforeAll(() => {
  pool = new CpuPool({ workers: 1, threadsPerWorker: 1, warmUp: false });
  tmp = tempDir();
});
afterAll(async () => {
  await pool.close();
  tmp.cleanup();
});

/** The pool, recording what the service releases. */
function spyOn(engine: CpuPool): Backend & { released: AttentionResult[] } {
  const released: AttentionResult[] = [];
  return {
    id: 'spy',
    released,
    run: (p, o) => engine.run(p, o),
    release: (r) => {
      released.push(r);
      engine.release(r);
    },
    close: async () => {},
  };
}

/** A Save dialog the test answers when it chooses to. */
class SlowSaveHost extends ScriptedHost {
  answer: ((path: string) => void) | null = null;
  override chooseSavePath(): Promise<string | null> {
    return new Promise((resolve) => (this.answer = resolve));
  }
}

async function setup(keepResults: number) {
  const host = new SlowSaveHost(join(tmp.dir, `user-${++n}`));
  const backend = spyOn(pool);
  const service = await LabService.create({ host, backend, keepResults });
  // 512 tokens: 1 MiB of weights, enough to be worth recycling
  const files = [1, 2, 3].map((seed) => {
    const path = join(tmp.dir, `x-${n}-${seed}.npy`);
    writeNpyEmbeddings(path, 512, 8, seed);
    host.opens.push(path);
    return path;
  });
  for (const _ of files) await service.openEmbeddings({});
  const job = (i: number) => ({ embeddings: { path: files[i] }, mask: [{ id: 'causal' as const }], outputs: ['weights' as const, 'entropy' as const] });
  return { host, backend, service, job };
}

describe('the service releases runs it no longer keeps', () => {
  it('releases the oldest kept run, once, when a newer one pushes it out', async () => {
    const { backend, service, job } = await setup(2);
    await service.runJob({ runId: 'a', job: job(0) });
    const a = service.storedRun('a')!.result;
    await service.runJob({ runId: 'b', job: job(1) });
    expect(backend.released).toEqual([]);
    await service.runJob({ runId: 'c', job: job(2) });
    expect(backend.released).toEqual([a]);
    expect(service.storedRun('a')).toBeUndefined();
    // running the same id again replaces (and releases) the run kept under it
    const c = service.storedRun('c')!.result;
    await service.runJob({ runId: 'c', job: job(0) });
    expect(backend.released).toEqual([a, c]);
    await service.close();
  });

  it('an export in progress keeps its run’s memory until it is written', async () => {
    const { host, backend, service, job } = await setup(1);
    const a = await service.runJob({ runId: 'a', job: job(0) });
    const exporting = service.exportRun({ runId: 'a', format: 'npy' });
    await new Promise((r) => setTimeout(r, 20));
    expect(host.answer).not.toBeNull();
    // while the dialog is open: 'a' is pushed out, and a run of the same shape follows that
    // would take its memory were it released
    await service.runJob({ runId: 'b', job: job(1) });
    await service.runJob({ runId: 'c', job: job(2) });
    expect(backend.released.map((r) => r.entropy[5])).not.toContain(a.result.entropy[5]);
    const path = join(tmp.dir, `a-${n}.npy`);
    host.answer!(path);
    expect(await exporting).toBe(path);
    expect(backend.released.map((r) => r.entropy[5])).toContain(a.result.entropy[5]);
    const written = await loadFile(path);
    expect(written.shape).toEqual([1, 512, 512]);
    expect(Array.from(written.embeddings.data)).toEqual(Array.from(a.result.weights!));
    await service.close();
  });
});
