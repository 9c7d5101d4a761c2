/**
 * Runs exports in one worker thread (export-worker.ts), started on the first
 * export and reused. The run's big arrays live on SharedArrayBuffers, so posting a run to
 * the worker shares them instead of copying. A worker that dies fails only the export it
 * was making; the next export starts a new one. Cancelling an export stops its worker (resvg
 * cannot be interrupted otherwise): the exports queued behind it fail as cancelled too.
 */
import { Worker } from 'node:worker_threads';
import type { ExportRequest, TileReply } from '../../../src-shared/api/lab-api';
import type { StoredRun } from '../runs/kept-results';
import { workerScript } from '../../engine/worker-script';

export interface ExportJob {
  id: number;
  run: StoredRun;
  req: ExportRequest;
  path: string;
  /** the region a `picture: region` export draws, computed by the engine in the main process */
  tile?: TileReply;
}

export type ExportReply = { id: number; ok: true } | { id: number; ok: false; name: string; message: string };
/** what the worker posts: how far an export has got, then its reply */
export type ExportMessage = ExportReply | { id: number; fraction: number };

interface Pending {
  resolve: () => void;
  reject: (e: Error) => void;
  progress?: (fraction: number) => void;
}

export class Exporter {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  private start(): Worker {
    const here = import.meta.url;
    const { url, workerData } = workerScript(here, './export-worker.ts', new URL('./export-worker.js', here));
    const worker = new Worker(url, { workerData });
    worker.on('message', (m: ExportMessage) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if ('fraction' in m) {
        p.progress?.(m.fraction);
        return;
      }
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
      if (this.worker !== worker) return;
      this.worker = null;
      for (const p of this.pending.values()) p.reject(new Error(`the export stopped: the export worker ${how}`));
      this.pending.clear();
    };
    worker.on('error', (e) => fail(`threw ${e.message}`));
    worker.on('exit', (code) => fail(`exited with code ${code}`));
    return worker;
  }

  /**
   * Draw / encode the run as asked and write it (atomically) to `path`, in the worker;
   * `progress` hears 0…1 as it goes. An abort stops the worker and rejects with the
   * signal's reason (the file is never written: the write is the last step, and atomic).
   */
  export(run: StoredRun, req: ExportRequest, path: string, opts: { signal?: AbortSignal; progress?: (fraction: number) => void; tile?: TileReply } = {}): Promise<void> {
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason as Error);
    this.worker ??= this.start();
    const worker = this.worker;
    worker.ref();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const reason = opts.signal!.reason as Error;
        if (this.worker === worker) this.worker = null;
        for (const p of this.pending.values()) p.reject(reason);
        this.pending.clear();
        void worker.terminate();
      };
      const done = () => opts.signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: () => (done(), resolve()),
        reject: (e) => (done(), reject(e)),
        progress: opts.progress,
      });
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage({ id, run, req, path, tile: opts.tile } satisfies ExportJob);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }
}
