/**
 * Errors in words, placed where they happened. A JobSpecError message starts with the
 * dotted field path (`metric.tau: expected a number > 0, got -1`); over Electron's IPC it
 * arrives wrapped ("Error invoking remote method 'run-job': JobSpecError: metric.tau: …").
 * `locateError` unwraps it and says which panel should show it.
 */

export type ErrorArea = 'data' | 'config' | 'run';

export interface LocatedError {
  /** dotted JobSpec path, or null when the message names no field */
  field: string | null;
  area: ErrorArea;
  /** the problem, without the field prefix */
  message: string;
  /** the whole message, for a tooltip or the status line */
  full: string;
}

const DATA_FIELDS = new Set(['embeddings', 'queries', 'keys', 'values']);
const CONFIG_FIELDS = new Set(['metric', 'mask', 'normalizer', 'transpose', 'heads', 'projection', 'outputs', 'topk', 'overview']);

/** The message of anything thrown, without IPC and class-name wrappers. */
export function errorText(error: unknown): string {
  let text = error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
  text = text.replace(/^Error invoking remote method '[^']*':\s*/, '');
  text = text.replace(/^(?:[A-Z][A-Za-z]*)?Error:\s*/, '');
  return text.trim();
}

export function areaOfField(field: string): ErrorArea {
  const top = field.split('.')[0];
  if (DATA_FIELDS.has(top)) return 'data';
  if (CONFIG_FIELDS.has(top)) return 'config';
  return 'run';
}

export function locateError(error: unknown): LocatedError {
  const full = errorText(error);
  const m = /^([A-Za-z]+(?:\.[A-Za-z0-9_]+)*):\s+([\s\S]*)$/.exec(full);
  if (m) {
    const top = m[1].split('.')[0];
    if (DATA_FIELDS.has(top) || CONFIG_FIELDS.has(top)) return { field: m[1], area: areaOfField(m[1]), message: m[2], full };
  }
  return { field: null, area: 'run', message: full, full };
}

/** Whether an error is the engine telling us a run was cancelled (not worth showing). */
export function isCancellation(error: unknown): boolean {
  const text = errorText(error);
  return (error instanceof Error && error.name === 'AbortError') || /\b(cancell?ed|aborted)\b/i.test(text);
}

/** The errors under a prefix: `errorsUnder(errors, 'mask.1')` → { size: '…' } (and '' for the entry). */
export function errorsUnder(errors: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(errors)) {
    if (field === prefix) out[''] = message;
    else if (field.startsWith(prefix + '.')) out[field.slice(prefix.length + 1)] = message;
  }
  return out;
}
