/**
 * The LabService end to end in Node, with the real CpuPool (onnxruntime-web in worker
 * threads) and real files: open, run, cancel, sessions, confinement, export.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CpuPool } from '../../src-main/engine/pool';
import { LabService } from '../../src-main/service/lab-service';
import { PathNotAllowedError } from '../../src-main/service/sources/paths';
import { parseSessionText } from '../../src-main/service/sessions/session-file';
import type { ProgressEvent, RunReply } from '../../src-shared/api/lab-api';
import { referenceAttention } from '../../src-shared/reference';
import { resolveJob } from '../../src-shared/job/resolve';
import { parseJobSpec, type JobSpec } from '../../src-shared/job/spec';
import { ScriptedHost, WORDS, tempDir, writeJsonEmbeddings, writeNpyEmbeddings, openSource } from './helpers';

let pool: CpuPool;
let tmp: ReturnType<typeof tempDir>;
let n = 0;

beforeAll(() => {
  pool = new CpuPool({ workers: 2, threadsPerWorker: 1 });
  tmp = tempDir();
});
afterAll(async () => {
  await pool.close();
  tmp.cleanup();
});

/** A fresh service with its own userData folder (or a given one, to simulate a restart). */
async function makeService(userDataDir = join(tmp.dir, `user-${++n}`), progress: ProgressEvent[] = []) {
  const host = new ScriptedHost(userDataDir);
  const service = await LabService.create({ host, backend: pool, version: '9.9.9', onProgress: (e) => progress.push(e) });
  return { host, service, progress, userDataDir };
}

function dataFile(name: string): string {
  return join(tmp.dir, `${++n}-${name}`);
}

function rowSums(r: RunReply['result'], h = 0): number[] {
  const out: number[] = [];
  for (let i = 0; i < r.Tq; i++) {
    let s = 0;
    for (let j = 0; j < r.Tk; j++) s += r.weights![(h * r.Tq + i) * r.Tk + j];
    out.push(s);
  }
  return out;
}

describe('opening embedding files', () => {
  it('opens the file chosen in the dialog and describes it, with its sha256', async () => {
    const { host, service } = await makeService();
    const path = dataFile('words.json');
    writeJsonEmbeddings(path, WORDS, 8);
    host.opens.push(path);
    const info = await openSource(service, {});
    expect(info).toMatchObject({ name: path.split(/[\\/]/).pop(), path, format: 'json', T: 8, d: 8, tokens: WORDS, vocabulary: false });
    expect(info!.sha256).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
    expect(info!.id).toMatch(/^src-\d+$/);
    expect(await service.recentFiles()).toEqual([path]);
  });

  it('returns null when the dialog is cancelled', async () => {
    const { host, service } = await makeService();
    host.opens.push(null);
    expect(await openSource(service, {})).toBeNull();
  });

  it('lists tokens only up to 4096 rows', async () => {
    const { host, service } = await makeService();
    const path = dataFile('big.json');
    writeJsonEmbeddings(
      path,
      Array.from({ length: 5000 }, (_, i) => `w${i}`),
      2,
    );
    host.opens.push(path);
    const info = await openSource(service, {});
    expect(info!.T).toBe(5000);
    expect(info!.tokens).toBeNull();
    expect(info!.vocabulary).toBe(true);
    const found = await service.lookupSentence({ sourceId: info!.id, sentence: 'w7 w4999 nope' });
    expect(found.indices).toEqual([7, 4999]);
    expect(found.outOfVocabulary).toEqual(['nope']);
  });

  it('a long sequence (its tokens repeat) is not a vocabulary: no sentence box stands between its 16,384 rows and a run', async () => {
    const { host, service } = await makeService();
    const path = dataFile('document.json');
    const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'it'];
    writeJsonEmbeddings(
      path,
      Array.from({ length: 16_384 }, (_, i) => words[i % words.length]),
      2,
    );
    host.opens.push(path);
    const info = await openSource(service, {});
    expect(info!.T).toBe(16_384);
    expect(info!.tokens).toBeNull();
    expect(info!.vocabulary).toBe(false);
  });

  it('reports a bad file with a message naming the file and the place', async () => {
    const { host, service } = await makeService();
    const path = dataFile('broken.json');
    writeFileSync(path, '{"tokens": ["a"], "vectors": [[1, 2], [3, "x"]]}');
    host.opens.push(path);
    await expect(service.openEmbeddings({})).rejects.toThrow(/broken\.json/);
  });
});

describe('running jobs', () => {
  it('runs a JobSpec on an opened file with the float64 reference numbers, reporting progress', async () => {
    const { host, service, progress } = await makeService();
    const path = dataFile('words.json');
    const v = writeJsonEmbeddings(path, WORDS, 8);
    host.opens.push(path);
    await openSource(service, {});
    const job: JobSpec = { embeddings: { path }, metric: { id: 'cosine', tau: 0.5 }, mask: [{ id: 'causal' }], outputs: ['weights', 'output', 'entropy', 'scores'] };
    const reply = await service.runJob({ runId: 'r1', job });
    expect(reply.runId).toBe('r1');
    expect(reply.tokens.queries).toEqual(WORDS);
    expect(reply.backend).toMatch(/^native CPU \(/);
    const r = reply.result;
    expect([r.Tq, r.Tk, r.heads]).toEqual([8, 8, 1]);
    for (const s of rowSums(r)) expect(s).toBeCloseTo(1, 5);
    // causal: nothing above the diagonal
    expect(r.weights![0 * 8 + 5]).toBe(0);
    const ref = referenceAttention(resolveJob(parseJobSpec({ ...job, embeddings: { inline: { tokens: WORDS, vectors: v } } })));
    for (let i = 0; i < ref.weights.length; i++) expect(Math.abs(r.weights![i] - ref.weights[i])).toBeLessThan(1e-5);
    for (let i = 0; i < 8; i++) expect(Math.abs(r.entropy[i] - ref.entropy[i])).toBeLessThan(1e-5);
    // the reply's arrays are plain, so Electron's IPC (structured clone, no SharedArrayBuffer) can carry them
    for (const a of [r.weights!, r.entropy, r.argmax, r.output!]) expect(a.buffer instanceof SharedArrayBuffer).toBe(false);
    expect(() => structuredClone(reply)).not.toThrow();
    expect(reply.timing.totalMs).toBeGreaterThan(0);
    const mine = progress.filter((e) => e.runId === 'r1');
    expect(mine[0]).toEqual({ runId: 'r1', stage: 'loading', fraction: 0 });
    expect(mine.some((e) => e.stage === 'computing')).toBe(true);
    expect(mine.at(-1)).toEqual({ runId: 'r1', stage: 'computing', fraction: 1 });
  });

  it('keeps loaded files by path and mtime: an unchanged file is not re-read, a changed one is', async () => {
    const { host, service } = await makeService();
    const path = dataFile('cache.npy');
    writeNpyEmbeddings(path, 16, 4, 1);
    // a whole-second mtime, so it can be set back exactly
    const mtime = new Date(Math.floor(statSync(path).mtimeMs / 1000) * 1000 - 60_000);
    utimesSync(path, mtime, mtime);
    host.opens.push(path);
    await openSource(service, {});
    const job = { embeddings: { path }, outputs: ['entropy' as const] };
    const first = await service.runJob({ runId: 'c1', job });
    // same size, same mtime, different numbers: the cache must answer (the file is not read again)
    writeNpyEmbeddings(path, 16, 4, 99);
    utimesSync(path, mtime, mtime);
    const second = await service.runJob({ runId: 'c2', job });
    expect(Array.from(second.result.entropy)).toEqual(Array.from(first.result.entropy));
    // a new mtime: read again, new numbers
    const later = new Date(mtime.getTime() + 5000);
    utimesSync(path, later, later);
    const third = await service.runJob({ runId: 'c3', job });
    expect(Array.from(third.result.entropy)).not.toEqual(Array.from(first.result.entropy));
  });

  it('a newer run on the same channel cancels the older one (AbortError); other channels go on', async () => {
    const { host, service } = await makeService();
    const path = dataFile('long.npy');
    writeNpyEmbeddings(path, 3000, 32, 3);
    host.opens.push(path);
    await openSource(service, {});
    const slow: JobSpec = { embeddings: { path }, metric: { id: 'rbf', tau: 3 }, outputs: ['weights', 'entropy'] };
    const small: JobSpec = { embeddings: { path, rows: [0, 1, 2, 3] }, outputs: ['weights'] };
    const older = service.runJob({ runId: 'old', job: slow, channel: 'main' });
    const elsewhere = service.runJob({ runId: 'other', job: small, channel: 'compare' });
    const newer = service.runJob({ runId: 'new', job: small, channel: 'main' });
    const err = await older.then(
      () => null,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.name).toBe('AbortError');
    expect(err!.message).toMatch(/cancelled.*newer run on channel "main"/);
    expect((await newer).result.Tq).toBe(4);
    expect((await elsewhere).result.Tq).toBe(4);
    // the pool is free again: the slow job runs to completion when nothing replaces it
    const done = await service.runJob({ runId: 'again', job: { ...slow, embeddings: { path, rows: Array.from({ length: 300 }, (_, i) => i) } }, channel: 'main' });
    expect(done.result.Tq).toBe(300);
  });

  it('cancelJob stops a run', async () => {
    const { host, service } = await makeService();
    const path = dataFile('long.npy');
    writeNpyEmbeddings(path, 3000, 32, 4);
    host.opens.push(path);
    await openSource(service, {});
    const run = service.runJob({ runId: 'doomed', job: { embeddings: { path }, metric: { id: 'laplacian' } } });
    await new Promise((r) => setTimeout(r, 50));
    await service.cancelJob({ runId: 'doomed' });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('reports a JobSpec problem with the field it is in', async () => {
    const { service } = await makeService();
    await expect(service.runJob({ runId: 'bad', job: { embeddings: { inline: { vectors: [[1, 2]] } }, metric: { id: 'rbf', tau: -1 } } })).rejects.toThrow(
      /^metric\.tau: expected a number > 0/,
    );
    await expect(service.runJob({ runId: 'bad2', job: { embeddings: { inline: { vectors: [[1, 2, 3]] } }, heads: 2 } })).rejects.toThrow(/^heads: /);
  });
});

describe('path confinement', () => {
  it('refuses to open a file the user did not choose', async () => {
    const { service } = await makeService();
    const path = dataFile('secret.json');
    writeJsonEmbeddings(path, WORDS);
    await expect(service.openEmbeddings({ path })).rejects.toBeInstanceOf(PathNotAllowedError);
    await expect(service.openEmbeddings({ path: '/etc/passwd' })).rejects.toThrow(/will not read "\/etc\/passwd"/);
    await expect(service.openSession({ path })).rejects.toThrow(/will not read/);
  });

  it('refuses a JobSpec that names a file the user did not choose, naming the field', async () => {
    const { service } = await makeService();
    const path = dataFile('secret.npy');
    writeNpyEmbeddings(path, 4, 2);
    await expect(service.runJob({ runId: 'x', job: { embeddings: { path } } })).rejects.toThrow(/^embeddings: QK Lab will not read/);
    await expect(service.runJob({ runId: 'y', job: { embeddings: { inline: { vectors: [[1, 0]] } }, mask: [{ id: 'custom', path }] } })).rejects.toThrow(
      /^mask\.0\.path: QK Lab will not read/,
    );
    await expect(service.runJob({ runId: 'z', job: { embeddings: { path: 'relative.npy' } } })).rejects.toThrow(/^embeddings: "relative\.npy" is a relative path/);
  });

  it('refuses to write where the user did not choose', async () => {
    const { service } = await makeService();
    const target = dataFile('elsewhere.qklab');
    await expect(service.saveSession({ session: { job: {}, view: {} }, path: target })).rejects.toThrow(/will not write/);
    await service.runJob({
      runId: 'e',
      job: {
        embeddings: {
          inline: {
            vectors: [
              [1, 0],
              [0, 1],
            ],
          },
        },
      },
    });
    await expect(service.exportRun({ runId: 'e', format: 'svg', path: dataFile('x.svg') })).rejects.toThrow(/will not write/);
  });

  it('allows a dropped file, and the recent list across restarts', async () => {
    const first = await makeService();
    const path = dataFile('dropped.json');
    writeJsonEmbeddings(path, WORDS);
    await expect(first.service.openEmbeddings({ path })).rejects.toThrow(/will not read/);
    await first.service.grantDroppedPath({ path });
    expect((await openSource(first.service, { path }))!.T).toBe(8);
    await first.service.close();
    // a restart: the path is in the recent list, so opening it from there is allowed
    const second = await makeService(first.userDataDir);
    expect(await second.service.recentFiles()).toEqual([path]);
    expect((await openSource(second.service, { path }))!.T).toBe(8);
  });

  it('keeps at most 10 recent files, newest first', async () => {
    const { service } = await makeService();
    const paths = Array.from({ length: 12 }, (_, i) => dataFile(`r${i}.json`));
    for (const p of paths) {
      writeJsonEmbeddings(p, ['a', 'b'], 2);
      await service.grantDroppedPath({ path: p });
      await openSource(service, { path: p });
    }
    expect(await service.recentFiles()).toEqual(paths.slice(2).reverse());
  });
});

describe('sessions', () => {
  it('saves atomically where the user chose, and reopens with the files checked by sha256', async () => {
    const { host, service, userDataDir } = await makeService();
    const path = dataFile('s.json');
    writeJsonEmbeddings(path, WORDS, 8);
    host.opens.push(path);
    await openSource(service, {});
    const job: JobSpec = { embeddings: { path }, metric: { id: 'rbf', tau: 2 } };
    const target = dataFile('my.qklab');
    host.saves.push(target);
    expect(await service.saveSession({ session: { job, view: { head: 0, theme: 'dark' } }, saveAs: true })).toBe(target);
    const doc = parseSessionText(target, readFileSync(target, 'utf8'));
    expect(doc).toMatchObject({ format: 'qklab-session', version: 1, job, view: { head: 0, theme: 'dark' } });
    expect(doc.files).toEqual([{ path, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') }]);
    // Save Session again goes to the same file without a dialog
    expect(await service.saveSession({ session: { job, view: {} } })).toBe(target);

    // a restart: the session is in the recent list
    const again = await makeService(userDataDir);
    const opened = await again.service.openSession({ path: target });
    expect(opened!.warnings).toEqual([]);
    expect(opened!.sources.map((s) => [s.path, s.T])).toEqual([[path, 8]]);
    expect((await again.service.runJob({ runId: 'after', job: opened!.session.job })).result.Tq).toBe(8);

    // the data file changes: the session still opens, with a warning
    writeJsonEmbeddings(path, WORDS, 8, 77);
    const changed = await again.service.openSession({ path: target });
    expect(changed!.warnings.join('\n')).toMatch(/s\.json has changed since the session was saved/);
  });

  it('embeds the data on request and uses it when the file is gone', async () => {
    const { host, service } = await makeService();
    const path = dataFile('gone.json');
    writeJsonEmbeddings(path, WORDS, 4);
    host.opens.push(path);
    await openSource(service, {});
    const target = dataFile('embedded.qklab');
    host.saves.push(target);
    await service.saveSession({ session: { job: { embeddings: { path } }, view: {} }, saveAs: true, embedData: true });
    const before = await service.runJob({ runId: 'b', job: { embeddings: { path } } });
    unlinkSync(path);
    const { service: fresh } = await makeService();
    await fresh.grantDroppedPath({ path: target });
    const opened = await fresh.openSession({ path: target });
    expect(opened!.warnings.join('\n')).toMatch(/gone\.json was not found; using the copy embedded in the session/);
    expect(opened!.sources[0].tokens).toEqual(WORDS);
    const after = await fresh.runJob({ runId: 'a', job: opened!.session.job });
    expect(Array.from(after.result.weights!)).toEqual(Array.from(before.result.weights!));
  });

  it('opens a session whose files are relative to its own folder', async () => {
    const { service } = await makeService();
    const path = dataFile('rel.json');
    writeJsonEmbeddings(path, WORDS, 4);
    const target = dataFile('rel.qklab');
    const name = path.split(/[\\/]/).pop()!;
    writeFileSync(target, JSON.stringify({ format: 'qklab-session', version: 1, job: { embeddings: { path: name } }, view: {}, files: [], savedAt: '' }));
    await service.grantDroppedPath({ path: target });
    const opened = await service.openSession({ path: target });
    expect(opened!.sources[0].path).toBe(path);
    expect((await service.runJob({ runId: 'rel', job: opened!.session.job })).result.Tq).toBe(8);
  });

  it('refuses a file that is not a session, saying why', async () => {
    const { service } = await makeService();
    const target = dataFile('junk.qklab');
    writeFileSync(target, '{"format": "qklab-session", "version": 1, "job": {"metric": {"id": "dot", "scale": "huge"}}, "view": {}, "files": [], "savedAt": ""}');
    await service.grantDroppedPath({ path: target });
    await expect(service.openSession({ path: target })).rejects.toThrow(/junk\.qklab: the saved job is not valid: metric\.scale/);
    writeFileSync(target, '{"format": "qklab-sess');
    await expect(service.openSession({ path: target })).rejects.toThrow(/junk\.qklab: not a QK Lab session \(the file is not valid JSON/);
  });
});

describe('autosave and recovery', () => {
  it('offers the autosave after an unclean exit, not after a clean one', async () => {
    const { host, service, userDataDir } = await makeService();
    const path = dataFile('auto.json');
    writeJsonEmbeddings(path, WORDS, 4);
    host.opens.push(path);
    await openSource(service, {});
    const job: JobSpec = { embeddings: { path }, metric: { id: 'cosine' } };
    await service.autosave({ session: { job, view: { step: 1 } } });
    await service.autosave({ session: { job, view: { step: 2 } } });
    expect(await service.recoverSession()).toBeNull();

    // no close(): as if the process had been killed
    const crashed = await makeService(userDataDir);
    const recovered = await crashed.service.recoverSession();
    expect(recovered!.session.job).toEqual(job);
    expect(recovered!.session.view).toEqual({ step: 2 });
    // the autosave lives in the app's data folder: the file it names is outside, read only once confirmed
    expect(recovered!.sources).toEqual([]);
    expect(recovered!.outside).toEqual([path]);
    const granted = await crashed.service.grantSessionFiles({ paths: recovered!.outside });
    expect(granted.sources.map((s) => s.path)).toEqual([path]);
    expect((await crashed.service.runJob({ runId: 'rec', job: recovered!.session.job })).result.Tq).toBe(8);
    await crashed.service.close();

    const clean = await makeService(userDataDir);
    expect(await clean.service.recoverSession()).toBeNull();
  });

  it('will not autosave a session naming files the user never opened', async () => {
    const { service } = await makeService();
    await expect(service.autosave({ session: { job: { embeddings: { path: '/etc/shadow' } }, view: {} } })).rejects.toThrow(/will not read/);
  });
});

describe('app info', () => {
  it('names the version and the backend', async () => {
    const { service } = await makeService();
    expect(await service.appInfo()).toEqual({ version: '9.9.9', backend: 'native CPU', workers: 2 });
  });
});
