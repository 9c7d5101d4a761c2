/**
 * Sessions, what the earlier renderer dropped: main's warnings about a session's files
 * (shown in words, naming the file) and the "Embed embedding data in the session file"
 * choice that Save and Save As send.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { provideLabApi } from '../../src-renderer/src/host';
import { useSessionStore } from '../../src-renderer/src/stores/session';
import { useAppStore } from '../../src-renderer/src/stores/app';
import { fileFieldWords, sessionWarnings, sessionWarningText, warningsHeading } from '../../src-renderer/src/logic/session-warnings';
import type { SessionDoc } from '../../src-shared/api/lab-api';
import { FakeLabApi, sourceInfo } from './fake-lab-api';

let api: FakeLabApi;
beforeEach(() => {
  api = new FakeLabApi();
  provideLabApi(api);
  setActivePinia(createPinia());
});
afterEach(() => provideLabApi(null));

function sessionDoc(job: SessionDoc['job'], extra: Partial<SessionDoc> = {}): SessionDoc {
  return { format: 'qklab-session', version: 1, job, view: {}, files: [], savedAt: '2024-01-01T00:00:00Z', ...extra };
}

const CHANGED = 'emb.npy has changed since the session was saved (its sha256 differs): the numbers may not match the saved ones';

describe('session warnings', () => {
  it('open keeps the warnings main sends, in words that name the file; a save clears them', async () => {
    const info = sourceInfo();
    api.sessionToOpen = {
      path: '/s/a.qklab',
      session: sessionDoc({ embeddings: { path: info.path } }),
      sources: [info],
      warnings: [CHANGED, 'keys: k.npy: cannot open the file (ENOENT)', CHANGED, '  '],
    };
    const session = useSessionStore();
    expect(await session.open()).toBe(true);
    expect(session.message).toEqual({ kind: 'info', text: 'Opened /s/a.qklab' });
    expect(session.warnings).toEqual([CHANGED, 'k.npy (the keys file) could not be opened: it was not found (moved, renamed or deleted?)']);
    session.dismissWarnings();
    expect(session.warnings).toEqual([]);

    expect(await session.open()).toBe(true);
    expect(session.warnings).toHaveLength(2);
    await session.save();
    expect(session.warnings).toEqual([]);
  });

  it('a session opened without warnings shows none (and replaces earlier ones)', async () => {
    const info = sourceInfo();
    api.sessionToOpen = { path: '/s/a.qklab', session: sessionDoc({ embeddings: { path: info.path } }), sources: [info], warnings: [CHANGED] };
    const session = useSessionStore();
    await session.open();
    expect(session.warnings).toEqual([CHANGED]);
    api.sessionToOpen = { path: '/s/b.qklab', session: sessionDoc({ embeddings: { path: info.path } }), sources: [info] };
    await session.open();
    expect(session.warnings).toEqual([]);
  });

  it('a recovered session shows its warnings too', async () => {
    api.recovery = {
      session: sessionDoc({ embeddings: { path: '/data/gone.npy' } }),
      sources: [],
      warnings: ['embeddings: gone.npy: cannot open the file (ENOENT)'],
    };
    const session = useSessionStore();
    expect(await session.checkRecovery()).toBe(true);
    await session.restoreRecovery();
    expect(session.warnings).toEqual(['gone.npy (the embeddings file) could not be opened: it was not found (moved, renamed or deleted?)']);
  });

  it('puts field-prefixed warnings in words and leaves sentences alone', () => {
    expect(sessionWarningText(CHANGED)).toBe(CHANGED);
    expect(sessionWarningText('words.json was not found; using the copy embedded in the session')).toBe('words.json was not found; using the copy embedded in the session');
    expect(sessionWarningText('projection.q: wq.npy: cannot open the file (EACCES)')).toBe('wq.npy (the Wq projection file) could not be opened: permission to read it was denied');
    expect(sessionWarningText('mask.1.path: m.npy: cannot open the file (EWHATEVER)')).toBe("m.npy (mask 2's file) could not be opened: the system said EWHATEVER");
    expect(sessionWarningText('values: v.json: line 3, column 4: expected a number')).toBe('The values file: v.json: line 3, column 4: expected a number');
    expect(sessionWarningText('a.npy: byte 8: bad magic')).toBe('a.npy: byte 8: bad magic');
    expect(fileFieldWords('metric.path')).toBe("the score function's file");
    expect(fileFieldWords('heads')).toBeNull();
    expect(sessionWarnings(undefined)).toEqual([]);
    expect(warningsHeading(1)).toBe('Session warning:');
    expect(warningsHeading(3)).toBe('3 session warnings:');
  });
});

describe('embedding the data in the session file', () => {
  type SaveReq = { saveAs?: boolean; embedData?: boolean; path?: string };
  const last = () => api.saved.at(-1) as SaveReq;

  it('Save Session As… sends embedData when "Embed embedding data in the session file" is ticked', async () => {
    const app = useAppStore();
    const session = useSessionStore();
    await app.perform('save-session-as');
    expect(last()).toMatchObject({ saveAs: true, embedData: false });
    session.embedData = true;
    await app.perform('save-session-as');
    expect(last()).toMatchObject({ saveAs: true, embedData: true });
    expect(session.message?.text).toBe('Saved /out/session.qklab (with the embedding data)');
    // plain Save (Ctrl+S) follows the same choice
    await app.perform('save-session');
    expect(last()).toMatchObject({ saveAs: false, embedData: true, path: '/out/session.qklab' });
    session.embedData = false;
    await app.perform('save-session');
    expect(last()).toMatchObject({ embedData: false });
  });

  it('a session that carries its data keeps carrying it when saved again', async () => {
    const session = useSessionStore();
    api.sessionToOpen = {
      path: '/s/embedded.qklab',
      session: sessionDoc(
        { embeddings: { path: '/data/emb.npy' } },
        {
          embedded: {
            '/data/emb.npy': {
              tokens: ['a', 'b'],
              vectors: [
                [1, 0],
                [0, 1],
              ],
            },
          },
        },
      ),
      sources: [sourceInfo()],
    };
    await session.open();
    expect(session.embedData).toBe(true);
    await session.save();
    expect(last()).toMatchObject({ embedData: true });
    api.sessionToOpen = { path: '/s/plain.qklab', session: sessionDoc({ embeddings: { path: '/data/emb.npy' } }), sources: [sourceInfo()] };
    await session.open();
    expect(session.embedData).toBe(false);
  });
});
