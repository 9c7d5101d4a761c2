/**
 * What several CLI commands share when reading their arguments: common flags for their
 * `parseArgs` option tables, and the call itself.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** `parseArgs` over a command's arguments, positionals allowed (the JOB.json and the like). */
export function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  return parseArgs({ args, allowPositionals: true, options });
}

/** The page size, theme and worker-pool flags of the commands that draw charts (export, experiment). */
export const RENDER_FLAGS = {
  width: { type: 'string' },
  height: { type: 'string' },
  theme: { type: 'string' },
  workers: { type: 'string' },
  threads: { type: 'string' },
  debug: { type: 'boolean' },
} as const;
