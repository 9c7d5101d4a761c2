import { describe, expect, it } from 'vitest';
import { BACKEND_WORDS, backendKind } from '../../src-renderer/src/logic/backend-badge';

describe('the status bar’s backend word', () => {
  it('names the backend whose numbers are shown', () => {
    expect(backendKind('native CPU (2 workers × 1 thread)')).toBe('native');
    expect(backendKind('wasm (1 worker × 2 threads)')).toBe('wasm');
    expect(backendKind('wasm (2 workers × 1 thread; onnxruntime-node is not installed)')).toBe('wasm');
    expect(backendKind('webgpu (google swiftshader, software)')).toBe('webgpu');
    // the CPU pool reran what WebGPU lost: its numbers are the CPU pool's
    expect(backendKind('native CPU (2 workers × 1 thread), after WebGPU failed (device lost)')).toBe('native');
    expect(Object.values(BACKEND_WORDS)).toEqual(['WebGPU', 'native', 'wasm']);
  });
});
