/** The benchmark cases of the engine issue: one list, read by every contender. */
export interface BenchCase {
  name: string;
  H: number;
  T: number;
  d: number;
  /** 'full': weights + output + entropy; 'stats': entropy + output + argmax + overview, no T×T result */
  kind: 'full' | 'stats';
  quick: boolean;
  /** timed repetitions after one warm-up */
  reps: number;
}

export const CASES: BenchCase[] = [
  { name: 'H12_T512_d64', H: 12, T: 512, d: 64, kind: 'full', quick: true, reps: 7 },
  { name: 'H12_T1024_d64', H: 12, T: 1024, d: 64, kind: 'full', quick: true, reps: 7 },
  { name: 'H1_T4096_d64', H: 1, T: 4096, d: 64, kind: 'full', quick: false, reps: 5 },
  { name: 'H1_T16384_d64_stats', H: 1, T: 16384, d: 64, kind: 'stats', quick: false, reps: 2 },
  // issue #4: twelve heads at T = 4096 (12 × 4096² weights would be 805 MB: statistics + overview)
  { name: 'H12_T4096_d64_stats', H: 12, T: 4096, d: 64, kind: 'stats', quick: false, reps: 2 },
];

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The environment numpy's baseline commands run in: this one's, less OPENBLAS_CORETYPE and
 * OPENBLAS_L2_SIZE (they slow a current numpy on these machines; unset for numpy alone).
 */
export function numpyEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}
