/**
 * App-level commands: the native menu (LabApi.onMenuCommand), keyboard shortcuts, drag and
 * drop, export, and the dialogs (about, metrics reference). One dispatcher serves them all.
 */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import type { DataFormat, ExportPicture, HeatmapView, ImageFormat, MenuCommand } from '../../../src-shared/api/lab-api';
import { labApi } from '../host';
import { dropKind } from '../logic/drop';
import { errorText } from '../logic/errors';
import { matchShortcut, type AppAction, type KeyLike } from '../logic/shortcuts';
import { useJobStore } from './job';
import { useRunStore } from './run';
import { useSessionStore } from './session';
import { useSourcesStore } from './sources';
import { useViewStore } from './view';

export type Dialog = 'about' | 'metrics' | 'export' | null;

/** A menu command repeating a shortcut handled this recently is the same key press: ignored. */
export const ECHO_MS = 400;

/** An info notice (export written, …) goes away by itself after this long; errors stay until dismissed. */
export const INFO_NOTICE_MS = 8000;

/** What the Export dialog asks for; the quick export (toolbar, Ctrl+E, menu) uses the defaults. */
export interface ExportChoice {
  format: ImageFormat | DataFormat;
  /** PNG pixel ratio */
  scale?: number;
  /** print the configuration under the picture (default yes) */
  caption?: boolean;
  /** the colour scale of the picture (default: the view's) */
  colourScale?: HeatmapView['scale'];
  /** what a PNG or SVG shows (default: the focused head) */
  picture?: ExportPicture;
}

export const useAppStore = defineStore('app', () => {
  const dialog = ref<Dialog>(null);
  /** a short status message (export written, file dropped, …) */
  const notice = ref<{ kind: 'info' | 'error'; text: string } | null>(null);
  const info = ref<{ version: string; backend: string; workers: number } | null>(null);
  const exporting = ref(false);
  /** the export in flight: its id (for cancel) and how far it has got (0…1; null until it reports) */
  const exportProgress = ref<{ id: string; fraction: number | null } | null>(null);
  let exportCounter = 0;
  let lastShortcut: { action: AppAction; at: number } | null = null;

  let noticeTimer: ReturnType<typeof setTimeout> | null = null;
  watch(notice, (n) => {
    if (noticeTimer) clearTimeout(noticeTimer);
    noticeTimer = null;
    if (n?.kind === 'info') noticeTimer = setTimeout(() => notice.value === n && (notice.value = null), INFO_NOTICE_MS);
  });

  /** Export the shown run as asked (the Export dialog), or as PNG at the toolbar's scale. */
  async function exportRun(format: ImageFormat | DataFormat = 'png', scale?: number, choice: Omit<ExportChoice, 'format' | 'scale'> = {}): Promise<string | null> {
    const run = useRunStore();
    const view = useViewStore();
    const job = useJobStore();
    if (!run.reply) {
      notice.value = { kind: 'error', text: 'Nothing to export yet: no run has finished' };
      return null;
    }
    if (exporting.value) return null;
    exporting.value = true;
    const exportId = `export-${Date.now().toString(36)}-${++exportCounter}`;
    exportProgress.value = { id: exportId, fraction: null };
    const stop = labApi().onProgress((e) => {
      if (e.runId === exportId && exportProgress.value?.id === exportId) exportProgress.value = { id: exportId, fraction: e.fraction };
    });
    try {
      const heatmapView = { ...view.heatmapView, head: Math.min(view.head, run.reply.result.heads - 1) };
      if (choice.colourScale) heatmapView.scale = choice.colourScale;
      const path = await labApi().exportRun({
        runId: run.reply.runId,
        format,
        scale: format === 'png' ? (scale ?? view.exportScale) : undefined,
        view: heatmapView,
        caption: choice.caption === false ? undefined : job.caption,
        picture: format === 'png' || format === 'svg' ? choice.picture : undefined,
        exportId,
      });
      if (path) notice.value = { kind: 'info', text: `Exported ${path}` };
      if (path && dialog.value === 'export') dialog.value = null;
      return path;
    } catch (e) {
      const text = errorText(e);
      notice.value = /cancel/i.test(text) ? { kind: 'info', text: 'Export cancelled' } : { kind: 'error', text: `Export failed: ${text}` };
      return null;
    } finally {
      stop();
      exporting.value = false;
      exportProgress.value = null;
    }
  }

  /** Stop the export in flight (Esc, or its Cancel button). */
  async function cancelExport(): Promise<void> {
    const id = exportProgress.value?.id;
    if (id) await labApi().cancelJob({ runId: id });
  }

  /** Version, backend and workers (the status line shows the backend; About shows all). */
  async function loadInfo() {
    if (info.value) return info.value;
    try {
      info.value = await labApi().appInfo();
    } catch {
      info.value = null;
    }
    return info.value;
  }

  async function openAbout() {
    dialog.value = 'about';
    await loadInfo();
  }

  async function perform(action: AppAction, format?: ImageFormat | DataFormat, scale?: number): Promise<void> {
    const sources = useSourcesStore();
    const session = useSessionStore();
    const run = useRunStore();
    const job = useJobStore();
    const view = useViewStore();
    switch (action) {
      case 'open-embeddings':
        await sources.open();
        return;
      case 'open-session':
        await session.open();
        return;
      case 'save-session':
        await session.save(false);
        return;
      case 'save-session-as':
        await session.save(true);
        return;
      case 'export-png':
        await exportRun(format ?? 'png', scale);
        return;
      case 'cancel-run':
        // Esc stops what is running: the export first, then a model's capture, then a dialog, then the run
        if (exporting.value) await cancelExport();
        else if (sources.capturing) await sources.cancelCapture();
        else if (dialog.value) dialog.value = null;
        else await run.cancel();
        return;
      case 'export-dialog':
        dialog.value = run.reply ? 'export' : null;
        if (!run.reply) notice.value = { kind: 'error', text: 'Nothing to export yet: no run has finished' };
        return;
      case 'run-now':
        await job.runNow();
        return;
      case 'toggle-theme':
        view.toggleTheme();
        return;
      case 'about':
        await openAbout();
        return;
      case 'metrics-reference':
        dialog.value = dialog.value === 'metrics' ? null : 'metrics';
        return;
    }
  }

  /** A keyboard event: performs its shortcut and returns true (the caller prevents the default). */
  function handleKey(e: KeyLike): boolean {
    const action = matchShortcut(e);
    if (!action) return false;
    lastShortcut = { action, at: Date.now() };
    void perform(action);
    return true;
  }

  /** A native menu command. */
  async function handleMenu(command: MenuCommand): Promise<void> {
    const session = useSessionStore();
    const sources = useSourcesStore();
    const action: AppAction | null = command.type === 'export' ? 'export-png' : command.type === 'open-recent' ? null : command.type;
    if (action && lastShortcut && lastShortcut.action === action && Date.now() - lastShortcut.at < ECHO_MS && (command.type !== 'export' || command.format === 'png')) {
      lastShortcut = null;
      return;
    }
    if (command.type === 'open-recent') {
      if (dropKind(command.path) === 'session') await session.open(command.path);
      else await sources.open(undefined, command.path);
      return;
    }
    if (command.type === 'export') {
      await perform('export-png', command.format, command.scale);
      return;
    }
    await perform(command.type);
  }

  /** Files dropped on the window: `.qklab` opens a session, anything else opens as embeddings. */
  async function dropFiles(files: File[]): Promise<void> {
    const sources = useSourcesStore();
    const session = useSessionStore();
    for (const file of files) {
      const path = labApi().pathForFile(file);
      if (!path) {
        notice.value = { kind: 'error', text: `Cannot open ${file.name}: its path on disk is not available` };
        continue;
      }
      if (dropKind(file.name) === 'session') await session.open(path);
      else await sources.open(undefined, path);
    }
  }

  function closeDialog() {
    dialog.value = null;
  }

  function dismissNotice() {
    notice.value = null;
  }

  return { dialog, notice, info, exporting, exportProgress, exportRun, cancelExport, perform, handleKey, handleMenu, dropFiles, loadInfo, openAbout, closeDialog, dismissNotice };
});
