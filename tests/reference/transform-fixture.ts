/**
 * tests/fixtures/transforms.json (written by scripts/make-transform-fixtures.py with numpy):
 * its shape, and its whole problems as JobSpecs.
 */
import { readFileSync } from 'node:fs';
import type { RopeLayout } from '../../src-shared/job/transforms';
import { parseJobSpec, type JobSpec } from '../../src-shared/job/spec';

export interface Fixture {
  x: number[][];
  qx: number[][];
  ties: number[][];
  zeros: number[][];
  rope: { base: number; dims: number; layout: RopeLayout; offset: number; heads: number; expected: number[][] }[];
  sinusoidal: { T: number; d: number; offset: number; expected: number[][] }[];
  alibi: { slopes4: number[]; slopes3: number[]; bias_h3_Tq2_Tk5: number[][][] };
  int: { input: 'qx' | 'ties' | 'zeros'; heads: number; bits: number; group: 'tensor' | 'channel' | 'token'; expected: number[][] }[];
  floats: number[];
  float16: number[];
  bfloat16: number[];
  problems: { X: number[][] } & Record<string, { spec: JobSpec; weights: number[][][]; queryRows?: number[] }>;
}

export const FIXTURE: Fixture = JSON.parse(readFileSync(new URL('../fixtures/transforms.json', import.meta.url), 'utf8'));

/** A fixture problem as a JobSpec over its embeddings X (and query rows, where it has them). */
export function fixtureJob(name: string): { spec: JobSpec; weights: number[] } {
  const c = FIXTURE.problems[name];
  const X = FIXTURE.problems.X;
  const spec: JobSpec = { embeddings: { inline: { vectors: X } }, ...c.spec };
  if (c.queryRows) spec.queries = { inline: { vectors: c.queryRows.map((r) => X[r]) } };
  return { spec: parseJobSpec(spec), weights: c.weights.flat(2) };
}
