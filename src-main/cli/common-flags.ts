/**
 * What several CLI commands share when reading their arguments: common flags for their
 * `parseArgs` option tables, and the call itself.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** `parseArgs` over a command's arguments, positionals allowed (the JOB.json and the like). */
export function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  return parseArgs({ args, allowPositionals: true, options });
}

/** Options that take a value (`--name VALUE`), one per name, in the order given. */
export function stringFlags<K extends string>(...names: K[]): { [P in K]: { type: 'string' } } {
  return Object.fromEntries(names.map((name) => [name, { type: 'string' }])) as { [P in K]: { type: 'string' } };
}

/** A switch (`--name`, no value). */
export const SWITCH = { type: 'boolean' } as const;

/** The page size, theme and worker-pool flags of the commands that draw charts (export, experiment). */
export const RENDER_FLAGS = {
  ...stringFlags('width', 'height', 'theme', 'workers', 'threads'),
  debug: SWITCH,
};
