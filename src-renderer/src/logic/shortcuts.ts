/**
 * The renderer's keyboard shortcuts, as a table a unit test can read. The native menu may
 * carry the same accelerators; the command dispatcher drops a menu command that repeats a
 * shortcut handled here a moment ago, so neither path fires twice.
 */

export type AppAction =
  | 'open-embeddings'
  | 'open-session'
  | 'save-session'
  | 'save-session-as'
  | 'export-png'
  | 'export-dialog'
  | 'cancel-run'
  | 'run-now'
  | 'toggle-theme'
  | 'about'
  | 'metrics-reference';

export interface Shortcut {
  /** KeyboardEvent.key, compared case-insensitively */
  key: string;
  /** Ctrl on Windows/Linux, Cmd on macOS */
  mod: boolean;
  shift?: boolean;
  action: AppAction;
  label: string;
}

export const SHORTCUTS: Shortcut[] = [
  { key: 'o', mod: true, action: 'open-embeddings', label: 'Ctrl+O' },
  { key: 'o', mod: true, shift: true, action: 'open-session', label: 'Ctrl+Shift+O' },
  { key: 's', mod: true, action: 'save-session', label: 'Ctrl+S' },
  { key: 's', mod: true, shift: true, action: 'save-session-as', label: 'Ctrl+Shift+S' },
  { key: 'e', mod: true, action: 'export-png', label: 'Ctrl+E' },
  { key: 'e', mod: true, shift: true, action: 'export-dialog', label: 'Ctrl+Shift+E' },
  { key: 'Escape', mod: false, action: 'cancel-run', label: 'Esc' },
  { key: 'Enter', mod: true, action: 'run-now', label: 'Ctrl+Enter' },
  // the native menu carries these two as well; in the page they work without it (a browser, the tests)
  { key: 'F1', mod: false, action: 'metrics-reference', label: 'F1' },
  { key: 'l', mod: true, shift: true, action: 'toggle-theme', label: 'Ctrl+Shift+L' },
];

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  shiftKey?: boolean;
  altKey?: boolean;
}

/** The action a key press asks for, or null. */
export function matchShortcut(e: KeyLike): AppAction | null {
  if (e.altKey) return null;
  const mod = !!(e.ctrlKey || e.metaKey);
  const shift = !!e.shiftKey;
  for (const s of SHORTCUTS) {
    if (s.key.toLowerCase() !== e.key.toLowerCase()) continue;
    if (s.mod !== mod) continue;
    // Escape, Enter and F1 ignore shift; letter shortcuts distinguish it
    if (s.key.length === 1 && !!s.shift !== shift) continue;
    return s.action;
  }
  return null;
}

export function shortcutLabel(action: AppAction): string | undefined {
  return SHORTCUTS.find((s) => s.action === action)?.label;
}
