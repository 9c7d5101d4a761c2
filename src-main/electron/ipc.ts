/**
 * The IPC adapter: one ipcMain.handle per operation of the table in
 * src-shared/api/requests.ts. Before anything else each handler checks who is asking —
 * only the main frame of the app's own window, showing the app's own page — then the
 * shared dispatcher checks the payload's size and schema and calls the service.
 */
import type { IpcMainInvokeEvent, WebContents } from 'electron';
import { OPERATIONS, type Envelope, type LabOperations, type OperationName } from '../../src-shared/api/requests';
import { dispatch } from '../service/dispatch';
import { isAppUrl } from './security';

/** The part of ipcMain this adapter uses (a fake in tests). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

type SenderEvent = Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>;

/**
 * True only for a message from `contents` (the app's window), sent by its main frame
 * (not an iframe), while that frame shows the app's own page.
 */
export function isTrustedSender(event: SenderEvent, contents: WebContents | null | undefined, devServerUrl?: string): boolean {
  if (!contents || contents.isDestroyed() || event.sender !== contents) return false;
  const frame = event.senderFrame;
  if (!frame || frame !== contents.mainFrame) return false;
  return isAppUrl(frame.url, devServerUrl);
}

export const UNTRUSTED_SENDER = { name: 'SecurityError', message: 'QK Lab ignores requests that do not come from its own window' };

/** Register every operation; returns a function that removes the handlers again. */
export function registerIpc(ipcMain: IpcMainLike, ops: LabOperations, trusted: (event: SenderEvent) => boolean): () => void {
  const names = Object.keys(OPERATIONS) as OperationName[];
  for (const name of names) {
    ipcMain.handle(OPERATIONS[name].channel, async (event, ...args): Promise<Envelope<unknown>> => {
      if (!trusted(event)) return { ok: false, error: UNTRUSTED_SENDER };
      // one request object per operation; extra arguments are refused rather than dropped
      if (args.length > 1) return { ok: false, error: { name: 'RequestError', message: `${name}: expected one request object, got ${args.length} arguments` } };
      return dispatch(ops, name, args[0]);
    });
  }
  return () => names.forEach((name) => ipcMain.removeHandler(OPERATIONS[name].channel));
}
