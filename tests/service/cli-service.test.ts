/**
 * The CLI as a host of the service (src-main/cli/cli-service.ts): a job file is opened as
 * a session is — the files it names load through the service's loader, relative paths
 * against the job file's folder — and every file the lab writes goes through the one
 * durable writer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CpuPool } from '../../src-main/engine/pool';
import { CliService, loadJobFiles, loadNamedFile, readJobFile } from '../../src-main/cli/cli-service';
import { parseJobSpec } from '../../src-shared/job/spec';
import type { LoadedEmbeddings } from '../../src-shared/formats/types';
import { tempDir, writeJsonEmbeddings } from './helpers';

let tmp: ReturnType<typeof tempDir>;
let pool: CpuPool;

beforeAll(() => {
  tmp = tempDir('qklab-cli-service-');
  pool = new CpuPool({ workers: 1, threadsPerWorker: 1, warmUp: false });
  // two folders, each with its own emb.json and a job naming it by a relative path
  for (const [folder, tokens] of [
    ['a', ['one', 'two', 'three']],
    ['b', ['four', 'five']],
  ] as const) {
    mkdirSync(join(tmp.dir, folder, 'data'), { recursive: true });
    writeJsonEmbeddings(join(tmp.dir, folder, 'data', 'emb.json'), [...tokens], 4);
    writeFileSync(join(tmp.dir, folder, 'job.json'), JSON.stringify({ embeddings: { path: 'data/emb.json' }, metric: { id: 'cosine' } }));
  }
});

afterAll(async () => {
  await pool?.close();
  tmp?.cleanup();
});

describe('the CLI through the service', () => {
  it("runs a job file's relative paths against the job file's own folder", async () => {
    const cli = new CliService(pool);
    for (const [folder, tokens] of [
      ['a', ['one', 'two', 'three']],
      ['b', ['four', 'five']],
    ] as const) {
      const jobPath = join(tmp.dir, folder, 'job.json');
      const { run, problem } = await cli.run(await readJobFile(jobPath), jobPath);
      expect(problem.tokens.queries).toEqual(tokens);
      expect(run.result.Tq).toBe(tokens.length);
    }
  });

  it('refuses an invalid job with the JobSpec message naming the job file, before loading anything', async () => {
    const cli = new CliService(pool);
    const jobPath = join(tmp.dir, 'a', 'job.json');
    await expect(cli.run({ embeddings: { path: 'data/emb.json' }, colour: 'red' }, jobPath)).rejects.toThrow(`${jobPath}: colour: unknown field "colour"`);
    // found only once the data is known (resolve), still before any engine run, still naming the file
    const inline = {
      embeddings: {
        inline: {
          vectors: [
            [10, 0],
            [0, 10],
          ],
        },
      },
      metric: { id: 'dot', scale: 'tau', tau: 1e-37 },
    };
    await expect(cli.run(inline, jobPath)).rejects.toThrow(`${jobPath}: metric.tau: 1e-37 makes scores overflow float32`);
  });

  it('refuses a job file larger than 8 MiB before parsing it, advising a file for the vectors', async () => {
    const big = join(tmp.dir, 'big-job.json');
    writeFileSync(big, `{"embeddings": {"inline": {"vectors": [[${'0.5,'.repeat(2.2 * 2 ** 20)}0.5]]}}}`);
    await expect(readJobFile(big)).rejects.toThrow(`${big} is larger than the 8 MiB a JobSpec may be; save the vectors to a file`);
  });

  it('loads the files of a parsed JobSpec against a folder (the experiments), and a named file (inspect)', async () => {
    const spec = parseJobSpec({ embeddings: { path: 'data/emb.json' } });
    const files = await loadJobFiles(spec, join(tmp.dir, 'b'));
    expect(([...files.values()][0] as LoadedEmbeddings).embeddings.tokens).toEqual(['four', 'five']);
    expect((await loadNamedFile(join(tmp.dir, 'a', 'data', 'emb.json'))).embeddings.tokens).toEqual(['one', 'two', 'three']);
    await expect(loadNamedFile(join(tmp.dir, 'missing.json'))).rejects.toThrow(/missing\.json: cannot open the file \(ENOENT\)/);
  });
});

describe('one durable writer', () => {
  /** Every TypeScript source file under a folder. */
  function sources(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => join(e.parentPath, e.name));
  }

  it('writeFileAtomic is defined once, and nothing else in main renames a temporary file into place', () => {
    const root = join(__dirname, '..', '..');
    const files = ['src-main', 'src-shared'].flatMap((d) => sources(join(root, d)));
    const defining = files.filter((f) => /function writeFileAtomic\b/.test(readFileSync(f, 'utf8')));
    expect(defining.map((f) => f.slice(root.length + 1))).toEqual([join('src-main', 'service', 'durable-files.ts')]);
    const renaming = files.filter((f) => /\brename\(/.test(readFileSync(f, 'utf8')));
    expect(renaming.map((f) => f.slice(root.length + 1))).toEqual([join('src-main', 'service', 'durable-files.ts')]);
  });
});
