/** The same float32 inputs for every contender: X (T × H·d), Gaussian, written once as .npy. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gaussianMatrix } from '../src-shared/random';
import { encodeNpy } from '../src-main/service/npy-write';
import type { BenchCase } from './cases';

export function benchInput(c: BenchCase): Float32Array {
  return Float32Array.from(gaussianMatrix(20261122, `bench/${c.name}`, c.T, c.H * c.d, 1));
}

export async function writeBenchInput(c: BenchCase, dir: string): Promise<string> {
  const path = join(dir, `${c.name}.npy`);
  await writeFile(path, encodeNpy(benchInput(c), [c.T, c.H * c.d]));
  return path;
}
