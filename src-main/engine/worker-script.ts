/**
 * Where a worker thread's script is, for the three kinds of worker the main process starts
 * (the engine's pool, exports, model captures). From sources (tests, the bench, a dev
 * checkout) the caller's `.ts` module is booted through tsx by worker-boot.mjs; bundled
 * (electron-vite, the CLI build) the built worker lies beside the chunk the caller was bundled
 * into. `callerUrl` is the caller's own `import.meta.url`, `built` the built worker resolved
 * against it (written out at the call, where tests/electron/built-worker.test.ts finds it).
 */
export function workerScript(callerUrl: string, sourceEntry: string, built: URL): { url: URL; workerData?: unknown } {
  // (through a variable: a bundler would take `new URL('…', import.meta.url)` for an asset to emit)
  const here = import.meta.url;
  if (callerUrl.endsWith('.ts')) return { url: new URL('./worker-boot.mjs', here), workerData: { entry: new URL(sourceEntry, callerUrl).href } };
  return { url: built };
}
