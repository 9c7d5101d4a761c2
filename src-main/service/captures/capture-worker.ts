/**
 * The capture worker: the app's Open of an .onnx runs `captureFile` (the CLI's own capture:
 * read the model, tokenize, run it with onnxruntime-web, lay the taps out) and
 * `encodeCapture` here, off the main thread, so the main process keeps answering the window
 * while onnxruntime compiles and runs. One worker per capture (capture-thread.ts starts it
 * and terminates it to cancel); bundled as its own main entry, `capture-worker.js`. It
 * posts how far it has got ({ fraction }) before its one reply.
 */
import { parentPort } from 'node:worker_threads';
import { captureFile } from './capture-file';
import { encodeCapture } from './capture-output';
import type { CaptureThreadJob, CaptureThreadMessage } from './capture-thread';

const port = parentPort!;

port.once('message', (job: CaptureThreadJob) => void run(job));

async function run(job: CaptureThreadJob): Promise<void> {
  let reply: CaptureThreadMessage;
  try {
    const capture = await captureFile(job.modelPath, { ...job.request, onProgress: (fraction) => port.postMessage({ fraction } satisfies CaptureThreadMessage) });
    const bytes = encodeCapture(capture);
    const first = capture.layers[0];
    reply = { ok: true, bytes, layers: capture.layers.length, heads: first.heads, positions: first.T };
    port.postMessage(reply, [bytes.buffer as ArrayBuffer]);
    return;
  } catch (e) {
    reply = { ok: false, name: (e as Error).name ?? 'Error', message: (e as Error).message ?? String(e) };
  }
  port.postMessage(reply);
}
