/**
 * Crash recovery across real processes: a child lab (real engine) opens a file, runs a job,
 * autosaves and is SIGKILLed; the next lab on the same userData folder offers the
 * autosave, re-opens its file and runs it. A child that exits cleanly leaves nothing to recover.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CpuPool } from '../../src-main/engine/pool';
import { LabService } from '../../src-main/service/lab-service';
import { ScriptedHost, WORDS, tempDir, writeJsonEmbeddings } from './helpers';

const child = fileURLToPath(new URL('./children/autosave-then-hang.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/esm/index.mjs', import.meta.url));

/** Run the child until it prints `until`; SIGKILL it then if `kill`, else wait for its exit. */
function runChild(args: string[], until: string, kill: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', tsx, child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    proc.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (kill && !killed && out.includes(until)) {
        killed = true;
        proc.kill('SIGKILL');
      }
    });
    proc.stderr.on('data', (b: Buffer) => (err += b.toString()));
    proc.on('exit', (code, signal) => {
      if (kill && signal === 'SIGKILL' && killed) resolve();
      else if (!kill && code === 0 && out.includes(until)) resolve();
      else reject(new Error(`child ended with ${code ?? signal}: ${out}\n${err}`));
    });
  });
}

let pool: CpuPool;
let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  pool = new CpuPool({ workers: 1 });
  tmp = tempDir();
});
afterAll(async () => {
  await pool.close();
  tmp.cleanup();
});

describe('recovery after a crash', () => {
  it('a killed lab leaves an autosave that the next start offers, with its files re-opened', { timeout: 120_000 }, async () => {
    const data = join(tmp.dir, 'words.json');
    writeJsonEmbeddings(data, WORDS, 8);
    const userDataDir = join(tmp.dir, 'killed');
    await runChild([data, userDataDir, 'kill'], 'autosaved', true);

    const service = await LabService.create({ host: new ScriptedHost(userDataDir), backend: pool });
    expect(service.crashedLastTime).toBe(true);
    const recovered = await service.recoverSession();
    expect(recovered).not.toBeNull();
    expect(recovered!.session.view).toMatchObject({ from: 'child' });
    expect(recovered!.session.job).toEqual({ embeddings: { path: data }, metric: { id: 'rbf', tau: 1.5 }, mask: [{ id: 'causal' }] });
    // the autosave's files are outside the app's data folder: listed, and read once the user confirms
    expect(recovered!.sources).toEqual([]);
    expect(recovered!.outside).toEqual([data]);
    const granted = await service.grantSessionFiles({ paths: recovered!.outside });
    expect(granted.sources.map((s) => [s.path, s.T])).toEqual([[data, 8]]);
    expect([...recovered!.warnings, ...granted.warnings]).toEqual([]);
    // the confirmed files are readable again in this run
    const reply = await service.runJob({ runId: 'again', job: recovered!.session.job });
    expect(reply.result.Tq).toBe(8);
    await service.close();

    // after this clean exit there is nothing to recover
    const next = await LabService.create({ host: new ScriptedHost(userDataDir), backend: pool });
    expect(await next.recoverSession()).toBeNull();
  });

  it('a lab that exits cleanly leaves nothing to recover', { timeout: 120_000 }, async () => {
    const data = join(tmp.dir, 'words2.json');
    writeJsonEmbeddings(data, WORDS, 4);
    const userDataDir = join(tmp.dir, 'clean');
    await runChild([data, userDataDir, 'clean'], 'closed', false);
    const service = await LabService.create({ host: new ScriptedHost(userDataDir), backend: pool });
    expect(service.crashedLastTime).toBe(false);
    expect(await service.recoverSession()).toBeNull();
  });
});
