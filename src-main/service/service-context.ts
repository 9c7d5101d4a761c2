/**
 * What the rooms of the service share: the engine, the allow-list, the file cache and the
 * loader of the files a JobSpec names, the runs in flight and the finished runs kept. One
 * context per service; LabService (lab-service.ts) builds it for the app, the CLI
 * (src-main/cli/cli-service.ts) for the terminal.
 */
import { CancelledError, type Backend } from '../engine/backend';
import type { CoreOptions } from './host';
import { FileCache } from './sources/file-cache';
import { JobFiles } from './sources/job-files';
import { PathAllowList } from './sources/paths';
import { KeptResults } from './runs/kept-results';

/** A run or an experiment in flight, cancellable by its runId. */
export interface ActiveRun {
  runId: string;
  channel?: string;
  controller: AbortController;
}

export interface ServiceContext {
  readonly options: CoreOptions;
  readonly backend: Backend;
  readonly allow: PathAllowList;
  readonly files: FileCache;
  readonly jobFiles: JobFiles;
  /** runs and experiments in flight by runId (cancelJob reaches both) */
  readonly active: Map<string, ActiveRun>;
  /** finished runs kept for export and zoom */
  readonly kept: KeptResults;
  /** set once the service is closing: no new work starts */
  closed: boolean;
}

export function createContext(options: CoreOptions): ServiceContext {
  const allow = new PathAllowList();
  const files = new FileCache(options.cachedFiles ?? 8, undefined, options.lookUpSentences ?? true);
  return {
    options,
    backend: options.backend,
    allow,
    files,
    jobFiles: new JobFiles(allow, files),
    active: new Map(),
    kept: new KeptResults(options.backend, Math.max(1, options.keepResults ?? 8)),
    closed: false,
  };
}

export function cancelled(message: string): CancelledError {
  return new CancelledError(message);
}

/**
 * What a run or an experiment throws when it stops: its signal's AbortError when cancelled
 * (a CancelledError with `message` when the reason was not one), else the error itself.
 */
export function stopReason(signal: AbortSignal, err: unknown, message: string): unknown {
  if (!signal.aborted) return err;
  const reason: unknown = signal.reason;
  return reason instanceof Error && reason.name === 'AbortError' ? reason : cancelled(message);
}
