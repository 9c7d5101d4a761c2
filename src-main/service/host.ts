/**
 * What a host gives the service. Electron shows native dialogs and keeps app data in its
 * userData folder; the e2e harness returns paths the test set; the CLI has no dialogs and
 * uses only the rooms that need none (sources and runs, see service-context.ts).
 */
import type { ExportRequest, ProgressEvent } from '../../src-shared/api/lab-api';
import type { Backend } from '../engine/backend';

export interface Host {
  /** the path the user chose to open, or null if cancelled */
  chooseOpenPath(kind: 'embeddings' | 'session'): Promise<string | null>;
  /** the path the user chose to save to, or null if cancelled */
  chooseSavePath(kind: SaveKind, defaultName: string): Promise<string | null>;
  /** where the app keeps autosave, recent files and window state */
  readonly userDataDir: string;
}

export type SaveKind = 'session' | ExportRequest['format'];

/** What every host of the service sets, the CLI included. */
export interface CoreOptions {
  backend: Backend;
  onProgress?: (e: ProgressEvent) => void;
  /** finished runs kept for export (default 8) */
  keepResults?: number;
  /** loaded files kept (default 8) */
  cachedFiles?: number;
  /** whether sentences are looked up in opened vocabularies, so their index is built as they load (default true; not in the CLI) */
  lookUpSentences?: boolean;
}

export interface LabServiceOptions extends CoreOptions {
  host: Host;
  /** the app's version, for appInfo */
  version?: string;
  /** the recent list changed (the Electron menu rebuilds its Recent Files submenu) */
  onRecentChanged?: (paths: string[]) => void;
}
