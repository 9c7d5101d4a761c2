/** Option parsing shared by every `qklab` command, so each flag means and checks the same. */
export type Usage = (message: string) => Error;

/** A whole-number option ≥ min, or undefined when absent; anything else is a usage error naming it. */
export function wholeNumber(name: string, text: string | undefined, usage: Usage, min = 0): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw usage(`--${name} expects a whole number ≥ ${min}, got "${text}"`);
  return n;
}
