/**
 * Plain-JS baseline: the straightforward loops a developer would write, on the same float32
 * inputs (float64 accumulators), one thread. Causal, scaled dot product, weights + output +
 * entropy.
 */
import type { BenchCase } from './cases';

export function plainJsAttention(x: Float32Array, c: BenchCase): { weights: Float32Array; output: Float32Array; entropy: Float32Array } {
  const { H, T, d } = c;
  const W = H * d;
  const scale = 1 / Math.sqrt(d);
  const weights = new Float32Array(H * T * T);
  const output = new Float32Array(H * T * d);
  const entropy = new Float32Array(H * T);
  const row = new Float64Array(T);
  for (let h = 0; h < H; h++) {
    for (let i = 0; i < T; i++) {
      let max = -Infinity;
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += x[i * W + h * d + t] * x[j * W + h * d + t];
        row[j] = s * scale;
        if (row[j] > max) max = row[j];
      }
      let z = 0;
      for (let j = 0; j <= i; j++) {
        row[j] = Math.exp(row[j] - max);
        z += row[j];
      }
      let ent = 0;
      const base = (h * T + i) * T;
      for (let j = 0; j <= i; j++) {
        const w = row[j] / z;
        weights[base + j] = w;
        if (w > 0) ent -= w * Math.log(w);
        for (let t = 0; t < d; t++) output[(h * T + i) * d + t] += w * x[j * W + h * d + t];
      }
      entropy[h * T + i] = ent;
    }
  }
  return { weights, output, entropy };
}
