/**
 * The compute window's preload: its only job is to hand the page the MessagePort main sent
 * (src-main/electron/compute-window.ts). Under contextIsolation the preload's world cannot
 * share objects with the page, but it can transfer a port with window.postMessage; the
 * page (src-compute/main.ts) accepts one port, from its own window, once. Nothing else is
 * exposed: the compute page has no LabApi and no IPC of its own.
 */
import { ipcRenderer } from 'electron';

/** The same string as COMPUTE_PORT_MESSAGE in src-shared/engine-browser/protocol.ts (kept inline: the sandboxed preload bundles nothing it does not need). */
const COMPUTE_PORT = 'qklab:compute-port';

ipcRenderer.once(COMPUTE_PORT, (event) => {
  const send = () => window.postMessage(COMPUTE_PORT, window.location.origin, event.ports);
  if (document.readyState === 'complete') send();
  else window.addEventListener('load', send, { once: true });
});
