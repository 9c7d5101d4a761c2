import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { nextTick } from 'vue';
import { provideLabApi } from '../../src-renderer/src/host';
import { AUTOSAVE_MS, useSessionStore } from '../../src-renderer/src/stores/session';
import { INFO_NOTICE_MS, useAppStore } from '../../src-renderer/src/stores/app';
import { useConfigStore } from '../../src-renderer/src/stores/config';
import { useJobStore } from '../../src-renderer/src/stores/job';
import { useRunStore } from '../../src-renderer/src/stores/run';
import { useSourcesStore } from '../../src-renderer/src/stores/sources';
import { useViewStore } from '../../src-renderer/src/stores/view';
import { startLab } from '../../src-renderer/src/boot';
import type { SessionDoc } from '../../src-shared/api/lab-api';
import { FakeLabApi, replyOf, resultOf, sourceInfo } from './fake-lab-api';

let api: FakeLabApi;
const flush = async () => {
  for (let i = 0; i < 8; i++) await Promise.resolve();
};

beforeEach(() => {
  vi.useFakeTimers();
  api = new FakeLabApi();
  provideLabApi(api);
  setActivePinia(createPinia());
});
afterEach(() => {
  vi.useRealTimers();
  provideLabApi(null);
});

function sessionDoc(job: SessionDoc['job'], view: Record<string, unknown> = {}): SessionDoc {
  return { format: 'qklab-session', version: 1, job, view, files: [], savedAt: '2024-01-01T00:00:00Z' };
}

describe('sessions', () => {
  it('save sends the JobSpec and the view; a second save goes to the same path', async () => {
    const session = useSessionStore();
    const path = await session.save();
    expect(path).toBe('/out/session.qklab');
    const req = api.saved[0] as { session: { job: { metric: unknown }; view: { theme: string } }; path?: string };
    expect(req.session.job.metric).toEqual({ id: 'dot', scale: 'sqrt_d' });
    expect(req.session.view.theme).toBe('light');
    expect(req.path).toBeUndefined();
    await session.save();
    expect((api.saved[1] as { path?: string }).path).toBe('/out/session.qklab');
    await session.save(true);
    expect((api.saved[2] as { path?: string; saveAs: boolean }).saveAs).toBe(true);
  });

  it('open restores sources, configuration and view', async () => {
    const info = sourceInfo();
    api.sessionToOpen = {
      path: '/s/a.qklab',
      session: sessionDoc({ embeddings: { path: info.path }, metric: { id: 'rbf', tau: 0.5 }, mask: [{ id: 'causal' }], heads: 2 }, { theme: 'dark', head: 1 }),
      sources: [info],
    };
    const session = useSessionStore();
    expect(await session.open()).toBe(true);
    const config = useConfigStore();
    expect(config.metric).toEqual({ id: 'rbf', values: { tau: 0.5 } });
    expect(config.masks.map((m) => m.id)).toEqual(['causal']);
    expect(useSourcesStore().slots.embeddings).toMatchObject({ kind: 'file', info: { path: '/data/emb.npy' } });
    expect(useViewStore().theme).toBe('dark');
    expect(useJobStore().job).toMatchObject({ embeddings: { path: '/data/emb.npy' }, heads: 2 });
    expect(session.path).toBe('/s/a.qklab');
    expect(session.dirty).toBe(false);
  });

  it('files outside the session folder wait for the user: read once confirmed, else named in a warning', async () => {
    const info = sourceInfo();
    const session = useSessionStore();
    for (const read of [true, false]) {
      api.sessionToOpen = { path: '/s/a.qklab', session: sessionDoc({ embeddings: { path: info.path }, metric: { id: 'dot' } }), sources: [], outside: [info.path] };
      api.granted = [];
      api.grantedFiles = { sources: [info], warnings: [] };
      const opening = session.open();
      await flush();
      // nothing is read until the user answers the dialog
      expect(session.outsideFiles?.paths).toEqual([info.path]);
      expect(api.granted).toEqual([]);
      session.answerOutside(read);
      expect(await opening).toBe(true);
      expect(session.outsideFiles).toBeNull();
      if (read) {
        expect(api.granted).toEqual([info.path]);
        expect(useSourcesStore().slots.embeddings).toMatchObject({ kind: 'file', info: { path: info.path } });
        expect(session.warnings).toEqual([]);
      } else {
        expect(api.granted).toEqual([]);
        expect(session.warnings).toEqual(["Not read: a file outside the session's folder (emb.npy); open it yourself to use it"]);
      }
    }
  });

  it('autosave is debounced, and waits until a recovery offer is answered', async () => {
    api.recovery = {
      session: sessionDoc({
        embeddings: {
          inline: {
            tokens: ['x', 'y'],
            vectors: [
              [1, 0],
              [0, 1],
            ],
          },
        },
        metric: { id: 'cosine', tau: 2 },
      }),
      sources: [],
    };
    const session = useSessionStore();
    expect(await session.checkRecovery()).toBe(true);
    useConfigStore().setMetric('rbf');
    await nextTick();
    vi.advanceTimersByTime(AUTOSAVE_MS * 3);
    await flush();
    expect(api.autosaves).toHaveLength(0);

    await session.restoreRecovery();
    expect(useConfigStore().metric).toEqual({ id: 'cosine', values: { tau: 2 } });
    expect(useSourcesStore().keyTokens).toEqual(['x', 'y']);
    const config = useConfigStore();
    config.setMetricValue('tau', 3);
    await nextTick();
    config.setMetricValue('tau', 4);
    await nextTick();
    vi.advanceTimersByTime(AUTOSAVE_MS);
    await flush();
    expect(api.autosaves).toHaveLength(1);
    expect((api.autosaves[0] as { session: { job: { metric: unknown } } }).session.job.metric).toEqual({ id: 'cosine', tau: 4 });
  });

  it('with nothing to recover, autosave starts at once', async () => {
    const session = useSessionStore();
    expect(await session.checkRecovery()).toBe(false);
    useViewStore().toggleTheme();
    await nextTick();
    vi.advanceTimersByTime(AUTOSAVE_MS);
    await flush();
    expect(api.autosaves).toHaveLength(1);
  });
});

describe('commands', () => {
  it('a bad file is reported on its row in words, and the data stays', async () => {
    api.openResult = new Error("Error invoking remote method 'lab:open-embeddings': bad.npy: byte 8: expected the magic string \\x93NUMPY");
    const sources = useSourcesStore();
    const before = sources.slots.embeddings;
    expect(await sources.open('embeddings', '/x/bad.npy')).toBeNull();
    expect(sources.fileErrors.embeddings).toBe('bad.npy: byte 8: expected the magic string \\x93NUMPY');
    expect(sources.slots.embeddings).toBe(before);
  });

  it('export sends the run, the current view and the caption', async () => {
    const app = useAppStore();
    expect(await app.exportRun()).toBeNull();
    expect(app.notice?.kind).toBe('error');
    const run = useRunStore();
    const p = run.runNow({ embeddings: { inline: { vectors: [[1]] } }, metric: { id: 'cosine', tau: 0.5 } });
    api.runs[0].resolve(replyOf(api.runs[0].runId, resultOf([[1]])));
    await p;
    useViewStore().matrix = 'scores';
    await app.exportRun('png', 4);
    expect(api.exports[0]).toEqual({
      runId: api.runs[0].runId,
      format: 'png',
      scale: 4,
      view: { matrix: 'scores', colormap: 'RdBu', scale: 'linear', head: 0 },
      caption: 'cosine τ=0.5 · no mask · softmax · 1 head · data inline (1 token)',
      exportId: expect.stringMatching(/^export-/),
    });
  });

  async function finishedRun() {
    const run = useRunStore();
    const p = run.runNow({ embeddings: { inline: { vectors: [[1]] } } });
    api.runs[0].resolve(replyOf(api.runs[0].runId, resultOf([[1]])));
    await p;
  }

  it('the Export dialog’s choices reach the request: caption off, log colour scale, SVG', async () => {
    const app = useAppStore();
    await finishedRun();
    await app.exportRun('svg', undefined, { caption: false, colourScale: 'log' });
    expect(api.exports[0]).toMatchObject({ format: 'svg', scale: undefined, caption: undefined, view: { scale: 'log' } });
  });

  it('an export shows its progress; Esc cancels the export (not the run), and says so', async () => {
    const app = useAppStore();
    await finishedRun();
    let finish!: (e: Error) => void;
    api.exportRun = async (req: unknown) => {
      api.exports.push(req);
      return new Promise<string>((_, reject) => (finish = reject));
    };
    const pending = app.exportRun('png', 2);
    await flush();
    const id = (api.exports[0] as { exportId: string }).exportId;
    expect(app.exporting).toBe(true);
    expect(app.exportProgress).toEqual({ id, fraction: null });
    api.emitProgress({ runId: id, stage: 'exporting', fraction: 0.5 });
    expect(app.exportProgress).toEqual({ id, fraction: 0.5 });
    expect(app.handleKey({ key: 'Escape' })).toBe(true);
    await flush();
    expect(api.cancelled).toEqual([id]);
    finish(new Error('the job was cancelled'));
    expect(await pending).toBeNull();
    expect(app.notice).toEqual({ kind: 'info', text: 'Export cancelled' });
    expect(app.exporting).toBe(false);
  });

  it('an info notice dismisses itself; an error stays until dismissed', async () => {
    const app = useAppStore();
    await finishedRun();
    await app.exportRun('png');
    expect(app.notice?.kind).toBe('info');
    await vi.advanceTimersByTimeAsync(INFO_NOTICE_MS + 10);
    expect(app.notice).toBeNull();
    app.notice = { kind: 'error', text: 'bad' };
    await vi.advanceTimersByTimeAsync(INFO_NOTICE_MS * 2);
    expect(app.notice).toEqual({ kind: 'error', text: 'bad' });
  });

  it('F1 opens the metrics reference and Ctrl+Shift+L switches the theme, in the page', async () => {
    const app = useAppStore();
    const view = useViewStore();
    const theme = view.theme;
    app.handleKey({ key: 'F1' });
    await flush();
    expect(app.dialog).toBe('metrics');
    app.handleKey({ key: 'L', ctrlKey: true, shiftKey: true });
    await flush();
    expect(view.theme).not.toBe(theme);
  });

  it('menu commands reach the stores; a menu echo of a shortcut is ignored', async () => {
    const app = useAppStore();
    const view = useViewStore();
    await app.handleMenu({ type: 'toggle-theme' });
    expect(view.theme).toBe('dark');
    await app.handleMenu({ type: 'metrics-reference' });
    expect(app.dialog).toBe('metrics');
    app.closeDialog();

    expect(app.handleKey({ key: 's', ctrlKey: true })).toBe(true);
    await flush();
    await app.handleMenu({ type: 'save-session' });
    await flush();
    expect(api.saved).toHaveLength(1);
  });

  it('Esc closes a dialog first, then cancels the run', async () => {
    const app = useAppStore();
    const run = useRunStore();
    void run.runNow({ embeddings: { inline: { vectors: [[1]] } } });
    await app.handleMenu({ type: 'about' });
    app.handleKey({ key: 'Escape' });
    await flush();
    expect(app.dialog).toBeNull();
    expect(run.busy).toBe(true);
    app.handleKey({ key: 'Escape' });
    await flush();
    expect(run.busy).toBe(false);
    expect(api.cancelled).toHaveLength(1);
  });

  it('dropped files open by kind: .qklab as a session, anything else as embeddings', async () => {
    const app = useAppStore();
    const opened: string[] = [];
    api.openEmbeddings = async (req: { path?: string }) => {
      opened.push(`emb:${req.path}`);
      return sourceInfo({ path: req.path! });
    };
    api.openSession = async (req: { path?: string }) => {
      opened.push(`session:${req.path}`);
      return null;
    };
    await app.dropFiles([{ name: 'vectors.npy' } as File, { name: 'work.qklab' } as File]);
    expect(opened).toEqual(['emb:/dropped/vectors.npy', 'session:/dropped/work.qklab']);
  });

  it('startLab runs the default sample and listens to the menu', async () => {
    const stop = startLab();
    await flush();
    vi.advanceTimersByTime(200);
    expect(api.runs).toHaveLength(1);
    expect(api.menuListeners.size).toBe(1);
    for (const l of api.menuListeners) l({ type: 'toggle-theme' });
    expect(useViewStore().theme).toBe('dark');
    stop();
    expect(api.menuListeners.size).toBe(0);
  });
});
