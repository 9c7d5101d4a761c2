/**
 * The JobSpec's `recurrence` → ResolvedRecurrence (docs/semantics.md "Recurrences"): its
 * parameters defaulted and checked against the run's sizes, favor's Ω and the selective
 * gates drawn from their seeds, the JobSpec fields a recurrence replaces refused by name.
 */
import { catalogueEntry } from '../metrics/catalogue';
import { gaussianMatrix } from '../random';
import type { Matrix } from '../linalg/matrix';
import { JobSpecError, type EntrySpec, type JobSpec } from './spec';
import type { PerHead, ResolvedRecurrence } from './problem';

function fail(field: string, problem: string): never {
  throw new JobSpecError(field, problem);
}

/** The JobSpec's recurrence, or null when it has none (absent, or {"id": "none"}). */
export function recurrenceSpec(spec: Pick<JobSpec, 'recurrence'>): EntrySpec | null {
  return spec.recurrence && spec.recurrence.id !== 'none' ? spec.recurrence : null;
}

/**
 * The fields a recurrence cannot be combined with, refused before any file is read: it
 * replaces the score function and normaliser, implies the causal mask, and has no scores
 * for ALiBi to bias.
 */
export function checkRecurrenceFields(spec: JobSpec): void {
  const rec = recurrenceSpec(spec);
  if (!rec) return;
  if (spec.metric) fail('recurrence', `${rec.id} replaces the score function: remove \`metric\`, or the recurrence`);
  if (spec.normalizer !== undefined) fail('recurrence', `${rec.id} replaces the normaliser: its weights are the implicit matrix A; remove \`normalizer\`, or the recurrence`);
  (spec.mask ?? []).forEach((m, i) => {
    if (m.id === 'causal' && (m.offset === undefined || m.offset === 0)) return;
    if (m.id === 'none') return;
    fail(
      `mask.${i}`,
      `a recurrence is causal by construction; only the causal mask (offset 0) is accepted, got ${m.id}${m.id === 'causal' ? ` with offset ${String(m.offset)}` : ''}`,
    );
  });
  if (spec.position?.id === 'alibi') fail('position', 'ALiBi biases scores, and a recurrence has none: use RoPE or sinusoidal positions');
}

export interface RecurrenceInputs {
  heads: number;
  T: number;
  /** per-head width of q and k */
  d: number;
  /** the rows that act as keys, before projection (the selective gates' x_t) */
  keyInput: Matrix;
}

/** Defaults and checks; also where the delta rule's keys get L2-normalised (`normalizeKeys`). */
export function resolveRecurrence(rec: EntrySpec, x: RecurrenceInputs, loadMatrix: (field: string, path: string) => Matrix): ResolvedRecurrence {
  const entry = catalogueEntry('recurrence', rec.id);
  if (!entry) fail('recurrence.id', `unknown recurrence "${rec.id}"`);
  const param = <T>(name: string): T => (rec[name] !== undefined ? rec[name] : entry.params.find((p) => p.name === name)?.default) as T;
  const { heads, T, d } = x;
  switch (rec.id) {
    case 'linear': {
      const feature = param<'elu1' | 'relu' | 'identity' | 'favor'>('feature');
      const normalize = param<boolean>('normalize');
      if (feature !== 'favor') return { id: 'linear', feature, normalize };
      const m = param<number>('features');
      const seed = param<number>('seed');
      const omega: PerHead = Array.from({ length: heads }, (_, h) => gaussianMatrix(seed, `favor/omega/head${h}`, m, d, 1));
      return { id: 'linear', feature, normalize, omega };
    }
    case 'retention': {
      const gamma = param<number | 'multiscale'>('gamma');
      const gammas = Array.from({ length: heads }, (_, h) => (gamma === 'multiscale' ? 1 - 2 ** (-5 - h) : gamma));
      return { id: 'retention', gammas };
    }
    case 'selective': {
      const given = rec.gates as { inline: number[][] } | { path: string } | undefined;
      if (given) return { id: 'selective', gates: givenGates(given, heads, T, loadMatrix) };
      const seed = param<number>('seed');
      const din = x.keyInput.cols;
      const gates: PerHead = Array.from({ length: heads }, (_, h) => {
        const w = gaussianMatrix(seed, `selective/w/head${h}`, 1, din, 1 / Math.sqrt(din));
        const a = new Float64Array(T);
        for (let t = 0; t < T; t++) {
          let z = 3;
          for (let c = 0; c < din; c++) z += x.keyInput.data[t * din + c] * w[c];
          a[t] = 1 / (1 + Math.exp(-z));
        }
        return a;
      });
      return { id: 'selective', gates };
    }
    case 'delta': {
      const b = param<number | number[]>('beta');
      if (Array.isArray(b) && b.length !== T) fail('recurrence.beta', `expected one β per token (${T}), got ${b.length}`);
      const beta = Array.isArray(b) ? Float64Array.from(b) : new Float64Array(T).fill(b);
      return { id: 'delta', beta };
    }
  }
  return fail('recurrence.id', `unknown recurrence "${rec.id}"`);
}

/** Gates given inline or in a file: T values (1×T or T×1, every head) or H×T, each in (0, 1]. */
function givenGates(given: { inline: number[][] } | { path: string }, heads: number, T: number, loadMatrix: (field: string, path: string) => Matrix): PerHead {
  const field = 'inline' in given ? 'recurrence.gates.inline' : 'recurrence.gates.path';
  let rows: number;
  let cols: number;
  let values: ArrayLike<number>;
  if ('inline' in given) {
    rows = given.inline.length;
    cols = given.inline[0].length;
    given.inline.forEach((r, i) => {
      if (r.length !== cols) fail(`${field}.${i}`, `expected ${cols} numbers like row 0, got ${r.length}`);
    });
    values = given.inline.flat();
  } else {
    const m = loadMatrix(field, given.path);
    ({ rows, cols } = m);
    values = m.data;
  }
  const where = 'inline' in given ? 'the inline gates' : given.path;
  let perHead: (h: number, t: number) => number;
  if ((rows === 1 && cols === T) || (cols === 1 && rows === T)) perHead = (_h, t) => values[t];
  else if (rows === heads && cols === T) perHead = (h, t) => values[h * T + t];
  else return fail(field, `${where}: ${rows}×${cols} values; expected ${T} gates (one per token, every head) or ${heads}×${T} (one row per head)`);
  return Array.from({ length: heads }, (_, h) => {
    const a = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      const g = perHead(h, t);
      if (!(g > 0 && g <= 1)) fail(field, `expected gates in (0, 1], got ${g} at ${heads > 1 && rows === heads ? `head ${h}, ` : ''}token ${t} of ${where}`);
      a[t] = g;
    }
    return a;
  });
}

/** The delta rule's keys, each row of each head scaled to unit length (a zero row stays zero). */
export function normalizeKeyRows(k: Matrix, heads: number): Matrix {
  const d = k.cols / heads;
  const out = Float32Array.from(k.data);
  for (let t = 0; t < k.rows; t++) {
    for (let h = 0; h < heads; h++) {
      const at = t * k.cols + h * d;
      let ss = 0;
      for (let c = 0; c < d; c++) ss += k.data[at + c] * k.data[at + c];
      if (ss === 0) continue;
      const inv = 1 / Math.sqrt(ss);
      for (let c = 0; c < d; c++) out[at + c] = k.data[at + c] * inv;
    }
  }
  return { rows: k.rows, cols: k.cols, data: out };
}
