/**
 * The JobSpec's `position` and `quantize`, resolved and applied once, in resolve.ts: the
 * engine and the reference both see the transformed q, k, v. Order (docs/semantics.md):
 * sinusoidal on the embeddings before projection; after projection (and transpose) RoPE,
 * then quantization; ALiBi becomes the problem's score `bias`.
 */
import { catalogueEntry } from '../../metrics/catalogue';
import type { Matrix } from '../../linalg/matrix';
import { JobSpecError, type EntrySpec, type JobSpec } from '../spec';
import type { ResolvedBias } from '../problem';
import { applyRope, geometricSlopes, type RopeLayout, type RopeParams } from './positions';
import { quantizeMatrix, type QuantGroup, type Quantizer } from './quantize';

export { addSinusoidal, applyRope, geometricSlopes, ropePair, type RopeLayout, type RopeParams } from './positions';
export { quantizeMatrix, rintEven, toBfloat16, toFloat16, type QuantGroup, type Quantizer } from './quantize';

export type QuantRole = 'q' | 'k' | 'v';
export const DEFAULT_QUANT_APPLY: QuantRole[] = ['q', 'k'];

function param<T>(kind: 'position' | 'quantize', spec: EntrySpec, name: string): T {
  if (spec[name] !== undefined) return spec[name] as T;
  return catalogueEntry(kind, spec.id)?.params.find((p) => p.name === name)?.default as T;
}

/** Whether the JobSpec adds sinusoidal positions to its embeddings. */
export function wantsSinusoidal(spec: JobSpec): boolean {
  return spec.position?.id === 'sinusoidal';
}

/** RoPE's parameters for heads of widths dq and dk, checked (dims even, ≤ d); null without RoPE. */
export function ropeParams(spec: JobSpec, dq: number, dk: number): RopeParams | null {
  const ps = spec.position;
  if (ps?.id !== 'rope') return null;
  const d = Math.min(dq, dk);
  const largestEven = d - (d % 2);
  const dims = (ps.dims as number | undefined) ?? largestEven;
  if (dims % 2 !== 0 || dims > d || dims < 2) {
    throw new JobSpecError(
      'position.dims',
      `expected an even number ≤ ${d}${dq !== dk ? ` (the narrower of the query and key widths per head, ${dq} and ${dk})` : ''}, got ${dims}`,
    );
  }
  return { base: param<number>('position', ps, 'base'), layout: param<RopeLayout>('position', ps, 'layout'), dims };
}

/** ALiBi's bias for H heads, queries offset by `offset` = Tk − Tq; null without ALiBi. */
export function alibiBias(spec: JobSpec, heads: number, offset: number): ResolvedBias | null {
  const ps = spec.position;
  if (ps?.id !== 'alibi') return null;
  const given = param<'geometric' | number[]>('position', ps, 'slopes');
  if (given === 'geometric') return { id: 'alibi', slopes: geometricSlopes(heads), offset };
  if (given.length !== heads) throw new JobSpecError('position.slopes', `expected ${heads} slopes (one per head), got ${given.length}`);
  const bad = given.findIndex((m) => !(m >= 0));
  if (bad >= 0) throw new JobSpecError(`position.slopes.${bad}`, `expected a slope ≥ 0, got ${given[bad]}`);
  return { id: 'alibi', slopes: [...given], offset };
}

/** The quantizer and the roles it applies to; null without one. */
export function quantizer(spec: JobSpec): { q: Quantizer; apply: QuantRole[] } | null {
  const qs = spec.quantize;
  if (!qs || qs.id === 'none') return null;
  const apply = (qs.apply as QuantRole[] | undefined) ?? DEFAULT_QUANT_APPLY;
  if (qs.id === 'int') {
    return { q: { id: 'int', bits: param<number>('quantize', qs, 'bits'), group: param<QuantGroup>('quantize', qs, 'group') }, apply };
  }
  return { q: { id: qs.id as 'float16' | 'bfloat16' }, apply };
}

/**
 * q, k and v as scored: RoPE on q (positions offset by Tk − Tq) and k, then the quantizer on
 * the roles it names. Matrices come back untouched (the same objects) where nothing applies.
 */
export function transformHeads(spec: JobSpec, heads: number, m: { q: Matrix; k: Matrix; v: Matrix }): { q: Matrix; k: Matrix; v: Matrix } {
  let { q, k, v } = m;
  const rope = ropeParams(spec, q.cols / heads, k.cols / heads);
  if (rope) {
    q = applyRope(q, heads, rope, k.rows - q.rows);
    k = applyRope(k, heads, rope, 0);
  }
  const qz = quantizer(spec);
  if (qz) {
    if (qz.apply.includes('q')) q = quantizeMatrix(q, heads, qz.q);
    if (qz.apply.includes('k')) k = quantizeMatrix(k, heads, qz.q);
    if (qz.apply.includes('v')) v = quantizeMatrix(v, heads, qz.q);
  }
  return { q, k, v };
}
