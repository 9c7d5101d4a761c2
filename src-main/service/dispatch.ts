/**
 * The transport-neutral half of every adapter: look the operation up in the table, check
 * the payload (size, then schema), call the service, and wrap the outcome in an envelope.
 * Electron's ipc.ts adds only the sender check; the e2e harness adds only the encoding of
 * typed arrays for Playwright's binding. Both therefore test the same validation.
 */
import { OPERATIONS, errorInfo, parseRequest, type Envelope, type LabOperations, type OperationName, type ReplyOf } from '../../src-shared/api/requests';

export const OPERATION_NAMES = Object.keys(OPERATIONS) as OperationName[];

export function isOperationName(name: unknown): name is OperationName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(OPERATIONS, name);
}

/** The service's operations, exactly the table's names (LabService implements LabOperations, so the compiler checks each one). */
export function serviceOperations(service: LabOperations): LabOperations {
  const ops: Partial<Record<OperationName, (req: never) => Promise<unknown>>> = {};
  for (const name of OPERATION_NAMES) ops[name] = (req: never) => (service[name] as (req: never) => Promise<unknown>)(req);
  return ops as LabOperations;
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
