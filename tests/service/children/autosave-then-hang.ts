/**
 * Child process for recovery.test.ts: a lab with the real engine that opens a file, runs
 * a job, autosaves, says "autosaved", and then waits to be killed (never calling close()).
 */
import { CpuPool } from '../../../src-main/engine/pool';
import { LabService } from '../../../src-main/service/lab-service';
import { ScriptedHost } from '../helpers';

const [dataPath, userDataDir, mode] = process.argv.slice(2);
const host = new ScriptedHost(userDataDir);
const pool = new CpuPool({ workers: 1 });
const service = await LabService.create({ host, backend: pool });
host.opens.push(dataPath);
await service.openEmbeddings({});
const job = { embeddings: { path: dataPath }, metric: { id: 'rbf', tau: 1.5 }, mask: [{ id: 'causal' }] };
await service.runJob({ runId: 'child', job });
await service.autosave({ session: { job, view: { from: 'child', pid: process.pid } } });
if (mode === 'clean') {
  await service.close();
  await pool.close();
  process.stdout.write('closed\n');
} else {
  process.stdout.write('autosaved\n');
  setInterval(() => {}, 1000);
}
