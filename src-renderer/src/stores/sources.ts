/**
 * The data panel's state: which embeddings feed the queries, keys and values, and the
 * tokens they carry. Files are loaded in main (LabApi.openEmbeddings); the renderer keeps
 * only their SourceInfo. The default is the built-in sample sentence.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { isModelFileInfo, type SourceInfo } from '../../../src-shared/api/lab-api';
import { labApi } from '../host';
import { errorText, isCancellation } from '../logic/errors';
import { captureOf, keySlot, querySlot, slotTokens, type CaptureState, type SlotState, type SourceRole, type SourcesState } from '../logic/jobspec';
import { sample, type SampleData } from '../logic/samples';
import { captureRequestOf, modelState, type ModelState } from '../logic/model-capture';

type Slots = Record<SourceRole, SlotState | null>;

function sampleSlots(s: SampleData): { mode: SourcesState['mode']; slots: Slots } {
  if (s.embeddings) {
    return { mode: 'shared', slots: { embeddings: { kind: 'inline', name: s.label, data: s.embeddings }, queries: null, keys: null, values: null } };
  }
  return {
    mode: 'separate',
    slots: {
      embeddings: null,
      queries: s.queries ? { kind: 'inline', name: `${s.label} · queries`, data: s.queries } : null,
      keys: s.keys ? { kind: 'inline', name: `${s.label} · keys`, data: s.keys } : null,
      values: null,
    },
  };
}

export const useSourcesStore = defineStore('sources', () => {
  const initial = sampleSlots(sample('sentence'));
  const mode = ref<SourcesState['mode']>(initial.mode);
  const slots = ref<Slots>(initial.slots);
  /** the sample shown, or null once a file replaced it */
  const sampleId = ref<SampleData['id'] | null>('sentence');
  /** a file that failed to load (or a lookup that failed), per role, in words */
  const fileErrors = ref<Partial<Record<SourceRole, string>>>({});
  /** the role a file is being opened for */
  const loading = ref<SourceRole | null>(null);

  /** the capture file opened last: the source while the mode is "capture" */
  const capture = ref<CaptureState | null>(null);

  /** an ONNX model opened with Open…, waiting for its text or ids, or being captured (logic/model-capture.ts) */
  const model = ref<ModelState | null>(null);
  const capturing = computed(() => model.value?.captureId != null);
  /** Capture can start: a model is open, none is capturing, and something is typed */
  const canCapture = computed(() => model.value != null && !capturing.value && model.value.input.trim() !== '');
  let nextCapture = 1;

  const state = computed<SourcesState>(() => ({ mode: mode.value, capture: capture.value, ...slots.value }));
  const keyTokens = computed(() => slotTokens(keySlot(state.value)));
  const queryTokens = computed(() => slotTokens(querySlot(state.value)));

  function setSlot(role: SourceRole, slot: SlotState | null) {
    slots.value = { ...slots.value, [role]: slot };
  }

  function clearError(role: SourceRole) {
    const next = { ...fileErrors.value };
    delete next[role];
    fileErrors.value = next;
  }

  function useSample(id: SampleData['id']) {
    const s = sampleSlots(sample(id));
    mode.value = s.mode;
    slots.value = s.slots;
    sampleId.value = id;
    fileErrors.value = {};
  }

  function setMode(next: SourcesState['mode']) {
    if (next === mode.value) return;
    if (next === 'capture') {
      if (capture.value) mode.value = 'capture';
      return;
    }
    if (next === 'separate' && !slots.value.queries && !slots.value.keys && slots.value.embeddings) {
      // start the separate sources from what was shared
      slots.value = { ...slots.value, queries: slots.value.embeddings, keys: slots.value.embeddings };
    } else if (next === 'shared' && !slots.value.embeddings) {
      slots.value = { ...slots.value, embeddings: slots.value.keys ?? slots.value.queries };
    }
    mode.value = next;
  }

  /**
   * Open an embedding file for a role (the Open dialog when `path` is omitted). A failure
   * is shown on that role's row and the previous data stays. Returns the SourceInfo, or null
   * if the dialog was cancelled or the file could not be read.
   */
  async function open(role: SourceRole = mode.value === 'separate' ? 'keys' : 'embeddings', path?: string, part?: string): Promise<SourceInfo | null> {
    loading.value = role;
    try {
      const info = await labApi().openEmbeddings({ path, part });
      if (!info) return null;
      clearError(role);
      if (isModelFileInfo(info)) {
        // a model gives nothing yet: the data panel asks for its text or ids, then captureModel() makes it a capture
        if (capturing.value) await cancelCapture();
        model.value = modelState(info);
        return null;
      }
      const opened = captureOf(info);
      if (opened) {
        // a capture file gives q, k and v itself: it becomes the source, at its first layer
        capture.value = opened;
        mode.value = 'capture';
        sampleId.value = null;
        return info;
      }
      if (mode.value === 'capture') {
        // an embeddings file opened from the capture's card: back to one set
        mode.value = 'shared';
        role = 'embeddings';
      }
      setSlot(role, { kind: 'file', info, sentence: '', lookup: null });
      sampleId.value = null;
      return info;
    } catch (e) {
      fileErrors.value = { ...fileErrors.value, [role]: errorText(e) };
      return null;
    } finally {
      loading.value = null;
    }
  }

  function setModelInput(input: string) {
    if (model.value && !capturing.value) model.value = { ...model.value, input, error: null };
  }

  /**
   * Capture the model opened last on what was typed (in main, in a worker thread), with
   * progress; it then becomes the source exactly like an opened capture file. A failure is
   * shown on the model's card (the message names the model); a cancel shows nothing.
   */
  async function captureModel(): Promise<SourceInfo | null> {
    const m = model.value;
    if (!m || capturing.value) return null;
    const captureId = `capture-${nextCapture++}`;
    const request = captureRequestOf(m, captureId);
    model.value = { ...m, captureId, fraction: null, error: null };
    const mine = () => model.value?.captureId === captureId;
    const stop = labApi().onProgress((e) => {
      if (e.runId === captureId && mine()) model.value = { ...model.value!, fraction: e.fraction };
    });
    try {
      const info = await labApi().captureModel(request);
      if (!mine()) return null;
      const opened = captureOf(info);
      if (!opened) throw new Error(`${m.info.name}: the capture holds no attention layers`);
      model.value = null;
      capture.value = opened;
      mode.value = 'capture';
      sampleId.value = null;
      return info;
    } catch (e) {
      if (mine()) {
        // the user's own cancel shows no error
        model.value = { ...model.value!, captureId: null, fraction: null, error: isCancellation(e) ? null : errorText(e) };
      }
      return null;
    } finally {
      stop();
    }
  }

  /** Stop the capture in flight (its worker is terminated); the model stays, to try again. */
  async function cancelCapture(): Promise<void> {
    const id = model.value?.captureId;
    if (!id) return;
    model.value = { ...model.value!, captureId: null, fraction: null };
    await labApi().cancelJob({ runId: id });
  }

  /** Put the opened model away (cancelling its capture). */
  async function closeModel(): Promise<void> {
    await cancelCapture();
    model.value = null;
  }

  /** Load a JSON {q, k, v} (or any multi-part) file's parts as separate queries / keys / values. */
  async function openParts(info: SourceInfo): Promise<void> {
    const parts = info.parts ?? [];
    const pick = (name: string) => parts.find((p) => p.toLowerCase() === name);
    const plan: Array<[SourceRole, string | undefined]> = [
      ['queries', pick('q') ?? pick('queries')],
      ['keys', pick('k') ?? pick('keys')],
      ['values', pick('v') ?? pick('values')],
    ];
    mode.value = 'separate';
    for (const [role, part] of plan) if (part) await open(role, info.path, part);
  }

  /** Pick tokens from a vocabulary file by a sentence; out-of-vocabulary words are reported. */
  async function lookup(role: SourceRole, sentence: string): Promise<void> {
    const slot = slots.value[role];
    if (!slot || slot.kind !== 'file') return;
    const text = sentence.trim();
    if (!text) {
      setSlot(role, { ...slot, sentence: '', lookup: null });
      return;
    }
    try {
      const found = await labApi().lookupSentence({ sourceId: slot.info.id, sentence: text });
      clearError(role);
      const current = slots.value[role];
      if (current && current.kind === 'file' && current.info.id === slot.info.id) setSlot(role, { ...current, sentence: text, lookup: found });
    } catch (e) {
      fileErrors.value = { ...fileErrors.value, [role]: errorText(e) };
    }
  }

  /** The capture's layer to run (one the file holds). */
  function setLayer(layer: number) {
    const c = capture.value;
    if (c && c.info.capture.layers.includes(layer) && c.layer !== layer) capture.value = { ...c, layer };
  }

  /** Run every head of the capture again (a session may have listed some). */
  function runAllHeads() {
    const c = capture.value;
    if (c?.heads) {
      const { heads: _heads, ...rest } = c;
      void _heads;
      capture.value = rest;
    }
  }

  /** Show a layer of the capture (the layers × heads table's cell): back to capture mode, at that layer. Returns whether it could. */
  function showCaptureLayer(layer: number): boolean {
    const c = capture.value;
    if (!c || !c.info.capture.layers.includes(layer)) return false;
    mode.value = 'capture';
    setLayer(layer);
    return true;
  }

  function remove(role: SourceRole) {
    setSlot(role, null);
    clearError(role);
  }

  /** Replace everything (opening a session). */
  function restore(next: SourcesState) {
    mode.value = next.mode;
    capture.value = next.capture;
    slots.value = { embeddings: next.embeddings, queries: next.queries, keys: next.keys, values: next.values };
    sampleId.value = null;
    fileErrors.value = {};
  }

  return {
    mode,
    slots,
    capture,
    model,
    capturing,
    canCapture,
    setModelInput,
    captureModel,
    cancelCapture,
    closeModel,
    setLayer,
    runAllHeads,
    showCaptureLayer,
    sampleId,
    fileErrors,
    loading,
    state,
    keyTokens,
    queryTokens,
    useSample,
    setMode,
    open,
    openParts,
    lookup,
    remove,
    restore,
    clearError,
  };
});
