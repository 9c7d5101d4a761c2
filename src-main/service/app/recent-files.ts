/** The recent list (File ▸ Open Recent): the last sessions and files opened, kept in userDataDir. */
import { isAbsolute, join } from 'node:path';
import { readJsonQuietly, writeFileAtomic } from '../durable-files';
import type { PathAllowList } from '../sources/paths';

export const RECENT_FILE = 'recent.json';
export const MAX_RECENT = 10;

export class RecentFiles {
  private recent: string[] = [];

  constructor(
    private readonly allow: PathAllowList,
    private readonly userDataDir: string,
    private readonly onChanged?: (paths: string[]) => void,
  ) {}

  private get file(): string {
    return join(this.userDataDir, RECENT_FILE);
  }

  /** Read the stored list; each entry may be opened again (granted 'recent'). */
  async load(): Promise<void> {
    const list = await readJsonQuietly(this.file);
    this.recent = Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string' && isAbsolute(p) && !p.includes('\0')).slice(0, MAX_RECENT) : [];
    for (const p of this.recent) this.allow.allow(p, 'read', 'recent');
  }

  async recentFiles(): Promise<string[]> {
    return [...this.recent];
  }

  async add(path: string): Promise<void> {
    this.recent = [path, ...this.recent.filter((p) => p !== path)].slice(0, MAX_RECENT);
    this.allow.allow(path, 'read', 'recent');
    try {
      await writeFileAtomic(this.file, JSON.stringify(this.recent, null, 1) + '\n');
    } catch {
      // the recent list is a convenience; failing to store it must not fail the open
    }
    this.onChanged?.([...this.recent]);
  }
}
