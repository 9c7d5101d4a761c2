/**
 * The preload: LabApi over IPC, exposed as `window.qklab` through contextBridge — one
 * method per operation of src-shared/api/requests.ts, never a generic invoke. It runs
 * sandboxed, so electron-vite bundles it into one CommonJS file whose only require is
 * 'electron' (see electron.vite.config.ts).
 *
 * Errors come back from main in an envelope and are rethrown here with their message.
 * (contextBridge copies only an error's message into the page, so the renderer recognises
 * a cancelled run by its message, which always says "cancelled".)
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { LabApi, MenuCommand, ProgressEvent } from '../../src-shared/api/lab-api';
import { EVENTS, OPERATIONS, errorFromInfo, type Envelope, type OperationName, type ReplyOf, type RequestOf } from '../../src-shared/api/requests';

async function call<K extends OperationName>(name: K, req?: RequestOf<K>): Promise<ReplyOf<K>> {
  const envelope = (await ipcRenderer.invoke(OPERATIONS[name].channel, req)) as Envelope<ReplyOf<K>>;
  if (envelope.ok) return envelope.value;
  throw errorFromInfo(envelope.error);
}

function subscribe<T>(channel: string, listener: (payload: T) => void): () => void {
  const handler = (_event: IpcRendererEvent, payload: T) => listener(payload);
  ipcRenderer.on(channel, handler);
  return () => {
    ipcRenderer.removeListener(channel, handler);
  };
}

const api: LabApi = {
  openEmbeddings: (req) => call('openEmbeddings', req),
  captureModel: (req) => call('captureModel', req),
  lookupSentence: (req) => call('lookupSentence', req),
  runJob: (req) => call('runJob', req),
  cancelJob: (req) => call('cancelJob', req),
  fetchTile: (req) => call('fetchTile', req),
  modelPattern: (req) => call('modelPattern', req),
  // the reply's `name` is the request's, so the generic signature's narrowing holds
  runExperiment: (req) => call('runExperiment', req as RequestOf<'runExperiment'>) as never,
  exportRun: (req) => call('exportRun', req),
  saveSession: (req) => call('saveSession', req),
  openSession: (req) => call('openSession', req),
  grantSessionFiles: (req) => call('grantSessionFiles', req),
  autosave: (req) => call('autosave', req),
  recoverSession: () => call('recoverSession'),
  recentFiles: () => call('recentFiles'),
  appInfo: () => call('appInfo'),
  onProgress: (listener) => subscribe<ProgressEvent>(EVENTS.progress, listener),
  onMenuCommand: (listener) => subscribe<MenuCommand>(EVENTS.menuCommand, listener),
  pathForFile(file) {
    // only a real file from disk (a drop, a file input) has a path; main may then read it
    const path = webUtils.getPathForFile(file);
    if (!path) return null;
    void call('grantDroppedPath', { path }).catch(() => {});
    return path;
  },
};

contextBridge.exposeInMainWorld('qklab', api);
