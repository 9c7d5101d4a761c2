/**
 * Saving never leaves half a file. A child process (the real LabService) saving a big
 * session is killed with SIGKILL while its bytes are half written — made certain by pausing
 * the child inside the data write — and the session file is then exactly the previous one.
 * A second test kills a child saving over and over at varied moments: the file is always
 * one whole, parseable session. Also: session text round-trips; writeFileAtomic cleans up.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CpuPool } from '../../src-main/engine/pool';
import { LabService } from '../../src-main/service/lab-service';
import { parseSessionText, readSessionFile, sessionText } from '../../src-main/service/sessions/session-file';
import { writeFileAtomic } from '../../src-main/service/durable-files';
import type { SessionDoc } from '../../src-shared/api/lab-api';
import { ScriptedHost, tempDir } from './helpers';

const child = fileURLToPath(new URL('./children/save-loop.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/esm/index.mjs', import.meta.url));

/** Spawn the saving child (tests/service/children/save-loop.ts). */
function spawnSaver(target: string, userDataDir: string, rows: number, mode: 'loop' | 'pause') {
  const proc = spawn(process.execPath, ['--import', tsx, child, target, userDataDir, String(rows), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const until = (text: string, timeoutMs = 90_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the child never printed "${text}": ${stderr}`)), timeoutMs);
      const check = () => {
        if (stdout.includes(text)) {
          clearTimeout(timer);
          proc.stdout.off('data', check);
          resolve();
        }
      };
      proc.stdout.on('data', check);
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the child exited (${code ?? signal}) before printing "${text}": ${stderr}`));
      });
      check();
    });
  const kill = () =>
    new Promise<void>((resolve) => {
      proc.removeAllListeners('exit');
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  return { proc, until, kill, rounds: () => (stdout.match(/saving/g) ?? []).length };
}

/** A session saved by the app itself: the file the child will try to replace. */
async function saveOriginal(target: string, userDataDir: string): Promise<string> {
  const pool = new CpuPool({ workers: 1 });
  const host = new ScriptedHost(userDataDir);
  const service = await LabService.create({ host, backend: pool });
  host.saves.push(target);
  await service.saveSession({
    session: {
      job: {
        embeddings: {
          inline: {
            vectors: [
              [1, 2],
              [3, 4],
            ],
          },
        },
      },
      view: { round: 0 },
    },
    saveAs: true,
  });
  await service.close();
  await pool.close();
  return readFileSync(target, 'utf8');
}

describe('atomic session saves', () => {
  it('a SIGKILL in the middle of writing a big session leaves the previous file whole', { timeout: 120_000 }, async () => {
    const tmp = tempDir();
    try {
      const target = join(tmp.dir, 'big.qklab');
      const userDataDir = join(tmp.dir, 'user');
      const original = await saveOriginal(target, userDataDir);
      // the child stops halfway through writing the new session's bytes; then it is killed
      const saver = spawnSaver(target, userDataDir, 4000, 'pause');
      await saver.until('half-written');
      await saver.kill();
      // the session file is exactly what it was, and parses
      expect(readFileSync(target, 'utf8')).toBe(original);
      expect((await readSessionFile(target)).view).toEqual({ round: 0 });
      // the half-written bytes went to a hidden temporary file beside it, which is not a whole document
      const leftovers = readdirSync(tmp.dir).filter((n) => n.endsWith('.tmp'));
      expect(leftovers).toHaveLength(1);
      expect(leftovers[0].startsWith('.big.qklab.')).toBe(true);
      const partial = readFileSync(join(tmp.dir, leftovers[0]), 'utf8');
      expect(partial.length).toBeGreaterThan(1_000_000);
      expect(() => JSON.parse(partial)).toThrow();
      // and the leftover does not stop the next save
      await writeFileAtomic(target, sessionText(await readSessionFile(target)));
      await readSessionFile(target);
    } finally {
      tmp.cleanup();
    }
  });

  it('killed at arbitrary moments while saving over and over, the file is always one whole session', { timeout: 180_000 }, async () => {
    const tmp = tempDir();
    try {
      const target = join(tmp.dir, 'big.qklab');
      const userDataDir = join(tmp.dir, 'user');
      const original = await saveOriginal(target, userDataDir);
      for (let attempt = 0; attempt < 3; attempt++) {
        const saver = spawnSaver(target, userDataDir, 2000, 'loop');
        await saver.until(`saving ${attempt + 1}`);
        // somewhere inside the next save: parsing, writing, syncing or renaming
        await new Promise((r) => setTimeout(r, 30 + 70 * attempt));
        await saver.kill();
        const text = readFileSync(target, 'utf8');
        const doc = parseSessionText(target, text);
        if (doc.view.round === 0) expect(text).toBe(original);
        else expect(doc.job.embeddings && 'inline' in doc.job.embeddings && doc.job.embeddings.inline.vectors.length).toBe(2000);
      }
    } finally {
      tmp.cleanup();
    }
  });

  it('session text reads back to the same document, with vectors kept on one line', () => {
    const doc: SessionDoc = {
      format: 'qklab-session',
      version: 1,
      job: {
        embeddings: {
          inline: {
            tokens: ['a', 'b'],
            vectors: [
              [1.5, -2],
              [0, 1e-7],
            ],
          },
        },
        mask: [{ id: 'window', size: 2 }],
      },
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
