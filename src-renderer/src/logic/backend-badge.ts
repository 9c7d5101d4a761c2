/**
 * The status bar's word for the backend that ran a result (RunReply.backend: "native CPU (2
 * workers × 1 thread)", "wasm (…)", "webgpu (…)", "…, after WebGPU failed (…)"): the backend
 * that produced the numbers, which for a WebGPU failure is the CPU pool that reran it.
 */
export type BackendKind = 'webgpu' | 'native' | 'wasm';

export const BACKEND_WORDS: Record<BackendKind, string> = { webgpu: 'WebGPU', native: 'native', wasm: 'wasm' };

export function backendKind(backend: string): BackendKind {
  if (backend.startsWith('webgpu')) return 'webgpu';
  return backend.startsWith('native') ? 'native' : 'wasm';
}
