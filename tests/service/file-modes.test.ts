/**
 * Files the lab writes are 0600 and folders it creates 0700; the temporary files a crash
 * during a save leaves are removed at the next start, and only those.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../../src-main/engine/backend';
import { LabService } from '../../src-main/service/lab-service';
import { makeAppDataDir, makePrivateDir, removeStaleTempFiles, tempWriterPid, writeFileAtomic } from '../../src-main/service/durable-files';
import { ScriptedHost, tempDir } from './helpers';

const noEngine = { id: 'none', run: () => Promise.reject(new Error('no engine in this test')), release: () => {}, close: async () => {} } as unknown as Backend;
const posix = process.platform !== 'win32';
const mode = (path: string) => statSync(path).mode & 0o777;

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

/** The pid of a process that has exited: nobody is writing its temporary files any more. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe.runIf(posix)('permissions', () => {
  it('writeFileAtomic writes 0600, also over a file that was 0644', async () => {
    const path = join(tmp.dir, 'result.json');
    writeFileSync(path, 'old');
    chmodSync(path, 0o644);
    await writeFileAtomic(path, 'new');
    expect(mode(path)).toBe(0o600);
    await writeFileAtomic(join(tmp.dir, 'fresh.npy'), new Uint8Array(4));
    expect(mode(join(tmp.dir, 'fresh.npy'))).toBe(0o600);
  });

  it('folders the lab creates are 0700; its data folder is made 0700 if an earlier version left it 0755', async () => {
    const out = join(tmp.dir, 'runs', 'a', 'b');
    await makePrivateDir(out);
    expect(mode(out)).toBe(0o700);
    expect(mode(join(tmp.dir, 'runs'))).toBe(0o700);
    const appData = join(tmp.dir, 'app-data');
    mkdirSync(appData, { mode: 0o755 });
    chmodSync(appData, 0o755);
    await makeAppDataDir(appData);
    expect(mode(appData)).toBe(0o700);
  });

  it('the service keeps its data folder 0700 and writes sessions, autosave and the recent list 0600', async () => {
    const userDataDir = join(tmp.dir, 'user-modes');
    const host = new ScriptedHost(userDataDir);
    const service = await LabService.create({ host, backend: noEngine });
    expect(mode(userDataDir)).toBe(0o700);
    const session = join(tmp.dir, 'saved.qklab');
    host.saves.push(session);
    const job = {
      embeddings: {
        inline: {
          tokens: ['a', 'b'],
          vectors: [
            [1, 0],
            [0, 1],
          ],
        },
      },
      metric: { id: 'dot' },
    };
    await service.saveSession({ session: { job, view: {} } as never, saveAs: true });
    await service.autosave({ session: { job, view: {} } as never });
    await service.close();
    for (const name of readdirSync(userDataDir)) expect([name, mode(join(userDataDir, name))]).toEqual([name, 0o600]);
    expect(mode(session)).toBe(0o600);
  });
});

describe('stale temporary files', () => {
  it('are named so that nothing else matches', () => {
    expect(tempWriterPid('.autosave.qklab.4242-0a1b2c3d.qklab.tmp')).toBe(4242);
    for (const name of ['autosave.qklab', 'result.json', 'notes.tmp', '.x.tmp', 'weights.npy.4242-0a1b2c3d.tmp', '.a.4242-0a1b2c3d.qklab.tmp.qklab']) {
      expect(tempWriterPid(name), name).toBeNull();
    }
  });

  it("a kill during writeFileAtomic leaves only a temporary file, which the next start removes (a live writer's is kept)", async () => {
    const userDataDir = join(tmp.dir, 'user-stale');
    mkdirSync(userDataDir, { recursive: true });
    const dead = deadPid();
    const stale = [`.autosave.qklab.${dead}-0a1b2c3d.qklab.tmp`, `.recent.json.${dead}-ffffffff.qklab.tmp`];
    const live = `.window-state.json.${process.pid}-12345678.qklab.tmp`;
    const others = ['notes.tmp', 'autosave.qklab'];
    for (const name of [...stale, live, ...others]) writeFileSync(join(userDataDir, name), '{"half": ');
    const service = await LabService.create({ host: new ScriptedHost(userDataDir), backend: noEngine });
    for (const name of stale) expect(existsSync(join(userDataDir, name)), name).toBe(false);
    for (const name of [live, ...others]) expect(existsSync(join(userDataDir, name)), name).toBe(true);
    // a torn autosave is never taken for a session
    expect(await service.recoverSession()).toBeNull();
    await service.close();
    expect(await removeStaleTempFiles(join(tmp.dir, 'no-such-folder'))).toEqual([]);
  });
});
