/**
 * What the onnxruntime build that will run a graph can do. The graph is the same for every
 * backend except where a build lacks something:
 *
 * - `float64`: onnxruntime-web's wasm build (the pool) has double kernels; its WebGPU build
 *   has none at all — not on the GPU (WGSL has no f64) and not on its CPU side either
 *   (measured with 1.30: "Could not find an implementation for Cast(13)" even for the wasm
 *   EP of ort.webgpu). Without it, `euclidean` computes ‖q − k‖₂ as a broadcast
 *   [h, n, Tk, d] difference and ReduceL2 (no qq + kk − 2qk cancellation, so float32 is
 *   exact enough; d planes per score cell, like laplacian) instead of the float64 MatMul form.
 */
export interface GraphTarget {
  float64: boolean;
}

export const WASM_TARGET: GraphTarget = Object.freeze({ float64: true });
export const WEBGPU_TARGET: GraphTarget = Object.freeze({ float64: false });

/** A target given where an optional argument may receive anything (Array.map passes an index). */
export function graphTarget(t: unknown): GraphTarget {
  return t && typeof t === 'object' && (t as GraphTarget).float64 === false ? WEBGPU_TARGET : WASM_TARGET;
}
