/**
 * The transport-neutral half of every adapter: look the operation up in the table, check
 * the payload (size, then schema), call the service, and wrap the outcome in an envelope.
 * Electron's ipc.ts adds only the sender check; the e2e harness adds only the encoding of
 * typed arrays for Playwright's binding. Both therefore test the same validation.
 */
import {
  OPERATIONS,
  errorInfo,
  parseRequest,
  type Envelope,
  type LabOperations,
  type OperationName,
  type ReplyOf,
} from '../../src-shared/api/requests';
import type { LabService } from './lab-service';

export const OPERATION_NAMES = Object.keys(OPERATIONS) as OperationName[];

export function isOperationName(name: unknown): name is OperationName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(OPERATIONS, name);
}

/** The service's methods under the table's names (a compile-time check that each one exists with the table's request type). */
export function serviceOperations(service: LabService): LabOperations {
  return {
    openEmbeddings: (req) => service.openEmbeddings(req),
    lookupSentence: (req) => service.lookupSentence(req),
    runJob: (req) => service.runJob(req),
    cancelJob: (req) => service.cancelJob(req),
    fetchTile: (req) => service.fetchTile(req),
    runExperiment: (req) => service.runExperiment(req),
    exportRun: (req) => service.exportRun(req),
    saveSession: (req) => service.saveSession(req),
    openSession: (req) => service.openSession(req),
    autosave: (req) => service.autosave(req),
    recoverSession: () => service.recoverSession(),
    recentFiles: () => service.recentFiles(),
    appInfo: () => service.appInfo(),
    grantDroppedPath: (req) => service.grantDroppedPath(req),
  };
}

/** Validate and run one request; never throws (errors come back in the envelope). */
export async function dispatch<K extends OperationName>(ops: LabOperations, name: K, payload: unknown): Promise<Envelope<ReplyOf<K>>> {
  try {
    const req = parseRequest(name, payload);
    const fn = ops[name] as (req: unknown) => Promise<ReplyOf<K>>;
    const value = await fn(req);
    return { ok: true, value };
  } catch (err) {
    return { ok: false, error: errorInfo(err) };
  }
}
