/**
 * An ONNX model opened in the app, as the renderer holds it (issue #17 part 3): Open… on a
 * model asks for a text (a tokenizer.json beside it) or token ids; Capture sends what was
 * typed, shows progress, and the capture becomes the source like an opened capture file; a
 * failure is shown on the model's card; Cancel and Esc stop it without an error.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { provideLabApi } from '../../src-renderer/src/host';
import { useSourcesStore } from '../../src-renderer/src/stores/sources';
import { useAppStore } from '../../src-renderer/src/stores/app';
import { useJobStore } from '../../src-renderer/src/stores/job';
import { captureProgress, captureRequestOf, modelInputKind, modelPrompt, modelState } from '../../src-renderer/src/logic/model-capture';
import type { ModelFileInfo, SourceInfo } from '../../src-shared/api/lab-api';
import { FakeLabApi, sourceInfo } from './fake-lab-api';

const WITH_TOKENIZER: ModelFileInfo = { name: 'hf.onnx', path: '/m/hf.onnx', model: { tokenizer: 'tokenizer.json' } };
const WITHOUT: ModelFileInfo = { name: 'hf.onnx', path: '/n/hf.onnx', model: { tokenizer: null } };

function captured(): SourceInfo {
  const capture = { naming: 'transformer-lens' as const, layers: [0, 1], layer: 0, heads: 4, Tq: 3, Tk: 3, dHead: 8, dv: 8, pattern: true };
  return sourceInfo({ id: 'src-9', name: 'hf-0123456789ab.safetensors', path: '/user/captures/hf-0123456789ab.safetensors', T: 3, d: 32, tokens: ['a', 'b', 'c'], capture });
}

let api: FakeLabApi;
beforeEach(() => {
  api = new FakeLabApi();
  provideLabApi(api);
  setActivePinia(createPinia());
});

describe('the model card’s words and request', () => {
  it('asks for a text with a tokenizer beside the model, else for ids; sends what was typed', () => {
    expect(modelInputKind(WITH_TOKENIZER)).toBe('text');
    expect(modelInputKind(WITHOUT)).toBe('ids');
    expect(modelPrompt(WITH_TOKENIZER)).toContain('the tokenizer.json beside it');
    expect(modelPrompt(WITHOUT)).toContain('type token ids');
    expect(captureRequestOf({ ...modelState(WITH_TOKENIZER), input: 'The cat' }, 'c-1')).toEqual({ path: '/m/hf.onnx', captureId: 'c-1', text: 'The cat' });
    expect(captureRequestOf({ ...modelState(WITHOUT), input: '1, 2 x' }, 'c-2')).toEqual({ path: '/n/hf.onnx', captureId: 'c-2', ids: '1, 2 x' });
    expect(captureProgress(modelState(WITHOUT))).toEqual({ percent: null, text: 'Capturing…' });
    expect(captureProgress({ ...modelState(WITHOUT), fraction: 0.456 })).toEqual({ percent: 46, text: 'Capturing 46%' });
  });
});

describe('the sources store with a model', () => {
  it('Open… on a model waits for its input; the capture becomes the source (capture mode, its path in the JobSpec)', async () => {
    api.openResult = WITH_TOKENIZER;
    const sources = useSourcesStore();
    expect(await sources.open()).toBeNull();
    expect(sources.model?.info).toEqual(WITH_TOKENIZER);
    expect(sources.mode).toBe('shared');
    expect(sources.canCapture).toBe(false);
    sources.setModelInput('   ');
    expect(sources.canCapture).toBe(false);
    sources.setModelInput('The cat');
    expect(sources.canCapture).toBe(true);
    const done = sources.captureModel();
    expect(sources.capturing).toBe(true);
    expect(sources.canCapture).toBe(false);
    const req = api.captures[0];
    expect(req).toMatchObject({ path: '/m/hf.onnx', text: 'The cat' });
    api.emitProgress({ runId: 'someone-else', stage: 'computing', fraction: 0.9 });
    api.emitProgress({ runId: req.captureId, stage: 'capturing', fraction: 0.5 });
    expect(sources.model?.fraction).toBe(0.5);
    req.resolve(captured());
    expect(await done).toMatchObject({ id: 'src-9' });
    expect(sources.model).toBeNull();
    expect(sources.mode).toBe('capture');
    expect(useJobStore().job?.capture).toEqual({ path: '/user/captures/hf-0123456789ab.safetensors', layer: 0 });
  });

  it('a failed capture shows its message on the card and keeps the input; the previous source stays', async () => {
    api.openResult = WITHOUT;
    const sources = useSourcesStore();
    await sources.open();
    sources.setModelInput('3, 99');
    const done = sources.captureModel();
    api.captures[0].reject(new Error('id 99 (position 1) is past the vocabulary of hf.onnx: 50 tokens, ids 0–49'));
    await done;
    expect(sources.model).toMatchObject({ input: '3, 99', captureId: null, error: 'id 99 (position 1) is past the vocabulary of hf.onnx: 50 tokens, ids 0–49' });
    expect(sources.sampleId).toBe('sentence');
    sources.setModelInput('3, 9');
    expect(sources.model?.error).toBeNull();
  });

  it('Esc cancels the capture in flight (cancelJob with its id): no error shown, the model stays to try again', async () => {
    api.openResult = WITHOUT;
    const sources = useSourcesStore();
    const app = useAppStore();
    await sources.open();
    sources.setModelInput('1 2 3');
    const done = sources.captureModel();
    const id = api.captures[0].captureId;
    expect(app.handleKey({ key: 'Escape', ctrlKey: false, metaKey: false, shiftKey: false, altKey: false })).toBe(true);
    await done;
    expect(api.cancelled).toEqual([id]);
    expect(sources.capturing).toBe(false);
    expect(sources.model).toMatchObject({ error: null, input: '1 2 3' });
    await sources.closeModel();
    expect(sources.model).toBeNull();
  });
});
