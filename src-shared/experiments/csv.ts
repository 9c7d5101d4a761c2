/**
 * An experiment's table as CSV (RFC 4180: CRLF line ends, fields with a comma, quote or
 * line break quoted) and its whole result as plain JSON (typed arrays become lists, −∞ and
 * NaN become null), with the number formats the tables use. The CLI's --out and the app's
 * exports write these.
 */
import type { ExperimentTable } from './module';
import { csvField } from '../csv';

export { csvField };

/** The shortest decimal that reads back to the same float32 (values computed by the engine). */
export function float32Text(x: number): string {
  if (!Number.isFinite(x)) return '';
  const f = Math.fround(x);
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return String(Number(s));
  }
  return String(f);
}

/** float64 values (means, timings): JavaScript's own shortest round-trip text. */
export function float64Text(x: number): string {
  return Number.isFinite(x) ? String(x) : '';
}

function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => cells.map((c) => (typeof c === 'number' ? String(c) : csvField(c))).join(',');
  return [line(header), ...rows.map(line)].join('\r\n') + '\r\n';
}

/** A token, or its index where there are no tokens. */
export const tokenOr = (tokens: string[] | null, i: number): string => (tokens && i < tokens.length ? tokens[i] : String(i));

/** An experiment's table as CSV. */
export function tableCsv(t: ExperimentTable): string {
  return table(t.header, t.rows);
}

/**
 * A result as plain JSON values: typed arrays become lists (float32 arrays as their shortest
 * decimals), non-finite numbers (a blocked score's −∞) become null.
 */
export function experimentJson(value: unknown): unknown {
  if (value instanceof Float32Array) return Array.from(value, (x) => (Number.isFinite(x) ? Number(float32Text(x)) : null));
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : null));
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map(experimentJson);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(value)) if (x !== undefined) out[k] = experimentJson(x);
    return out;
  }
  return value;
}
