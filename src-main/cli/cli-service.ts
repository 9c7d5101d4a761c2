/**
 * The CLI as a host of the service, as Electron is: the same rooms for sources and runs
 * (the allow-list, the file cache, the loader of a JobSpec's files, the run kept with its
 * result), without dialogs or app data. The confinement rules are the app's:
 *
 * - a file the user names on the command line (`qklab inspect FILE`) is granted as a file
 *   chosen in a dialog is;
 * - a job file named on the command line is opened as a session is: the files it names are
 *   granted, and relative paths in it resolve against its folder.
 *
 * Every file the CLI writes goes through the service's one durable writer,
 * `writeFileAtomic` of src-main/service/durable-files.ts.
 */
import { dirname } from 'node:path';
import type { LoadedEmbeddings } from '../../src-shared/formats/types';
import type { FileTable } from '../../src-shared/job/resolve';
import { JobSpecError, parseJobSpec, type JobSpec } from '../../src-shared/job/spec';
import { MAX_JOBSPEC_BYTES, jobSpecTooLarge } from '../../src-shared/job/limits';
import type { Backend } from '../engine/backend';
import { Runs, type FinishedRun } from '../service/runs/runs';
import { createContext, type ServiceContext } from '../service/service-context';
import { FileCache } from '../service/sources/file-cache';
import { JobFiles } from '../service/sources/job-files';
import { PathAllowList } from '../service/sources/paths';
import { readJsonFile } from '../service/sources/json-file';
import { SafeOpenError } from '../service/sources/safe-open';

/** The CLI's one run id: it runs one job at a time. */
const RUN_ID = 'cli';

export class CliService {
  private readonly ctx: ServiceContext;
  private readonly runs: Runs;

  /** `onProgress` sees the engine's compute progress (fraction 0–1), as `qklab` prints it. */
  constructor(backend: Backend, onProgress?: (fraction: number) => void) {
    this.ctx = createContext({
      backend,
      keepResults: 1,
      lookUpSentences: false,
      onProgress: onProgress && ((e) => e.stage === 'computing' && e.fraction > 0 && onProgress(e.fraction)),
    });
    this.runs = new Runs(this.ctx);
  }

  /**
   * Run the job read from `jobPath` (validated here, like any request): the files it names are
   * granted as an opened session's are, relative ones against its folder. The result stays
   * valid until the next run. `onlyHead`: the command reads that head alone (Runs.run).
   */
  async run(job: unknown, jobPath: string, options: { onlyHead?: number } = {}): Promise<FinishedRun> {
    try {
      this.ctx.jobFiles.openAt(parseJobSpec(job), dirname(jobPath), 'session');
      return await this.runs.run({ runId: RUN_ID, job, onlyHead: options.onlyHead });
    } catch (e) {
      // the terminal names the job file, as it names every file
      throw e instanceof JobSpecError ? e.inFile(jobPath) : e;
    }
  }
}

/**
 * A job file's JSON, read safely (a FIFO or a device is refused), with messages that name the
 * file and never quote it. At most MAX_JOBSPEC_BYTES are read: a larger JobSpec is refused
 * before it is parsed (parsing costs ~18× the text).
 */
export async function readJobFile(path: string): Promise<unknown> {
  try {
    return await readJsonFile(path, MAX_JOBSPEC_BYTES, 'job files', path);
  } catch (e) {
    if (!(e instanceof SafeOpenError)) throw e;
    if (e.code === 'EFBIG') throw new Error(jobSpecTooLarge(path), { cause: e });
    throw new Error(`${path}: ${e.code === 'ENOTREG' ? e.problem : `cannot read the job file (${e.code})`}`, { cause: e });
  }
}

/**
 * Every file a parsed JobSpec names, loaded as `qklab run` loads them: granted as an opened
 * session's files are (relative paths against `baseDir`), through a file cache.
 */
export async function loadJobFiles(spec: JobSpec, baseDir: string): Promise<FileTable> {
  const jobFiles = new JobFiles(new PathAllowList(), cliFileCache());
  jobFiles.openAt(spec, baseDir, 'session');
  return jobFiles.load(spec, new AbortController().signal, () => {});
}

/** One embedding file named on the command line (`qklab inspect`), read through the file cache. */
export async function loadNamedFile(path: string, part?: string): Promise<LoadedEmbeddings> {
  const allow = new PathAllowList();
  const { loaded } = await cliFileCache().load(allow.allow(path, 'read', 'dialog'), part);
  return loaded;
}

/** A file cache for one command: no sentence look-ups in the terminal, so no vocabulary index. */
function cliFileCache(): FileCache {
  return new FileCache(undefined, undefined, false);
}
