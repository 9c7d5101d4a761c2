#!/usr/bin/env node
// `npm run bench [-- --quick]`: see bench/run.ts.
import { register } from 'tsx/esm/api';

register();
const { benchMain } = await import('../bench/run.ts');
await benchMain(process.argv.slice(2));
