/** The one window: hardened, sized as the user left it, loading only the app's own page. */
import { BrowserWindow, screen } from 'electron';
import { APP_ENTRY, hardenWebContents, webPreferences } from './security';
import { MIN_HEIGHT, MIN_WIDTH, readWindowState, writeWindowState, type WindowState } from './window-state';

export interface MainWindowOptions {
  preload: string;
  userDataDir: string;
  title: string;
  /** `electron-vite dev` only: the Vite dev server (a loopback URL) */
  devServerUrl?: string;
  backgroundColor?: string;
}

export async function createMainWindow(o: MainWindowOptions): Promise<BrowserWindow> {
  const displays = screen.getAllDisplays().map((d) => d.workArea);
  const state = await readWindowState(o.userDataDir, displays);
  const win = new BrowserWindow({
    title: o.title,
    width: state.width,
    height: state.height,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : { center: true }),
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    show: false,
    backgroundColor: o.backgroundColor ?? '#1e1f22',
    webPreferences: webPreferences(o.preload),
  });
  hardenWebContents(win.webContents);
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());

  // remember size and position (the normal bounds, so a maximised window restores sensibly)
  let saveTimer: ReturnType<typeof setTimeout> | null = null;
  const current = (): WindowState => ({ ...win.getNormalBounds(), maximized: win.isMaximized() });
  const save = () => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      saveTimer = null;
      if (!win.isDestroyed()) void writeWindowState(o.userDataDir, current()).catch(() => {});
    }, 500);
  };
  win.on('resize', save);
  win.on('move', save);
  win.on('close', () => {
    if (saveTimer) clearTimeout(saveTimer);
    void writeWindowState(o.userDataDir, current()).catch(() => {});
  });

  await win.loadURL(o.devServerUrl ?? APP_ENTRY);
  return win;
}
