/**
 * Security (issue #6): nothing let in.
 *   - every operation of the IPC request table — including any added later — refuses
 *     malformed payloads (wrong types, unknown fields, lists for objects) and oversized ones
 *     (a valid-looking request grown past its limit: the size check fires first);
 *   - paths from the renderer are confined after normalisation: `..` that leaves a granted
 *     file, `..` through a symlinked folder, a symlink to a file that was not granted (and
 *     the other way round), a relative JobSpec path that climbs out of its session's folder;
 *     what is opened is exactly the path that was checked;
 *   - writes never follow a symlink planted where the user chose to save;
 *   - a hostile session file (nested 100 000 levels deep) is refused with a clear message
 *     instead of failing later when its reply is sent to the window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, lstatSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATIONS, RequestError, parseRequest, payloadBytes, type OperationName } from '../../src-shared/api/requests';
import { CpuPool } from '../../src-main/engine/pool';
import { LabService } from '../../src-main/service/lab-service';
import { dispatch, serviceOperations } from '../../src-main/service/dispatch';
import { PathNotAllowedError } from '../../src-main/service/sources/paths';
import { readSessionFile } from '../../src-main/service/sessions/session-file';
import { ScriptedHost, WORDS, tempDir, writeJsonEmbeddings, openSource } from '../service/helpers';
import { GOOD_REQUESTS } from './good-requests';

const NAMES = Object.keys(OPERATIONS) as OperationName[];

function refusal(name: OperationName, payload: unknown): RequestError {
  try {
    parseRequest(name, payload);
  } catch (e) {
    expect(e).toBeInstanceOf(RequestError);
    expect((e as Error).message.startsWith(`${name}: `)).toBe(true);
    return e as RequestError;
  }
  throw new Error(`${name} accepted ${JSON.stringify(payload)?.slice(0, 120)}`);
}

/** A value of another type than `x`, for malformed requests. */
function wrongType(x: unknown): unknown {
  if (typeof x === 'string') return 42;
  if (typeof x === 'number') return 'forty-two';
  if (typeof x === 'boolean') return 'yes';
  if (Array.isArray(x)) return { not: 'a list' };
  return 'not an object';
}

/** The first string inside a request (depth-first), as a path of keys. */
function firstStringPath(x: unknown, path: (string | number)[] = []): (string | number)[] | null {
  if (typeof x === 'string') return path;
  if (x && typeof x === 'object') {
    for (const [k, v] of Object.entries(x)) {
      const found = firstStringPath(v, [...path, Array.isArray(x) ? Number(k) : k]);
      if (found) return found;
    }
  }
  return null;
}

function setAt(x: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = (Array.isArray(x) ? [...x] : { ...(x as object) }) as Record<string | number, unknown>;
  copy[path[0]] = setAt(copy[path[0]], path.slice(1), value);
  return copy;
}

describe('every operation refuses malformed and oversized requests', () => {
  it('the table and the fuzz seeds list the same operations (a new operation needs both)', () => {
    expect(Object.keys(GOOD_REQUESTS).sort()).toEqual([...NAMES].sort());
    for (const name of NAMES) expect(OPERATIONS[name].maxBytes, name).toBeLessThanOrEqual(64 * 2 ** 20);
  });

  describe.each(NAMES)('%s', (name) => {
    const seeds = GOOD_REQUESTS[name];
    const objectSeed = seeds.find((s): s is Record<string, unknown> => !!s && typeof s === 'object' && !Array.isArray(s));

    it('refuses payloads of the wrong shape', () => {
      for (const payload of [42, 'request', true, [objectSeed ?? {}], [], () => 1, Symbol('x'), 10n]) {
        if (!objectSeed && (payload === undefined || payload === null)) continue;
        refusal(name, payload);
      }
      if (objectSeed) refusal(name, null);
      else refusal(name, {});
    });

    // (operations that take no arguments have no fields)
    if (objectSeed)
      it('refuses unknown fields and every field of the wrong type, naming the field', () => {
        const seed = objectSeed;
        expect(refusal(name, { ...seed, injected: '<script>' }).message).toMatch(/unknown field "injected"|injected/);
        for (const key of Object.keys(seed)) {
          const err = refusal(name, { ...seed, [key]: wrongType(seed[key]) });
          expect(err.message, `${name}.${key}`).toContain(key);
        }
      });

    it(`refuses a request grown past its ${OPERATIONS[name].maxBytes}-byte limit, with the size message (checked before the schema)`, () => {
      const limit = OPERATIONS[name].maxBytes;
      const seed = objectSeed ?? seeds[0];
      const at = firstStringPath(seed);
      // a string field grown past the limit (or, with no string to grow, a string in place of the request)
      const grown = at ? setAt(seed, at, 'x'.repeat(limit + 1)) : 'x'.repeat(limit + 1);
      expect(payloadBytes(grown)).toBeGreaterThan(limit);
      expect(refusal(name, grown).message).toMatch(/larger than the .* this operation accepts/);
      // as deep as IPC could carry, far too deep for the request table
      let deep: unknown = 'x';
      for (let i = 0; i < 200; i++) deep = { a: deep };
      expect(refusal(name, at ? setAt(seed, at, deep) : deep).message).toMatch(/larger than|nested too deeply|expected/);
    });
  });
});

describe('paths from the renderer are confined', () => {
  let tmp: ReturnType<typeof tempDir>;
  let pool: CpuPool;
  let service: LabService;
  let host: ScriptedHost;
  let root: string;
  const ops = () => serviceOperations(service);

  beforeAll(async () => {
    tmp = tempDir('qklab-security-');
    root = tmp.dir;
    mkdirSync(join(root, 'data'));
    mkdirSync(join(root, 'elsewhere'));
    mkdirSync(join(root, 'out'));
    writeJsonEmbeddings(join(root, 'data', 'emb.json'), WORDS, 4);
    writeJsonEmbeddings(join(root, 'secret.json'), ['s', 'e', 'c'], 2);
    writeJsonEmbeddings(join(root, 'elsewhere', 'emb.json'), ['x', 'y'], 2);
    writeFileSync(join(root, 'victim.txt'), 'precious\n');
    symlinkSync(join(root, 'elsewhere'), join(root, 'data', 'link'), 'dir');
    symlinkSync(join(root, 'secret.json'), join(root, 'data', 'secret-link.json'));
    pool = new CpuPool({ workers: 1, threadsPerWorker: 1, warmUp: false });
    host = new ScriptedHost(join(root, 'user'));
    service = await LabService.create({ host, backend: pool });
    host.opens.push(join(root, 'data', 'emb.json'));
    await openSource(service, {});
  });
  afterAll(async () => {
    await service.close();
    await pool.close();
    tmp.cleanup();
  });

  it('".." is resolved before the check: it may not leave the granted file, and what opens is what was checked', async () => {
    // lexically back to the granted file, through a folder that does not even exist: allowed, and it is emb.json that opens
    const back = await openSource(service, { path: join(root, 'data', 'no-such-folder', '..', 'emb.json') });
    expect(back!.path).toBe(join(root, 'data', 'emb.json'));
    expect(back!.T).toBe(WORDS.length);
    // out of the granted file to one that exists but was never granted: refused
    for (const p of [join(root, 'data', 'emb.json', '..', '..', 'secret.json'), `${root}/data/./../secret.json`, `${root}/data//emb.json/../../secret.json`]) {
      await expect(service.openEmbeddings({ path: p })).rejects.toBeInstanceOf(PathNotAllowedError);
    }
  });

  it('".." through a symlinked folder is resolved on the path checked, never by the file system', async () => {
    // data/link -> elsewhere: physically data/link/../emb.json would be ROOT/emb.json; lexically it is data/emb.json (granted)
    const info = await openSource(service, { path: join(root, 'data', 'link', '..', 'emb.json') });
    expect(info!.path).toBe(join(root, 'data', 'emb.json'));
    expect(info!.tokens).toEqual(WORDS);
    // and a file inside the symlinked folder was never granted
    await expect(service.openEmbeddings({ path: join(root, 'data', 'link', 'emb.json') })).rejects.toBeInstanceOf(PathNotAllowedError);
  });

  it('a symlink grants nothing about its target, and a target grants nothing about links to it', async () => {
    await expect(service.openEmbeddings({ path: join(root, 'data', 'secret-link.json') })).rejects.toBeInstanceOf(PathNotAllowedError);
    await service.grantDroppedPath({ path: join(root, 'data', 'secret-link.json') });
    // the user dropped the link: reading it reads what it points to (the user's choice)…
    expect((await openSource(service, { path: join(root, 'data', 'secret-link.json') }))!.T).toBe(3);
    // …but the target itself is still not granted
    await expect(service.openEmbeddings({ path: join(root, 'secret.json') })).rejects.toBeInstanceOf(PathNotAllowedError);
    const job = await dispatch(ops(), 'runJob', { runId: 'sneak', job: { embeddings: { path: join(root, 'secret.json') } } });
    expect(!job.ok && job.error.message).toMatch(/^embeddings: QK Lab will not read/);
  });

  it('a JobSpec path that climbs out of its session folder is resolved, then refused', async () => {
    const session = join(root, 'data', 'study.qklab');
    host.saves.push(session);
    await service.saveSession({ session: { job: { embeddings: { path: join(root, 'data', 'emb.json') } }, view: {} }, saveAs: true });
    await service.openSession({ path: session });
    for (const path of ['../secret.json', 'link/../../secret.json', './../data/../secret.json', 'emb.json/../../secret.json']) {
      const reply = await dispatch(ops(), 'runJob', { runId: 'climb', job: { embeddings: { path } } });
      expect(reply.ok, path).toBe(false);
      expect(!reply.ok && reply.error.message, path).toMatch(/^embeddings: QK Lab will not read ".*secret\.json"/);
    }
    // the relative path to the granted file still works
    const ok = await dispatch(ops(), 'runJob', { runId: 'rel', job: { embeddings: { path: 'emb.json' } } });
    expect(ok.ok).toBe(true);
  });

  it('writes never follow a symlink planted where the user chose to save', async () => {
    const target = join(root, 'out', 'study.qklab');
    host.saves.push(target);
    await service.saveSession({ session: { job: { embeddings: { path: join(root, 'data', 'emb.json') } }, view: {} }, saveAs: true });
    // between two saves, someone replaces the file with a link to another file
    const { rmSync } = await import('node:fs');
    rmSync(target);
    symlinkSync(join(root, 'victim.txt'), target);
    await service.saveSession({ session: { job: { embeddings: { path: join(root, 'data', 'emb.json') } }, view: { again: true } } });
    expect(readFileSync(join(root, 'victim.txt'), 'utf8')).toBe('precious\n');
    expect(lstatSync(target).isSymbolicLink()).toBe(false);
    expect((await readSessionFile(target)).view).toEqual({ again: true });
    // the same for an export
    await service.runJob({ runId: 'exp', job: { embeddings: { path: join(root, 'data', 'emb.json') } } });
    const out = join(root, 'out', 'weights.json');
    symlinkSync(join(root, 'victim.txt'), out);
    host.saves.push(out);
    await service.exportRun({ runId: 'exp', format: 'json' });
    expect(readFileSync(join(root, 'victim.txt'), 'utf8')).toBe('precious\n');
    expect(lstatSync(out).isSymbolicLink()).toBe(false);
  });

  it('a hostile session nested 100 000 levels deep is refused with a clear message', async () => {
    const path = join(root, 'deep.qklab');
    const view = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    writeFileSync(path, `{"format": "qklab-session", "version": 1, "job": {}, "view": ${view}, "files": [], "savedAt": "now"}`);
    host.opens.push(path);
    const reply = await dispatch(ops(), 'openSession', {});
    expect(reply.ok).toBe(false);
    expect(!reply.ok && reply.error.message).toMatch(/^deep\.qklab: .*nested more than 64 levels/);
  });
});
