/** The main window's size and position, remembered in userDataDir/window-state.json. */
import { join } from 'node:path';
import { readJsonQuietly, writeFileAtomic } from '../service/durable-files';

export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1360, height: 860, maximized: false };
export const MIN_WIDTH = 800;
export const MIN_HEIGHT = 560;
export const WINDOW_STATE_FILE = 'window-state.json';

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/**
 * A stored state made safe to use: sizes clamped, and the position dropped (the window is
 * centred) unless the window's title bar lands on one of the current displays — a monitor
 * that was unplugged must not leave the window off screen.
 */
export function fitWindowState(stored: unknown, displays: Rect[]): WindowState {
  if (typeof stored !== 'object' || stored === null) return { ...DEFAULT_WINDOW_STATE };
  const s = stored as Record<string, unknown>;
  const width = finite(s.width) ? Math.max(MIN_WIDTH, Math.round(s.width)) : DEFAULT_WINDOW_STATE.width;
  const height = finite(s.height) ? Math.max(MIN_HEIGHT, Math.round(s.height)) : DEFAULT_WINDOW_STATE.height;
  const state: WindowState = { width, height, maximized: s.maximized === true };
  if (finite(s.x) && finite(s.y)) {
    const x = Math.round(s.x);
    const y = Math.round(s.y);
    // the top 40 px strip of the window (its title bar) must overlap a display by at least 100 px
    const visible = displays.some((d) => {
      const overlapX = Math.min(x + width, d.x + d.width) - Math.max(x, d.x);
      const overlapY = Math.min(y + 40, d.y + d.height) - Math.max(y, d.y);
      return overlapX >= 100 && overlapY > 0;
    });
    if (visible) {
      const display = displays.find((d) => x >= d.x && x < d.x + d.width) ?? displays[0];
      state.x = x;
      state.y = y;
      if (display) {
        state.width = Math.min(state.width, Math.max(MIN_WIDTH, display.width));
        state.height = Math.min(state.height, Math.max(MIN_HEIGHT, display.height));
      }
    }
  }
  return state;
}

export async function readWindowState(userDataDir: string, displays: Rect[]): Promise<WindowState> {
  return fitWindowState(await readJsonQuietly(join(userDataDir, WINDOW_STATE_FILE)), displays);
}

export async function writeWindowState(userDataDir: string, state: WindowState): Promise<void> {
  await writeFileAtomic(join(userDataDir, WINDOW_STATE_FILE), JSON.stringify(state) + '\n');
}
