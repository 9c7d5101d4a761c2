/**
 * The one check of a token's characters, shared by every text and binary format and by the
 * inline tokens of a JobSpec: a token may not hold a control character (C0 — NUL, tab,
 * newline, ESC… —, DEL or C1). Tokens end up in tables, tooltips, terminals and exported
 * CSV: an ESC drives a terminal, a NUL cuts C strings, a newline breaks one-token-per-line
 * output. (A tab in a TSV or GloVe line separates fields, so it never reaches a token.)
 */

// eslint-disable-next-line no-control-regex -- finding control characters is this module's job
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const NAMES: Record<number, string> = { 0x00: 'NUL', 0x09: 'tab', 0x0a: 'line feed', 0x0d: 'carriage return', 0x1b: 'ESC', 0x7f: 'DEL' };

/** What is wrong with a token, or null. Names the character by code, never echoes the token. */
export function tokenProblem(token: string): string | null {
  const found = CONTROL.exec(token);
  if (!found) return null;
  const code = found[0].charCodeAt(0);
  const name = NAMES[code] ? ` (${NAMES[code]})` : '';
  return `the token holds the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}${name} at character ${found.index + 1}; tokens may not hold control characters`;
}
