/**
 * The recent list (File ▸ Open Recent): the last sessions and files opened, kept in
 * userDataDir/recent.json with how each was opened. At start, an entry is granted again
 * only if the user opened it through a dialog or a drop: a file that a session named, or
 * an entry written by anything else, is not readable just because recent.json lists it.
 */
import { isAbsolute, join } from 'node:path';
import { readJsonQuietly, writeFileAtomic } from '../durable-files';
import type { Grant, PathAllowList } from '../sources/paths';

export const RECENT_FILE = 'recent.json';
export const MAX_RECENT = 10;

/** How the user opened a file that may be granted again at the next start. */
const CHOSEN_BY_USER: readonly Grant[] = ['dialog', 'drop'];

export interface RecentEntry {
  path: string;
  /** how the file was first put in the app's hands */
  via: Grant;
}

export class RecentFiles {
  private recent: RecentEntry[] = [];

  constructor(
    private readonly allow: PathAllowList,
    private readonly userDataDir: string,
    private readonly onChanged?: (paths: string[]) => void,
  ) {}

  private get file(): string {
    return join(this.userDataDir, RECENT_FILE);
  }

  /** Read the stored list; entries the user chose in a dialog or dropped are granted again ('recent'), the others dropped. */
  async load(): Promise<void> {
    const list = await readJsonQuietly(this.file);
    this.recent = (Array.isArray(list) ? (list as Partial<RecentEntry>[]) : [])
      .filter((e): e is RecentEntry => typeof e?.path === 'string' && isAbsolute(e.path) && !e.path.includes('\0') && CHOSEN_BY_USER.includes(e.via as Grant))
      .map((e) => ({ path: e.path, via: e.via }))
      .slice(0, MAX_RECENT);
    for (const e of this.recent) this.allow.allow(e.path, 'read', 'recent');
  }

  async recentFiles(): Promise<string[]> {
    return this.recent.map((e) => e.path);
  }

  /**
   * Put a file just opened or saved first. `via`: how it was granted now; a dialog or a
   * drop is recorded, anything else (reopened from this list, a session's own file) keeps
   * what the entry recorded before.
   */
  async add(path: string, via: Grant | null): Promise<void> {
    const earlier = this.recent.find((e) => e.path === path);
    const entry: RecentEntry = { path, via: via && CHOSEN_BY_USER.includes(via) ? via : (earlier?.via ?? via ?? 'internal') };
    this.recent = [entry, ...this.recent.filter((e) => e.path !== path)].slice(0, MAX_RECENT);
    try {
      await writeFileAtomic(this.file, JSON.stringify(this.recent, null, 1) + '\n');
    } catch {
      // the recent list is a convenience; failing to store it must not fail the open
    }
    this.onChanged?.(this.recent.map((e) => e.path));
  }
}
