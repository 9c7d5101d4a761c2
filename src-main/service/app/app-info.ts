/** About QK Lab: the version and the engine it computes on. */
import type { Backend } from '../../engine/backend';

export async function appInfo(backend: Backend, version = '0.0.0'): Promise<{ version: string; backend: string; workers: number }> {
  const engine = backend as Backend & { workers?: number; describe?: () => string };
  const workers = engine.workers;
  // the router and the pool describe themselves ("auto (native CPU; webgpu (…))", "native CPU"); another backend by its id
  const described = typeof engine.describe === 'function' ? engine.describe() : backend.id;
  return { version, backend: described, workers: typeof workers === 'number' ? workers : 1 };
}
