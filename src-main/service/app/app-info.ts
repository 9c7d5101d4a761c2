/** About QK Lab: the version and the engine it computes on. */
import type { Backend } from '../../engine/backend';

export async function appInfo(backend: Backend, version = '0.0.0'): Promise<{ version: string; backend: string; workers: number }> {
  // the router and the pool describe themselves ("auto (native CPU; webgpu (…))", "native CPU"); another backend by its id
  return { version, backend: backend.describe?.() ?? backend.id, workers: backend.workers ?? 1 };
}
