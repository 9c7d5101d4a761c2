/** `--out DIR`: the result as .npy arrays plus a result.json of everything per-row. */
import { mkdir, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobRun } from './run-job';
import { encodeNpy } from './npy-write';
import { resultToJson } from './result-json';

/** Write atomically (temp file, then rename) so a crash never leaves half a file. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

export async function writeResultDir(dir: string, run: JobRun, timing: Record<string, unknown>): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const r = run.result;
  const written: string[] = [];
  const put = async (name: string, data: Float32Array | Int32Array, shape: number[]) => {
    await writeFileAtomic(join(dir, name), encodeNpy(data, shape));
    written.push(name);
  };
  if (r.weights) await put('weights.npy', r.weights, [r.heads, r.Tq, r.Tk]);
  if (r.scores) await put('scores.npy', r.scores, [r.heads, r.Tq, r.Tk]);
  if (r.output) await put('output.npy', r.output, [r.heads, r.Tq, r.dv]);
  await put('entropy.npy', r.entropy, [r.heads, r.Tq]);
  if (r.overview) await put('overview.npy', r.overview.data, [r.heads, r.overview.rows, r.overview.cols]);
  // result.json carries the per-row numbers; the T×T matrices live in the .npy files
  const json = resultToJson({ ...r, weights: undefined, scores: undefined, output: undefined, overview: undefined });
  await writeFileAtomic(join(dir, 'result.json'), JSON.stringify({ ...json, tokens: run.problem.tokens, timing, job: run.spec }, null, 1));
  written.push('result.json');
  return written;
}
