/**
 * A capture file as the panels' source (issue #17 part 3): opened, it becomes the JobSpec's
 * `capture: {path, layer}` in place of embeddings, projection and heads; the layer picker
 * changes the layer; a session restores it; the data panel's words describe it.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { SourceInfo } from '../../src-shared/api/lab-api';
import { provideLabApi } from '../../src-renderer/src/host';
import {
  buildJobSpec,
  captureOf,
  defaultConfig,
  describeCapture,
  emptySources,
  keySlot,
  querySlot,
  runShape,
  slotTokens,
  stateFromJob,
  type CaptureState,
} from '../../src-renderer/src/logic/jobspec';
import { useSourcesStore } from '../../src-renderer/src/stores/sources';
import { useJobStore } from '../../src-renderer/src/stores/job';
import { useExperimentsStore } from '../../src-renderer/src/stores/experiments';
import { FakeLabApi, sourceInfo } from './fake-lab-api';

const TOKENS = ['The', ' cat', ' sat', ' on', ' the', ' mat'];

function captureInfo(over: Partial<NonNullable<SourceInfo['capture']>> = {}): SourceInfo {
  const capture = { naming: 'transformer-lens' as const, layers: [0, 1], layer: 0, heads: 3, Tq: 6, Tk: 6, dHead: 8, dv: 8, pattern: true, ...over };
  return sourceInfo({
    id: 'cap',
    name: 'caps.safetensors',
    path: '/data/caps.safetensors',
    format: 'safetensors capture',
    dtype: 'F32',
    shape: [capture.Tk, capture.heads, capture.dHead],
    T: capture.Tk,
    d: capture.heads * capture.dHead,
    tokens: TOKENS.slice(0, capture.Tk),
    capture,
  });
}

function captureState(layer = 1, info = captureInfo()): CaptureState {
  return captureOf(info, layer)!;
}

describe('a capture in the JobSpec the panels build', () => {
  it('is `capture: {path, layer}`, with no embeddings, projection or heads (the capture gives them)', () => {
    const sources = { ...emptySources(), mode: 'capture' as const, capture: captureState(1) };
    const config = { ...defaultConfig(), heads: 4, masks: [] };
    const built = buildJobSpec(sources, config);
    expect(built.errors).toEqual({});
    expect(built.job).toMatchObject({ capture: { path: '/data/caps.safetensors', layer: 1 }, metric: { id: 'dot' } });
    expect(built.job).not.toHaveProperty('embeddings');
    expect(built.job).not.toHaveProperty('projection');
    expect(built.job).not.toHaveProperty('heads');
    expect(built.job!.outputs).toEqual(['weights', 'scores', 'entropy']);
  });

  it('capture mode without a file is an error naming `capture`; sinusoidal positions one naming `position`', () => {
    expect(buildJobSpec({ ...emptySources(), mode: 'capture' }, defaultConfig()).errors.capture).toMatch(/no capture file loaded/);
    const config = { ...defaultConfig(), position: { id: 'sinusoidal', values: {} } };
    const built = buildJobSpec({ ...emptySources(), mode: 'capture', capture: captureState(0) }, config);
    expect(built.job).toBeNull();
    expect(Object.keys(built.errors)).toEqual(['position']);
  });

  it('the keys are its positions and tokens; the queries its last Tq', () => {
    const sources = { ...emptySources(), mode: 'capture' as const, capture: captureState(0, captureInfo({ Tq: 2 })) };
    expect(slotTokens(keySlot(sources))).toEqual(TOKENS);
    expect(slotTokens(querySlot(sources))).toEqual([' the', ' mat']);
    expect(runShape(sources, defaultConfig())).toEqual({ Tq: 2, Tk: 6 });
    expect(runShape(sources, { ...defaultConfig(), transpose: true })).toEqual({ Tq: 6, Tk: 2 });
  });

  it('a layer the file does not hold starts at its first; a file without layers is no capture', () => {
    expect(captureOf(captureInfo(), 7)!.layer).toBe(0);
    expect(captureOf(captureInfo(), 1)!.layer).toBe(1);
    expect(captureOf(sourceInfo())).toBeNull();
  });

  it('the data panel says what the file holds', () => {
    expect(describeCapture(captureState(0))).toBe("safetensors capture · F32 · 2 layers (0–1) · 3 heads × 6 positions · d_head 8 · with the model's pattern");
    expect(describeCapture(captureState(5, captureInfo({ layers: [5], Tq: 2, pattern: false })))).toBe(
      "safetensors capture · F32 · 1 layer (5) · 3 heads × 2 queries × 6 keys · d_head 8 · without the model's pattern",
    );
  });
});

describe('a session with a capture', () => {
  it('restores the capture at its layer from the reopened file', () => {
    const restored = stateFromJob({ capture: { path: '/data/caps.safetensors', layer: 1 }, metric: { id: 'cosine' } }, [captureInfo()]);
    expect(restored.problems).toEqual([]);
    expect(restored.sources.mode).toBe('capture');
    expect(restored.sources.capture).toMatchObject({ layer: 1, info: { path: '/data/caps.safetensors' } });
    expect(buildJobSpec(restored.sources, restored.config).job).toMatchObject({ capture: { path: '/data/caps.safetensors', layer: 1 }, metric: { id: 'cosine' } });
  });

  it('keeps the heads a session listed (shown, sent back as they were) until "All heads"; heads past the file’s are dropped with a problem', async () => {
    const restored = stateFromJob({ capture: { path: '/data/caps.safetensors', layer: 1, heads: [2, 0] } }, [captureInfo()]);
    expect(restored.problems).toEqual([]);
    expect(restored.sources.capture).toMatchObject({ layer: 1, heads: [2, 0] });
    expect(describeCapture(restored.sources.capture!)).toMatch(/ · runs heads 2, 0$/);
    expect(buildJobSpec(restored.sources, restored.config).job?.capture).toEqual({ path: '/data/caps.safetensors', layer: 1, heads: [2, 0] });
    const past = stateFromJob({ capture: { path: '/data/caps.safetensors', layer: 1, heads: [1, 5] } }, [captureInfo()]);
    expect(past.problems).toEqual(['capture: caps.safetensors has 3 heads, no head 5: every head runs']);
    expect(past.sources.capture?.heads).toBeUndefined();

    provideLabApi(new FakeLabApi());
    setActivePinia(createPinia());
    const sources = useSourcesStore();
    sources.restore(restored.sources);
    sources.setLayer(0);
    expect(useJobStore().job?.capture).toEqual({ path: '/data/caps.safetensors', layer: 0, heads: [2, 0] });
    sources.runAllHeads();
    expect(useJobStore().job?.capture).toEqual({ path: '/data/caps.safetensors', layer: 0 });
  });

  it('says so when the file was not reopened, or no longer holds the layer', () => {
    expect(stateFromJob({ capture: { path: '/data/caps.safetensors', layer: 1 } }, []).problems).toEqual(['capture: the file /data/caps.safetensors was not reopened']);
    expect(stateFromJob({ capture: { path: '/data/caps.safetensors', layer: 3 } }, [captureInfo()]).problems).toEqual([
      'capture: caps.safetensors holds no layer 3 now (layer 0 is shown)',
    ]);
  });
});

describe('the sources store with a capture', () => {
  let api: FakeLabApi;
  beforeEach(() => {
    api = new FakeLabApi();
    provideLabApi(api);
    setActivePinia(createPinia());
  });

  it('opening a capture makes it the source at its first layer; the layer picker changes the JobSpec', async () => {
    api.openResult = captureInfo();
    const sources = useSourcesStore();
    const job = useJobStore();
    await sources.open();
    expect(sources.mode).toBe('capture');
    expect(sources.sampleId).toBeNull();
    expect(sources.keyTokens).toEqual(TOKENS);
    expect(job.job?.capture).toEqual({ path: '/data/caps.safetensors', layer: 0 });
    sources.setLayer(1);
    expect(job.job?.capture).toEqual({ path: '/data/caps.safetensors', layer: 1 });
    sources.setLayer(9);
    expect(job.job?.capture?.layer).toBe(1);
  });

  it('the other modes keep the capture to come back to; an embeddings file opened from capture mode goes to one set', async () => {
    api.openResult = captureInfo();
    const sources = useSourcesStore();
    await sources.open();
    sources.setMode('shared');
    expect(sources.state.embeddings?.kind).toBe('inline');
    sources.setMode('capture');
    expect(sources.mode).toBe('capture');
    api.openResult = sourceInfo();
    await sources.open();
    expect(sources.mode).toBe('shared');
    expect(sources.slots.embeddings).toMatchObject({ kind: 'file', info: { path: '/data/emb.npy' } });
    expect(sources.capture?.info.path).toBe('/data/caps.safetensors');
  });

  it('a layers × heads cell shows its layer: back to capture mode at that layer; a layer the file lacks changes nothing', async () => {
    api.openResult = captureInfo();
    const sources = useSourcesStore();
    await sources.open();
    sources.setMode('shared');
    expect(sources.showCaptureLayer(1)).toBe(true);
    expect(sources.mode).toBe('capture');
    expect(sources.capture?.layer).toBe(1);
    expect(sources.showCaptureLayer(4)).toBe(false);
    expect(sources.capture?.layer).toBe(1);
  });

  it('the layers experiment is blocked, with why, until the configuration reads a capture', async () => {
    const experiments = useExperimentsStore();
    expect(experiments.blocker('layers')).toMatch(/runs over a capture file/);
    expect(experiments.blocker('heads')).toBeNull();
    api.openResult = captureInfo();
    await useSourcesStore().open();
    expect(experiments.blocker('layers')).toBeNull();
  });

  it('capture mode is refused while no capture was opened', () => {
    const sources = useSourcesStore();
    sources.setMode('capture');
    expect(sources.mode).toBe('shared');
  });
});
