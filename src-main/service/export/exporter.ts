/**
 * Runs exports in one worker thread (export-worker.ts), started on the first
 * export and reused. The run's big arrays live on SharedArrayBuffers, so posting a run to
 * the worker shares them instead of copying. A worker that dies fails only the export it
 * was making; the next export starts a new one.
 */
import { Worker } from 'node:worker_threads';
import type { ExportRequest } from '../../../src-shared/api/lab-api';
import type { StoredRun } from '../runs/kept-results';

export interface ExportJob {
  id: number;
  run: StoredRun;
  req: ExportRequest;
  path: string;
}

export type ExportReply = { id: number; ok: true } | { id: number; ok: false; name: string; message: string };

function workerUrl(): { url: URL; workerData?: unknown } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // from sources (tests): boot through tsx, as the engine's pool does
    return { url: new URL('../../engine/worker-boot.mjs', here), workerData: { entry: new URL('./export-worker.ts', here).href } };
  }
  // bundled: electron.vite.config.ts emits the worker beside the main chunk
  return { url: new URL('./export-worker.js', here) };
}

export class Exporter {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 1;

  private start(): Worker {
    const { url, workerData } = workerUrl();
    const worker = new Worker(url, { workerData });
    worker.on('message', (m: ExportReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve();
      else {
        const e = new Error(m.message);
        e.name = m.name;
        p.reject(e);
      }
      if (this.pending.size === 0) worker.unref();
    });
    const fail = (how: string) => {
      if (this.worker === worker) this.worker = null;
      for (const p of this.pending.values()) p.reject(new Error(`the export stopped: the export worker ${how}`));
      this.pending.clear();
    };
    worker.on('error', (e) => fail(`threw ${e.message}`));
    worker.on('exit', (code) => fail(`exited with code ${code}`));
    return worker;
  }

  /** Draw / encode the run as asked and write it (atomically) to `path`, in the worker. */
  export(run: StoredRun, req: ExportRequest, path: string): Promise<void> {
    this.worker ??= this.start();
    const worker = this.worker;
    worker.ref();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, run, req, path } satisfies ExportJob);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }
}
