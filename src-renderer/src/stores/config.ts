/**
 * The configuration panel's state: score function and its parameters, the mask stack,
 * positions and quantization, the normaliser, transpose, heads and projection. Parameters are kept as form values
 * (logic/form.ts); the JobSpec is built from them in stores/job.ts.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import {
  defaultConfig,
  maskEntry,
  normalizerEntry,
  transformEntry,
  moveMask as moveInStack,
  newMask,
  paddedPositions,
  scoreEntry,
  togglePadding as togglePaddingIn,
  type ConfigState,
  type EntryState,
  type MaskState,
  type ProjectionState,
  type TransformKind,
} from '../logic/jobspec';
import { defaultFormValues, type FormValue, type FormValues } from '../logic/form';
import { labApi } from '../host';
import { isModelFileInfo } from '../../../src-shared/api/lab-api';
import { errorText } from '../logic/errors';

export const useConfigStore = defineStore('config', () => {
  const initial = defaultConfig();
  const metric = ref<EntryState>(initial.metric);
  const masks = ref<MaskState[]>(initial.masks);
  const position = ref<EntryState>(initial.position);
  const quantize = ref<EntryState>(initial.quantize);
  const recurrence = ref<EntryState>(initial.recurrence);
  const transforms = { position, quantize, recurrence };
  const normalizer = ref<EntryState>(initial.normalizer);
  const transpose = ref(initial.transpose);
  const heads = ref<number | null>(initial.heads);
  const projection = ref<ProjectionState>(initial.projection);
  /** each score function's last values, so switching away and back keeps them */
  const memory: Record<string, FormValues> = {};

  const state = computed<ConfigState>(() => ({
    metric: metric.value,
    masks: masks.value,
    position: position.value,
    quantize: quantize.value,
    recurrence: recurrence.value,
    normalizer: normalizer.value,
    transpose: transpose.value,
    heads: heads.value,
    projection: projection.value,
  }));
  const padded = computed(() => paddedPositions(masks.value));

  function setMetric(id: string) {
    if (id === metric.value.id) return;
    const entry = scoreEntry(id);
    memory[metric.value.id] = { ...metric.value.values };
    metric.value = { id, values: { ...defaultFormValues(entry), ...(memory[id] ?? {}) } };
  }

  function setMetricValue(name: string, value: FormValue) {
    metric.value = { ...metric.value, values: { ...metric.value.values, [name]: value } };
  }

  /** The Position, Quantize or Recurrence section's choice (its parameters start at the catalogue's defaults). */
  function setTransform(kind: TransformKind, id: string) {
    if (id === transforms[kind].value.id) return;
    transforms[kind].value = { id, values: defaultFormValues(transformEntry(kind, id)) };
  }

  function setTransformValue(kind: TransformKind, name: string, value: FormValue) {
    const t = transforms[kind];
    t.value = { ...t.value, values: { ...t.value.values, [name]: value } };
  }

  function setNormalizer(id: string) {
    if (id !== normalizer.value.id) normalizer.value = { id, values: defaultFormValues(normalizerEntry(id)) };
  }

  function setNormalizerValue(name: string, value: FormValue) {
    normalizer.value = { ...normalizer.value, values: { ...normalizer.value.values, [name]: value } };
  }

  function addMask(id = 'causal') {
    masks.value = [...masks.value, newMask(id)];
  }

  function removeMask(index: number) {
    masks.value = masks.value.filter((_, i) => i !== index);
  }

  function moveMask(from: number, to: number) {
    masks.value = moveInStack(masks.value, from, to);
  }

  function setMaskId(index: number, id: string) {
    const entry = maskEntry(id);
    masks.value = masks.value.map((m, i) => (i === index ? { key: m.key, id, values: defaultFormValues(entry) } : m));
  }

  function setMaskValue(index: number, name: string, value: FormValue) {
    masks.value = masks.value.map((m, i) => (i === index ? { ...m, auto: false, values: { ...m.values, [name]: value } } : m));
  }

  /** The data panel's padding toggle for key position j. */
  function togglePadding(j: number) {
    masks.value = togglePaddingIn(masks.value, j);
  }

  function clearPadding() {
    masks.value = masks.value.filter((m) => !(m.id === 'padding' && m.auto));
    const i = masks.value.findIndex((m) => m.id === 'padding');
    if (i >= 0) setMaskValue(i, 'positions', '');
  }

  /** The keys changed (other data): padding toggled on the old tokens no longer applies. */
  function dropAutoPadding() {
    if (masks.value.some((m) => m.auto)) masks.value = masks.value.filter((m) => !m.auto);
  }

  function setProjection(patch: Partial<ProjectionState>) {
    projection.value = { ...projection.value, ...patch };
  }

  /** a path field's Browse… : the Open dialog of main (the file is read once to check it) */
  const browseError = ref<string | null>(null);
  async function browsePath(): Promise<string | null> {
    try {
      browseError.value = null;
      const info = await labApi().openEmbeddings({});
      if (info && isModelFileInfo(info)) throw new Error(`${info.name} is a model: a path field takes a matrix file (.npy, .safetensors, .json)`);
      return info ? info.path : null;
    } catch (e) {
      browseError.value = errorText(e);
      return null;
    }
  }

  function restore(next: ConfigState) {
    metric.value = next.metric;
    masks.value = next.masks;
    position.value = next.position;
    quantize.value = next.quantize;
    recurrence.value = next.recurrence;
    normalizer.value = next.normalizer;
    transpose.value = next.transpose;
    heads.value = next.heads;
    projection.value = next.projection;
  }

  function reset() {
    restore(defaultConfig());
  }

  return {
    metric,
    masks,
    position,
    quantize,
    recurrence,
    normalizer,
    setNormalizer,
    setNormalizerValue,
    transpose,
    heads,
    projection,
    state,
    setTransform,
    setTransformValue,
    padded,
    setMetric,
    setMetricValue,
    addMask,
    removeMask,
    moveMask,
    setMaskId,
    setMaskValue,
    togglePadding,
    clearPadding,
    dropAutoPadding,
    setProjection,
    browseError,
    browsePath,
    restore,
    reset,
  };
});
