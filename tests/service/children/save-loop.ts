/**
 * Child process for atomic-save.test.ts: saves a big session to the path given through the
 * real LabService, until it is killed.
 *
 * - mode "loop": save over and over (each save a complete, different document), printing
 *   "saving N" before each;
 * - mode "pause": the first save stops halfway through writing its data (the file handle's
 *   writeFile writes half the bytes, prints "half-written", and never returns), so the parent
 *   can kill the process at a moment that is certainly in the middle of a write.
 */
import { open } from 'node:fs/promises';
import { CpuPool } from '../../../src-main/engine/pool';
import { LabService } from '../../../src-main/service/lab-service';
import { ScriptedHost, vectors } from '../helpers';

const [target, userDataDir, rowsArg, mode = 'loop'] = process.argv.slice(2);
const rows = Number(rowsArg);

if (mode === 'pause') {
  const probe = await open(process.execPath, 'r');
  const proto = Object.getPrototypeOf(probe) as { writeFile(this: typeof probe, data: string | Uint8Array): Promise<void> };
  await probe.close();
  proto.writeFile = async function (data) {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    await this.write(bytes.subarray(0, bytes.length >> 1));
    await this.sync();
    process.stdout.write(`half-written ${bytes.length}\n`);
    await new Promise(() => {});
  };
}

const host = new ScriptedHost(userDataDir);
// the real engine, though saving never runs a job: the service is built exactly as in the app
const pool = new CpuPool({ workers: 1 });
const service = await LabService.create({ host, backend: pool });
const big = vectors(rows, 256, 7);
for (let round = 1; ; round++) {
  host.saves.push(target);
  process.stdout.write(`saving ${round}\n`);
  await service.saveSession({ session: { job: { embeddings: { inline: { vectors: big } } }, view: { round } }, saveAs: true });
}
