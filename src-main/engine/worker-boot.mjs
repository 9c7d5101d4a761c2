// Worker entry when running from TypeScript sources (tests, CLI, bench): registers tsx so
// the worker can import its .ts module. The bundled app starts the built worker directly.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
