/**
 * Sessions name files; they do not grant them. A crafted `.qklab` cannot make the service
 * read a file outside the session's folder (`../`, an absolute path, a symbolic link that
 * points out) without the user's confirmation; recent.json re-grants only files the user
 * chose in a dialog or dropped; no file's bytes appear in a message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../../src-main/engine/backend';
import { LabService } from '../../src-main/service/lab-service';
import { RECENT_FILE } from '../../src-main/service/app/recent-files';
import { sessionText } from '../../src-main/service/sessions/session-file';
import { readJobFile } from '../../src-main/cli/cli-service';
import type { SessionDoc } from '../../src-shared/api/lab-api';
import type { JobSpec } from '../../src-shared/job/spec';
import { ScriptedHost, WORDS, tempDir, writeJsonEmbeddings, openSource } from './helpers';

/** Opening sessions reads files; nothing here runs a job. */
const noEngine = { id: 'none', run: () => Promise.reject(new Error('no engine in this test')), release: () => {}, close: async () => {} } as unknown as Backend;

let tmp: ReturnType<typeof tempDir>;
let n = 0;
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

async function makeService(userDataDir = join(tmp.dir, `user-${++n}`)) {
  const host = new ScriptedHost(userDataDir);
  return { host, service: await LabService.create({ host, backend: noEngine }), userDataDir };
}

function writeSession(path: string, job: JobSpec): void {
  const doc: SessionDoc = { format: 'qklab-session', version: 1, job, view: {}, files: [], savedAt: '2026-01-01T00:00:00Z' };
  writeFileSync(path, sessionText(doc));
}

/** A folder with a session beside an embedding file, and a secret file next to (outside) the folder. */
function layout() {
  const root = join(tmp.dir, `case-${++n}`);
  const folder = join(root, 'sessions');
  mkdirSync(join(folder, 'data'), { recursive: true });
  const inside = join(folder, 'data', 'words.json');
  writeJsonEmbeddings(inside, WORDS, 4);
  const secret = join(root, 'secret.json');
  writeJsonEmbeddings(secret, WORDS, 4);
  return { root, folder, inside, secret, session: join(folder, 'crafted.qklab') };
}

describe('a session names files, it does not grant them', () => {
  it('reads files inside its folder, lists ../, absolute and linked-out files unread, refuses to run them', async () => {
    const { folder, inside, secret, session } = layout();
    symlinkSync(secret, join(folder, 'link.json'));
    writeSession(session, {
      embeddings: { path: 'data/words.json' },
      queries: { path: '../secret.json' },
      keys: { path: secret },
      values: { path: 'link.json' },
      metric: { id: 'dot' },
    });
    const { host, service } = await makeService();
    host.opens.push(session);
    const opened = (await service.openSession({}))!;
    expect(opened.sources.map((s) => s.path)).toEqual([inside]);
    // each path as the session names it, made absolute; the link as named (its target is what is outside)
    expect(opened.outside.sort()).toEqual([secret, join(folder, 'link.json')].sort());
    expect(opened.warnings).toEqual([]);
    // not granted: a run naming them is refused, and so is opening them
    for (const path of [secret, join(folder, 'link.json')]) {
      await expect(service.openEmbeddings({ path })).rejects.toThrow(/will not read/);
    }
    await expect(service.runJob({ runId: 'r', job: { embeddings: { path: '../secret.json' }, metric: { id: 'dot' } } })).rejects.toThrow(/will not read/);
  });

  it('reads the outside files once the user confirms them, and nothing the session did not list', async () => {
    const { folder, secret, session } = layout();
    writeSession(session, { embeddings: { path: '../secret.json' }, metric: { id: 'dot' } });
    const { host, service } = await makeService();
    host.opens.push(session);
    const opened = (await service.openSession({}))!;
    expect(opened.outside).toEqual([secret]);
    // a path the session did not list is refused, even alongside a listed one
    const elsewhere = join(folder, '..', '..', 'other.json');
    await expect(service.grantSessionFiles({ paths: [secret, elsewhere] })).rejects.toThrow(/will not read/);
    await expect(service.openEmbeddings({ path: secret })).rejects.toThrow(/will not read/);
    const granted = await service.grantSessionFiles({ paths: [secret] });
    expect(granted.sources.map((s) => [s.path, s.T])).toEqual([[secret, WORDS.length]]);
    expect((await openSource(service, { path: secret }))!.T).toBe(WORDS.length);
  });

  it('grants nothing when no session listed files outside its folder', async () => {
    const { secret } = layout();
    const { service } = await makeService();
    await expect(service.grantSessionFiles({ paths: [secret] })).rejects.toThrow(/will not read/);
    expect(await service.grantSessionFiles({ paths: [] })).toEqual({ sources: [], warnings: [] });
  });

  it("does not quote a file in an error: a session or a job file holding a system file's text is named with the place", async () => {
    const secretText = 'root:x:0:0:hunter2-secret:/root:/bin/bash\ndaemon:x:1:1';
    const path = join(tmp.dir, `passwd-${++n}.qklab`);
    writeFileSync(path, secretText);
    const { host, service } = await makeService();
    host.opens.push(path);
    const error = await service.openSession({}).then(
      () => null,
      (e: Error) => e,
    );
    expect(error!.message).toMatch(/passwd-\d+\.qklab: not a QK Lab session \(the file is not valid JSON: line 1, column 1\)/);
    expect(error!.message).not.toMatch(/root|hunter2|daemon/);
    const job = join(tmp.dir, `job-${++n}.json`);
    writeFileSync(job, '{"metric": {"id": "dot"},\n "embeddings": hunter2-secret}');
    const jobError = await readJobFile(job).then(
      () => null,
      (e: Error) => e,
    );
    expect(jobError!.message).toBe(`${job}: not valid JSON (line 2, column 16)`);
  });
});

describe('recent files', () => {
  it('re-grants at start only the files the user chose in a dialog or dropped', async () => {
    const { inside, secret, session } = layout();
    const userDataDir = join(tmp.dir, `user-${++n}`);
    mkdirSync(userDataDir, { recursive: true });
    const dropped = join(tmp.dir, `dropped-${++n}.json`);
    writeJsonEmbeddings(dropped, WORDS, 4);
    writeFileSync(
      join(userDataDir, RECENT_FILE),
      JSON.stringify([{ path: inside, via: 'dialog' }, { path: dropped, via: 'drop' }, { path: session, via: 'session' }, { path: secret, via: 'recent' }, secret]),
    );
    const { service } = await makeService(userDataDir);
    expect(await service.recentFiles()).toEqual([inside, dropped]);
    expect(service.allow.grantOf(inside, 'read')).toBe('recent');
    expect(service.allow.grantOf(dropped, 'read')).toBe('recent');
    expect(service.allow.allows(session, 'read')).toBe(false);
    expect(service.allow.allows(secret, 'read')).toBe(false);
  });

  it('records how each entry was opened: a session opened through the dialog is re-granted, the files it names are not', async () => {
    const { inside, session } = layout();
    writeSession(session, { embeddings: { path: 'data/words.json' }, metric: { id: 'dot' } });
    const first = await makeService();
    first.host.opens.push(session);
    await first.service.openSession({});
    // the renderer opens a file the session named (granted by the session, not by the user)
    await openSource(first.service, { path: inside });
    expect(await first.service.recentFiles()).toEqual([inside, session]);

    const restarted = await makeService(first.userDataDir);
    expect(await restarted.service.recentFiles()).toEqual([session]);
    expect(restarted.service.allow.allows(inside, 'read')).toBe(false);
    // reopened from the list, it keeps its record: still there after another restart
    await restarted.service.openSession({ path: session });
    expect(await (await makeService(first.userDataDir)).service.recentFiles()).toEqual([session]);
  });
});
