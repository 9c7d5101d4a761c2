/** Parameter descriptions more than one catalogue list uses (catalogue.ts, recurrences.ts). */
import type { ParamSpec } from './catalogue';

/** A seed for the random matrices of an entry (`what` names them in the help). */
export const seed = (what: string): ParamSpec => ({
  name: 'seed',
  kind: 'integer',
  label: 'seed',
  help: `seed of the random ${what} (same seed, same numbers everywhere)`,
  default: 0,
  min: 0,
  max: 2 ** 32 - 1,
});
