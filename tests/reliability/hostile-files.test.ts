/**
 * Files that are not files: a FIFO (made with mkfifo in a temp folder), /dev/urandom and
 * /dev/zero, a folder — as an embedding file, as a JobSpec `path`, as a session file, as a
 * job file and to `qklab inspect`. Each is answered with a clear "not a regular file (…)"
 * error naming the file within 2 s (a deadline that fails the test if the open hangs), and
 * without memory growth: opening a FIFO used to wait for a writer forever, and the size
 * cap used to trust `stat`, which says 0 for a device.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../../src-main/engine/backend';
import { LabService } from '../../src-main/service/lab-service';
import { loadJobFiles, readJobFile } from '../../src-main/cli/cli-service';
import { readRegularFile } from '../../src-main/service/sources/safe-open';
import { readJsonQuietly } from '../../src-main/service/durable-files';
import { parseJobSpec } from '../../src-shared/job/spec';
import { rssMb } from '../../bench/reliability/probes';
import { ScriptedHost, tempDir } from '../service/helpers';
import { STACK_LINE, qklabInProcess, recordFigures, withDeadline } from './helpers';

const posix = process.platform !== 'win32';
const DEADLINE_MS = 2000;
const noEngine = { id: 'none', run: () => Promise.reject(new Error('no engine in this test')), release: () => {}, close: async () => {} } as unknown as Backend;

// made when the file is collected: it.each needs the paths to name its cases
const tmp = tempDir();
const folder = join(tmp.dir, 'a-folder.json');
mkdirSync(folder);
const fifo = join(tmp.dir, 'pipe.json');
if (posix) execFileSync('mkfifo', [fifo]);
const worst = { ms: 0, rssGrowthMb: 0 };

afterAll(() => {
  recordFigures('hostileFiles', worst);
  tmp.cleanup();
});

/** The error `action` rejects with, within the deadline; time and memory growth go into the worst figures. */
async function refusal(action: () => Promise<unknown>, what: string): Promise<Error> {
  const rss0 = rssMb();
  const t0 = performance.now();
  const outcome = await withDeadline(
    action().then(
      () => null,
      (e: Error) => e,
    ),
    DEADLINE_MS,
    what,
  );
  worst.ms = Math.max(worst.ms, performance.now() - t0);
  worst.rssGrowthMb = Math.max(worst.rssGrowthMb, rssMb() - rss0);
  expect(outcome, `${what} should have been refused`).toBeInstanceOf(Error);
  return outcome!;
}

const KINDS: [label: string, path: string, kind: string][] = [
  ['a FIFO', fifo, 'a FIFO'],
  ['/dev/urandom', '/dev/urandom', 'a device'],
  ['/dev/zero', '/dev/zero', 'a device'],
  ['a folder', folder, 'a folder'],
];

describe.runIf(posix)('files that are not files, in the service', () => {
  let service: LabService;
  let host: ScriptedHost;
  beforeAll(async () => {
    host = new ScriptedHost(join(tmp.dir, 'user'));
    service = await LabService.create({ host, backend: noEngine });
  });
  afterAll(() => service.close());

  it.each(KINDS)('%s as an embedding file (Open dialog), as a JobSpec path and as a session file', async (label, path, kind) => {
    const name = path.split('/').pop()!;
    const notRegular = new RegExp(`${name.replace('.', '\\.')}: not a regular file \\(${kind}\\)`);
    host.opens.push(path);
    expect((await refusal(() => service.openEmbeddings({}), `${label} as embeddings`)).message).toMatch(notRegular);
    expect((await refusal(() => service.runJob({ runId: 'hostile', job: { embeddings: { path }, metric: { id: 'dot' } } }), `${label} as a JobSpec path`)).message).toMatch(
      notRegular,
    );
    host.opens.push(path);
    expect((await refusal(() => service.openSession({}), `${label} as a session`)).message).toMatch(notRegular);
  });

  it('a FIFO named by a session inside its folder is refused when the session opens, with a warning naming it', async () => {
    const dir = join(tmp.dir, 'session-with-fifo');
    mkdirSync(dir);
    execFileSync('mkfifo', [join(dir, 'words.json')]);
    const session = join(dir, 'fifo.qklab');
    writeFileSync(
      session,
      JSON.stringify({ format: 'qklab-session', version: 1, job: { embeddings: { path: 'words.json' }, metric: { id: 'dot' } }, view: {}, files: [], savedAt: '' }),
    );
    host.opens.push(session);
    const opened = await withDeadline(service.openSession({}), DEADLINE_MS, 'a session naming a FIFO');
    expect(opened!.sources).toEqual([]);
    expect(opened!.warnings).toEqual(['embeddings: words.json: not a regular file (a FIFO)']);
  });
});

describe.runIf(posix)('files that are not files, in the CLI', () => {
  it.each(KINDS)('`qklab inspect` on %s', async (_label, path, kind) => {
    const out = await withDeadline(qklabInProcess('inspect', path), DEADLINE_MS, `qklab inspect ${path}`);
    worst.ms = Math.max(worst.ms, out.ms);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(new RegExp(`not a regular file \\(${kind}\\)`));
    expect(out.stderr).not.toMatch(STACK_LINE);
  });

  it.each(KINDS)('%s as the job file, and as the path a job file names', async (label, path, kind) => {
    expect((await refusal(() => readJobFile(path), `${label} as a job file`)).message).toBe(`${path}: not a regular file (${kind})`);
    const out = await withDeadline(qklabInProcess('run', path, '--json'), DEADLINE_MS, `qklab run ${path}`);
    expect([out.code, out.stderr]).toEqual([1, `qklab: ${path}: not a regular file (${kind})\n`]);
    const spec = parseJobSpec({ embeddings: { path }, metric: { id: 'dot' } });
    expect((await refusal(() => loadJobFiles(spec, tmp.dir), `${label} as a JobSpec path`)).message).toMatch(/not a regular file/);
  });
});

describe.runIf(posix)('the safe opener', () => {
  it('caps what it reads, not what stat says: a file that stat calls empty stops at the cap', async () => {
    // /proc files report a size of 0 and hold more; the cap counts bytes read
    const proc = '/proc/self/status';
    const e = await refusal(() => readRegularFile(proc, 16, 'test files'), 'a /proc file past its cap');
    expect(e.message).toBe('status: the file is larger than 16 bytes; test files larger than that are refused');
    expect((await readRegularFile(proc, 1 << 20)).toString('utf8')).toMatch(/^Name:/);
  });

  it("the app's own JSON files: a FIFO or a device in their place reads as absent", async () => {
    for (const [, path] of KINDS) expect(await withDeadline(readJsonQuietly(path), DEADLINE_MS, `readJsonQuietly(${path})`)).toBeNull();
  });
});
