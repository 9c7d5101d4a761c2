/**
 * The Electron main entry: wires the service (Electron-free) to a window, a menu, native
 * dialogs and IPC. Nothing here computes anything; every piece is in src-main/electron or
 * src-main/service where tests can read it.
 */
import { app, BrowserWindow, ipcMain, Menu, protocol, session } from 'electron';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { EVENTS } from '../src-shared/api/requests';
import type { MenuCommand } from '../src-shared/api/lab-api';
import { WebGpuBackend } from './engine/gpu-backend';
import type { EngineRouter } from './engine/router';
import { appEngine } from './engine/app-engine';
import { computeWindowConnector } from './electron/compute-window';
import { LabService } from './service/lab-service';
import { serviceOperations } from './service/dispatch';
import { ElectronHost } from './electron/dialogs';
import { registerIpc, isTrustedSender } from './electron/ipc';
import { createMainWindow } from './electron/main-window';
import { menuTemplate } from './electron/menu';
import { APP_SCHEME, hardenSession, hardenWebContents } from './electron/security';
import { APP_SCHEME_PRIVILEGES, appProtocolHandler } from './electron/protocol';

const APP_NAME = 'QK Lab';
const here = dirname(fileURLToPath(import.meta.url));
const rendererDir = join(here, '../renderer');
const preloadPath = join(here, '../preload/index.cjs');
const computePreloadPath = join(here, '../preload/compute.cjs');
// the Vite dev server, only in `electron-vite dev` (never in a packaged app)
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;

app.setName(APP_NAME);
app.enableSandbox();
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let win: BrowserWindow | null = null;
  let service: LabService | null = null;
  let engine: EngineRouter | null = null;

  const send = (command: MenuCommand) => {
    if (win && !win.isDestroyed()) win.webContents.send(EVENTS.menuCommand, command);
  };
  const setMenu = (recent: string[]) => {
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ appName: APP_NAME, send, recent, isMac: process.platform === 'darwin', dev: !app.isPackaged })));
  };

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  app
    .whenReady()
    .then(async () => {
      hardenSession(session.defaultSession, devServerUrl);
      protocol.handle(APP_SCHEME, appProtocolHandler(rendererDir));

      // CPU worker pool (native onnxruntime, or wasm) + WebGPU in a hidden compute window; the router picks per job
      engine = appEngine(new WebGpuBackend(computeWindowConnector({ preload: computePreloadPath }))).engine;
      service = await LabService.create({
        host: new ElectronHost(() => win, app.getPath('userData')),
        backend: engine,
        version: app.getVersion(),
        onProgress: (e) => {
          if (win && !win.isDestroyed()) win.webContents.send(EVENTS.progress, e);
        },
        onRecentChanged: setMenu,
      });
      registerIpc(ipcMain, serviceOperations(service), (event) => isTrustedSender(event, win?.webContents, devServerUrl));
      setMenu(await service.recentFiles());
      win = await createMainWindow({ preload: preloadPath, userDataDir: app.getPath('userData'), title: APP_NAME, devServerUrl });
      win.on('closed', () => {
        win = null;
        // the hidden compute window does not count: closing the app's window quits
        app.quit();
      });
      // probe WebGPU off the user's clock: until the compute window reports, `auto` runs on wasm
      void engine.gpu?.start();
    })
    .catch((err: Error) => {
      console.error(`QK Lab could not start: ${err.stack ?? err.message}`);
      app.exit(1);
    });

  // one window: closing it quits the app, on every platform
  app.on('window-all-closed', () => app.quit());

  // a clean exit: stop runs, finish the autosave, leave the clean-exit marker, stop the workers and the compute window
  let shuttingDown = false;
  app.on('before-quit', (event) => {
    if (shuttingDown) return;
    shuttingDown = true;
    event.preventDefault();
    void (async () => {
      try {
        await service?.close();
        await engine?.close();
      } finally {
        app.quit();
      }
    })();
  });
}
