/**
 * The renderer's one door to the lab: the LabApi that the preload (in Electron) or the
 * end-to-end harness (in Chromium) installs as `window.qklab`. Stores read it through
 * `labApi()`, so a unit test can hand them a fake with `provideLabApi()` and nothing in a
 * component knows which host it runs in (cf. Netron's host object).
 */
import type { LabApi } from '../../src-shared/api/lab-api';

declare global {
  interface Window {
    qklab?: LabApi;
  }
}

export class MissingHostError extends Error {
  constructor() {
    super('QK Lab cannot reach its engine: window.qklab is missing. Start the app through Electron (the preload installs it) or through the test harness that provides a LabApi.');
    this.name = 'MissingHostError';
  }
}

let provided: LabApi | null = null;

/** Install the LabApi the stores use (tests pass a fake; `connectHost` passes window.qklab). */
export function provideLabApi(api: LabApi | null): void {
  provided = api;
}

/** The LabApi the stores use; throws MissingHostError when none was provided. */
export function labApi(): LabApi {
  if (!provided) throw new MissingHostError();
  return provided;
}

/** Whether a LabApi has been provided (the UI checks before calling). */
export function hasLabApi(): boolean {
  return provided !== null;
}

/** `window.qklab` as a LabApi; throws MissingHostError (shown on screen by main.ts) if absent. */
export function host(): LabApi {
  const api = typeof window !== 'undefined' ? window.qklab : undefined;
  if (!api || typeof api.runJob !== 'function') throw new MissingHostError();
  return api;
}

/** Read window.qklab and install it for the stores. */
export function connectHost(): LabApi {
  const api = host();
  provideLabApi(api);
  return api;
}

/** Replace the page with a readable message (used when there is no host at all). */
export function showFatal(root: HTMLElement, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  root.replaceChildren();
  const box = document.createElement('div');
  box.className = 'fatal';
  box.setAttribute('role', 'alert');
  box.setAttribute('data-testid', 'fatal-error');
  const title = document.createElement('h1');
  title.textContent = 'QK Lab could not start';
  const text = document.createElement('p');
  text.textContent = message;
  box.append(title, text);
  root.append(box);
}
