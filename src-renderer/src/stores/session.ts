/**
 * Sessions: save / open `.qklab` files, autosave (debounced) for crash recovery, and the
 * recovery offer at start. Autosave starts only after the recovery offer is answered, so
 * the autosave of a crashed run is never overwritten before the user has seen it.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch, type WatchStopHandle } from 'vue';
import type { RecoveredSession, SessionDoc, SessionFiles, SourceInfo } from '../../../src-shared/api/lab-api';
import { labApi } from '../host';
import { debounce } from '../logic/debounce';
import { errorText } from '../logic/errors';
import { sessionWarnings, skippedFilesWarning } from '../logic/session-warnings';
import { stateFromJob, type SourceRole } from '../logic/jobspec';
import { useCompareStore } from './compare';
import { useConfigStore } from './config';
import { useJobStore } from './job';
import { useSourcesStore } from './sources';
import { useViewStore } from './view';

export const AUTOSAVE_MS = 1000;

export type SessionBody = Omit<SessionDoc, 'format' | 'version' | 'files' | 'savedAt'>;

export const useSessionStore = defineStore('session', () => {
  const job = useJobStore();
  const view = useViewStore();
  const sources = useSourcesStore();
  const config = useConfigStore();
  const compare = useCompareStore();

  /** the file this session was last saved to or opened from */
  const path = ref<string | null>(null);
  const savedAt = ref<string | null>(null);
  /** what the last save / open did, or went wrong, in words */
  const message = ref<{ kind: 'info' | 'error'; text: string } | null>(null);
  /**
   * what main said about the files of the session last opened or recovered (a file whose
   * sha256 changed since saving, one replaced by its embedded copy, …), in words
   */
  const warnings = ref<string[]>([]);
  /** Save and Save As embed the embedding data in the session file (the session then opens without its files) */
  const embedData = ref(false);
  /** an autosaved session left by a run that did not exit cleanly */
  const recovery = shallowRef<RecoveredSession | null>(null);
  /** files the session being opened names outside its folder, waiting for the user to read or skip them (SessionFilesDialog) */
  const outsideFiles = shallowRef<{ paths: string[]; answer: (read: boolean) => void } | null>(null);
  const autosaving = ref(false);
  const autosaveCount = ref(0);
  /** the last saved body's text, to tell whether there are unsaved changes */
  const savedText = ref<string | null>(null);

  const body = computed<SessionBody>(() => ({ job: job.job ?? job.draft, view: view.snapshot() }));
  const bodyText = computed(() => JSON.stringify(body.value));
  const dirty = computed(() => savedText.value !== null && savedText.value !== bodyText.value);

  /** Save (to the session's file, or where the Save dialog says); `embed` defaults to the "Embed embedding data" choice. */
  async function save(saveAs = false, embed: boolean = embedData.value): Promise<string | null> {
    try {
      const written = await labApi().saveSession({ session: body.value, path: saveAs ? undefined : (path.value ?? undefined), saveAs, embedData: embed });
      if (!written) return null;
      path.value = written;
      savedAt.value = new Date().toISOString();
      savedText.value = bodyText.value;
      // the file now records the files as they are: what was said about them no longer holds
      warnings.value = [];
      message.value = { kind: 'info', text: `Saved ${written}${embed ? ' (with the embedding data)' : ''}` };
      return written;
    } catch (e) {
      message.value = { kind: 'error', text: `Could not save the session: ${errorText(e)}` };
      return null;
    }
  }

  /** Put a session's JobSpec and view into the panels. */
  async function apply(session: SessionDoc, infos: SourceInfo[]): Promise<string[]> {
    const restored = stateFromJob(session.job, infos, session.embedded ?? {});
    sources.restore(restored.sources);
    config.restore(restored.config);
    view.restore(session.view ?? {});
    compare.clear();
    // vocabulary files: look the sentence up again to get the tokens back
    for (const role of ['embeddings', 'queries', 'keys', 'values'] as SourceRole[]) {
      const slot = restored.sources[role];
      if (slot && slot.kind === 'file' && slot.sentence) await sources.lookup(role, slot.sentence);
    }
    return restored.problems;
  }

  /**
   * Files a session names outside its folder are not read by opening it: ask the user, and
   * read the ones confirmed; skipped ones are named in a warning.
   */
  async function confirmOutside(paths: readonly string[] | undefined): Promise<SessionFiles> {
    if (!paths?.length) return { sources: [], warnings: [] };
    const read = await new Promise<boolean>((resolve) => (outsideFiles.value = { paths: [...paths], answer: resolve }));
    outsideFiles.value = null;
    if (!read) return { sources: [], warnings: [skippedFilesWarning(paths)] };
    try {
      return await labApi().grantSessionFiles({ paths: [...paths] });
    } catch (e) {
      return { sources: [], warnings: [`Could not read the files outside the session's folder: ${errorText(e)}`] };
    }
  }

  function answerOutside(read: boolean) {
    outsideFiles.value?.answer(read);
  }

  async function open(openPath?: string): Promise<boolean> {
    try {
      const opened = await labApi().openSession({ path: openPath });
      if (!opened) return false;
      const more = await confirmOutside(opened.outside);
      const problems = await apply(opened.session, [...opened.sources, ...more.sources]);
      path.value = opened.path;
      savedText.value = bodyText.value;
      warnings.value = sessionWarnings([...opened.warnings, ...more.warnings]);
      // a session that carries its data keeps carrying it when saved again
      embedData.value = Object.keys(opened.session.embedded ?? {}).length > 0;
      message.value = problems.length ? { kind: 'error', text: `Opened ${opened.path}, but: ${problems.join('; ')}` } : { kind: 'info', text: `Opened ${opened.path}` };
      return true;
    } catch (e) {
      message.value = { kind: 'error', text: `Could not open the session: ${errorText(e)}` };
      return false;
    }
  }

  let stopAutosave: WatchStopHandle | null = null;
  const autosaveSoon = debounce(async (session: SessionBody) => {
    autosaving.value = true;
    try {
      await labApi().autosave({ session });
      autosaveCount.value++;
    } catch {
      // autosave is best effort; a failure must never interrupt the user
    } finally {
      autosaving.value = false;
    }
  }, AUTOSAVE_MS);

  function startAutosave() {
    if (stopAutosave) return;
    stopAutosave = watch(bodyText, () => autosaveSoon(body.value));
  }

  function stopAutosaving() {
    stopAutosave?.();
    stopAutosave = null;
    autosaveSoon.cancel();
  }

  /** At start: ask main for a crashed run's autosave; autosave starts once that is answered. */
  async function checkRecovery(): Promise<boolean> {
    try {
      recovery.value = await labApi().recoverSession();
    } catch {
      recovery.value = null;
    }
    if (!recovery.value) startAutosave();
    return recovery.value !== null;
  }

  async function restoreRecovery(): Promise<void> {
    const r = recovery.value;
    recovery.value = null;
    if (r) {
      const more = await confirmOutside(r.outside);
      const problems = await apply(r.session, [...r.sources, ...more.sources]);
      warnings.value = sessionWarnings([...r.warnings, ...more.warnings]);
      message.value = problems.length
        ? { kind: 'error', text: `Recovered the unsaved session, but: ${problems.join('; ')}` }
        : { kind: 'info', text: 'Recovered the unsaved session' };
    }
    startAutosave();
  }

  function discardRecovery() {
    recovery.value = null;
    startAutosave();
  }

  function dismissMessage() {
    message.value = null;
  }

  function dismissWarnings() {
    warnings.value = [];
  }

  return {
    path,
    savedAt,
    message,
    warnings,
    embedData,
    recovery,
    outsideFiles,
    answerOutside,
    autosaving,
    autosaveCount,
    body,
    dirty,
    save,
    open,
    apply,
    startAutosave,
    stopAutosaving,
    checkRecovery,
    restoreRecovery,
    discardRecovery,
    dismissMessage,
    dismissWarnings,
  };
});
