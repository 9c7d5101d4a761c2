import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { provideLabApi } from '../../src-renderer/src/host';
import { useSourcesStore } from '../../src-renderer/src/stores/sources';
import { useJobStore } from '../../src-renderer/src/stores/job';
import { FakeLabApi, sourceInfo } from './fake-lab-api';

let api: FakeLabApi;
beforeEach(() => {
  api = new FakeLabApi();
  provideLabApi(api);
  setActivePinia(createPinia());
});

describe('the sources store', () => {
  it('opens on the built-in sample sentence', () => {
    const sources = useSourcesStore();
    expect(sources.sampleId).toBe('sentence');
    expect(sources.keyTokens).toEqual(['the', 'cat', 'chased', 'the', 'mouse', 'across', 'the', 'kitchen']);
    sources.useSample('toy2d');
    expect(sources.mode).toBe('separate');
    expect(sources.queryTokens).toEqual(['q']);
    expect(sources.keyTokens).toEqual(['k1', 'k2', 'k3', 'k4', 'k5', 'k6']);
  });

  it('a vocabulary file asks for a sentence; the lookup picks tokens and reports out-of-vocabulary words', async () => {
    api.openResult = sourceInfo({ id: 'glove', name: 'glove.txt', path: '/g/glove.txt', vocabulary: true, tokens: null, T: 400000 });
    const sources = useSourcesStore();
    const job = useJobStore();
    await sources.open('embeddings');
    expect(job.job).toBeNull();
    expect(job.fieldErrors['embeddings.sentence']).toMatch(/vocabulary of 400,000 words/);
    await sources.lookup('embeddings', 'the zzz cat');
    const slot = sources.slots.embeddings;
    expect(slot?.kind === 'file' && slot.lookup?.outOfVocabulary).toEqual(['zzz']);
    expect(sources.keyTokens).toEqual(['the', 'cat']);
    expect(job.job?.embeddings).toEqual({ path: '/g/glove.txt', sentence: 'the zzz cat' });
  });

  it('separate mode starts from the shared set, and a q/k/v file loads its parts', async () => {
    const sources = useSourcesStore();
    sources.setMode('separate');
    expect(sources.keyTokens).toHaveLength(8);
    const opened: string[] = [];
    api.openEmbeddings = async (req) => {
      opened.push(`${req.path}#${req.part}`);
      return sourceInfo({ path: req.path!, part: req.part, parts: ['q', 'k', 'v'] });
    };
    await sources.openParts(sourceInfo({ path: '/d/qkv.json', parts: ['q', 'k', 'v'] }));
    expect(opened).toEqual(['/d/qkv.json#q', '/d/qkv.json#k', '/d/qkv.json#v']);
    expect(useJobStore().job).toMatchObject({ queries: { path: '/d/qkv.json', part: 'q' }, keys: { part: 'k' }, values: { part: 'v' } });
  });
});
