/**
 * Work in flight named by the renderer (an export's exportId, a model capture's captureId):
 * registered in the shared table of active work, so cancelJob reaches it as it reaches runs,
 * with its progress sent out as ProgressEvents of its stage.
 */
import type { ProgressEvent } from '../../src-shared/api/lab-api';
import type { ServiceContext } from './service-context';

export async function trackWork<T>(
  ctx: ServiceContext,
  id: string,
  stage: ProgressEvent['stage'],
  work: (signal: AbortSignal, progress: (fraction: number) => void) => Promise<T>,
): Promise<T> {
  const { active, options } = ctx;
  const controller = new AbortController();
  active.set(id, { runId: id, controller });
  const progress = (fraction: number) => {
    if (!controller.signal.aborted) options.onProgress?.({ runId: id, stage, fraction: Math.min(1, Math.max(0, fraction)) });
  };
  try {
    progress(0);
    return await work(controller.signal, progress);
  } finally {
    if (active.get(id)?.controller === controller) active.delete(id);
  }
}
