/**
 * The application menu as a template (a plain array: tests read it without Electron).
 * Every app item sends one MenuCommand to the renderer, which does the work through the
 * same LabApi calls its own buttons use; Edit and zoom items are Electron roles.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../src-shared/api/lab-api';

export interface MenuOptions {
  appName: string;
  /** sends a command to the renderer of the focused window */
  send: (command: MenuCommand) => void;
  recent: string[];
  isMac: boolean;
  /** adds Reload and Developer Tools (not in packaged builds) */
  dev?: boolean;
}

function item(label: string, command: MenuCommand, send: MenuOptions['send'], accelerator?: string): MenuItemConstructorOptions {
  return { label, click: () => send(command), ...(accelerator ? { accelerator } : {}) };
}

function fileName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

export function recentSubmenu(recent: string[], send: MenuOptions['send']): MenuItemConstructorOptions[] {
  if (recent.length === 0) return [{ label: 'No Recent Files', enabled: false }];
  return recent.map((path, i) => ({
    // the number is an access key; the full path goes in the tooltip-free label after the name
    label: `${i < 9 ? `&${i + 1} ` : ''}${fileName(path).replace(/&/g, '&&')} — ${path.replace(/&/g, '&&')}`,
    click: () => send({ type: 'open-recent', path }),
  }));
}

export function menuTemplate(o: MenuOptions): MenuItemConstructorOptions[] {
  const { send } = o;
  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      item('Open Embeddings…', { type: 'open-embeddings' }, send, 'CmdOrCtrl+O'),
      item('Open Session…', { type: 'open-session' }, send, 'CmdOrCtrl+Shift+O'),
      { label: 'Recent Files', submenu: recentSubmenu(o.recent, send) },
      { type: 'separator' },
      item('Save Session', { type: 'save-session' }, send, 'CmdOrCtrl+S'),
      item('Save Session As…', { type: 'save-session-as' }, send, 'CmdOrCtrl+Shift+S'),
      { type: 'separator' },
      {
        label: 'Export',
        submenu: [
          item('Heatmap PNG (1×)', { type: 'export', format: 'png', scale: 1 }, send, 'CmdOrCtrl+E'),
          item('Heatmap PNG (2×)', { type: 'export', format: 'png', scale: 2 }, send),
          item('Heatmap PNG (4×)', { type: 'export', format: 'png', scale: 4 }, send),
          item('Heatmap SVG', { type: 'export', format: 'svg' }, send),
          { type: 'separator' },
          item('Data CSV', { type: 'export', format: 'csv' }, send),
          item('Data NPY', { type: 'export', format: 'npy' }, send),
          item('Data JSON', { type: 'export', format: 'json' }, send),
        ],
      },
      ...(o.isMac ? [] : ([{ type: 'separator' }, { role: 'quit' }] as MenuItemConstructorOptions[])),
    ],
  };
  const edit: MenuItemConstructorOptions = {
    label: '&Edit',
    submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
  };
  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { role: 'resetZoom' },
      { type: 'separator' },
      item('Toggle Dark/Light', { type: 'toggle-theme' }, send, 'CmdOrCtrl+Shift+L'),
      { role: 'togglefullscreen' },
      ...(o.dev ? ([{ type: 'separator' }, { role: 'reload' }, { role: 'toggleDevTools' }] as MenuItemConstructorOptions[]) : []),
    ],
  };
  const help: MenuItemConstructorOptions = {
    role: 'help',
    label: '&Help',
    submenu: [item(`About ${o.appName}`, { type: 'about' }, send), item('Metrics Reference', { type: 'metrics-reference' }, send, 'F1')],
  };
  const mac: MenuItemConstructorOptions[] = o.isMac
    ? [
        {
          label: o.appName,
          submenu: [
            item(`About ${o.appName}`, { type: 'about' }, send),
            { type: 'separator' },
            { role: 'hide' },
            { role: 'hideOthers' },
            { role: 'unhide' },
            { type: 'separator' },
            { role: 'quit' },
          ],
        },
      ]
    : [];
  return [...mac, file, edit, view, help];
}
