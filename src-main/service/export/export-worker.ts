/**
 * The export worker: draws and encodes exports (ECharts → SVG → resvg PNG takes seconds at
 * 4×) off the main thread, so the Electron main process keeps answering the window while
 * a big PNG is made. Bundled as its own main entry, `export-worker.js`. It reports how far
 * each export has got ({ id, fraction }) before its reply.
 */
import { parentPort } from 'node:worker_threads';
import { exportRunResult } from './export-run';
import type { ExportJob, ExportMessage } from './exporter';

const port = parentPort!;

port.on('message', (m: ExportJob) => void onMessage(m));

async function onMessage(m: ExportJob): Promise<void> {
  let reply: ExportMessage;
  try {
    await exportRunResult(m.run, m.req, m.path, (fraction) => port.postMessage({ id: m.id, fraction } satisfies ExportMessage), m.tile);
    reply = { id: m.id, ok: true };
  } catch (e) {
    reply = { id: m.id, ok: false, name: (e as Error).name ?? 'Error', message: (e as Error).message ?? String(e) };
  }
  port.postMessage(reply);
}
