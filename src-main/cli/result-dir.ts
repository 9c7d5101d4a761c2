/** `--out DIR`: the result as .npy arrays plus a result.json of everything per-row. */
import { join } from 'node:path';
import { makePrivateDir, writeFileAtomic } from '../service/durable-files';
import { encodeNpy } from '../service/npy-write';
import { resultToJson } from '../service/result-json';
import type { FinishedRun } from '../service/runs/runs';

export async function writeResultDir(dir: string, finished: FinishedRun, timing: Record<string, unknown>): Promise<string[]> {
  await makePrivateDir(dir);
  const { run, problem } = finished;
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
  await writeFileAtomic(join(dir, 'result.json'), JSON.stringify({ ...json, tokens: problem.tokens, timing, job: run.spec }, null, 1));
  written.push('result.json');
  return written;
}
