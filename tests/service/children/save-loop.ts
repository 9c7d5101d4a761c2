/**
 * Child process for atomic-save.test.ts: saves a big session to the path given, over and
 * over (each save a different, complete document), until it is killed. Prints "saving N"
 * before each save so the parent knows writes are under way.
 */
import { WasmPool } from '../../../src-main/engine/pool';
import { LabService } from '../../../src-main/service/lab-service';
import { ScriptedHost, vectors } from '../helpers';

const [target, userDataDir, rowsArg] = process.argv.slice(2);
const rows = Number(rowsArg);
const host = new ScriptedHost(userDataDir);
// the real engine, though saving never runs a job: the service is built exactly as in the app
const pool = new WasmPool({ workers: 1 });
const service = await LabService.create({ host, backend: pool });
const big = vectors(rows, 256, 7);
for (let round = 1; ; round++) {
  host.saves.push(target);
  process.stdout.write(`saving ${round}\n`);
  await service.saveSession({ session: { job: { embeddings: { inline: { vectors: big } } }, view: { round } }, saveAs: true });
}
