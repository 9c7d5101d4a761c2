/**
 * Saving never leaves half a file: a child process saves a big session over and over and
 * is killed with SIGKILL while a write is under way (its temporary file is on disk and
 * incomplete); the session file is then still whole and parseable. Also: the session
 * text round-trips, and the app's small files are written the same atomic way.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WasmPool } from '../../src-main/engine/pool';
import { LabService } from '../../src-main/service/lab-service';
import { parseSessionText, readSessionFile, sessionText, writeFileAtomic } from '../../src-main/service/session-file';
import type { SessionDoc } from '../../src-shared/api/lab-api';
import { ScriptedHost, tempDir } from './helpers';

const child = fileURLToPath(new URL('./children/save-loop.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/esm/index.mjs', import.meta.url));

interface Kill {
  /** the temporary file as the killed child left it */
  tmpText: string;
  rounds: number;
}

/** Start the saving child and SIGKILL it the moment one of its temporary files has data in it. */
function killMidWrite(target: string, userDataDir: string, rows: number): Promise<Kill> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', tsx, child, target, userDataDir, String(rows)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const dir = join(target, '..');
    const base = target.split(/[\\/]/).pop()!;
    let rounds = 0;
    let stderr = '';
    let done = false;
    proc.stdout.on('data', (b: Buffer) => (rounds += (b.toString().match(/saving/g) ?? []).length));
    proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    proc.on('exit', (code, signal) => {
      if (!done) reject(new Error(`the child exited early (${code ?? signal}): ${stderr}`));
    });
    const poll = () => {
      if (done) return;
      if (rounds >= 1) {
        for (const name of readdirSync(dir)) {
          if (!name.startsWith(`.${base}.`) || !name.endsWith('.tmp')) continue;
          let tmpSize: number;
          try {
            tmpSize = statSync(join(dir, name)).size;
          } catch {
            continue; // renamed between readdir and stat
          }
          if (tmpSize === 0) continue;
          proc.kill('SIGKILL');
          done = true;
          proc.on('exit', () => {
            // the temporary file as it was when the process died (it cannot change any more)
            let tmpText = '';
            try {
              tmpText = readFileSync(join(dir, name), 'utf8');
            } catch {
              /* renamed just before the kill landed */
            }
            resolve({ tmpText, rounds });
          });
          return;
        }
      }
      setImmediate(poll);
    };
    poll();
    setTimeout(() => {
      if (!done) {
        done = true;
        proc.kill('SIGKILL');
        reject(new Error(`never saw a write in progress after ${rounds} rounds: ${stderr}`));
      }
    }, 90_000);
  });
}

describe('atomic session saves', () => {
  it('a SIGKILL in the middle of saving a big session leaves the previous file whole', { timeout: 180_000 }, async () => {
    const tmp = tempDir();
    try {
      const target = join(tmp.dir, 'big.qklab');
      const userDataDir = join(tmp.dir, 'user');
      // the session as it was before: saved by the app
      const pool = new WasmPool({ workers: 1 });
      const host = new ScriptedHost(userDataDir);
      const service = await LabService.create({ host, backend: pool });
      host.saves.push(target);
      await service.saveSession({ session: { job: { embeddings: { inline: { vectors: [[1, 2], [3, 4]] } } }, view: { round: 0 } }, saveAs: true });
      await service.close();
      await pool.close();

      const original = readFileSync(target, 'utf8');

      // kill the child while it writes, until one kill lands strictly inside a write (the
      // temporary file is not a whole document) rather than between its fsync and rename
      let partial: Kill | null = null;
      for (let attempt = 0; attempt < 5 && !partial; attempt++) {
        const kill = await killMidWrite(target, userDataDir, 4000);
        // whatever moment the kill hit, the session file is a complete, valid session:
        // the original, or one of the child's complete saves
        const text = readFileSync(target, 'utf8');
        const doc = parseSessionText(target, text);
        if (doc.view.round === 0) expect(text).toBe(original);
        else expect(doc.job.embeddings && 'inline' in doc.job.embeddings && doc.job.embeddings.inline.vectors.length).toBe(4000);
        let whole = true;
        try {
          JSON.parse(kill.tmpText);
        } catch {
          whole = false;
        }
        if (kill.tmpText.length > 0 && !whole) partial = kill;
      }
      expect(partial, 'no kill landed in the middle of a write').not.toBeNull();
      // the leftover temporary file is hidden, beside the target, and does not stop the next save
      const leftovers = readdirSync(tmp.dir).filter((n) => n.endsWith('.tmp'));
      expect(leftovers.length).toBeGreaterThan(0);
      expect(leftovers.every((n) => n.startsWith('.big.qklab.'))).toBe(true);
      await writeFileAtomic(target, sessionText(await readSessionFile(target)));
      await readSessionFile(target);
    } finally {
      tmp.cleanup();
    }
  });

  it('session text reads back to the same document, with vectors kept on one line', () => {
    const doc: SessionDoc = {
      format: 'qklab-session',
      version: 1,
      job: { embeddings: { inline: { tokens: ['a', 'b'], vectors: [[1.5, -2], [0, 1e-7]] } }, mask: [{ id: 'window', size: 2 }] },
      view: { nested: { list: [{ x: 1 }], empty: [], none: null } },
      files: [{ path: '/x/y.npy', sha256: 'ab' }],
      embedded: { '/x/y.npy': { tokens: null, vectors: [[1, 2]] } },
      savedAt: '2024-01-01T00:00:00.000Z',
    };
    const text = sessionText(doc);
    expect(parseSessionText('t.qklab', text)).toEqual(doc);
    expect(text).toContain('[1.5,-2]');
  });

  it('writeFileAtomic replaces a file whole and leaves no temporary file behind', async () => {
    const tmp = tempDir();
    try {
      const path = join(tmp.dir, 'x.json');
      await writeFileAtomic(path, 'one');
      await writeFileAtomic(path, 'two');
      expect(readFileSync(path, 'utf8')).toBe('two');
      expect(readdirSync(tmp.dir)).toEqual(['x.json']);
      await expect(writeFileAtomic(join(tmp.dir, 'missing', 'x.json'), 'z')).rejects.toThrow(/ENOENT/);
    } finally {
      tmp.cleanup();
    }
  });
});
