/**
 * Model vs re-scored (issue #17 part 3): the capture's own pattern of the head in view as
 * the compare view's A, the lab's weights as B; the head's modelDivergence in words.
 * Inputs small enough to check by hand.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import { createPinia, setActivePinia } from 'pinia';
import type { ModelPatternReply, RunReply } from '../../src-shared/api/lab-api';
import type { JobSpec } from '../../src-shared/job/spec';
import { compareResults } from '../../src-shared/charts/compare';
import { provideLabApi } from '../../src-renderer/src/host';
import { hasModelPattern, modelAsRun, modelDivergenceText, modelHeadProblem } from '../../src-renderer/src/logic/model-compare';
import { useCompareStore } from '../../src-renderer/src/stores/compare';
import { useRunStore } from '../../src-renderer/src/stores/run';
import { useViewStore } from '../../src-renderer/src/stores/view';
import { FakeLabApi, replyOf, resultOf } from './fake-lab-api';

/** the lab's weights of every head: a causal 2×2 */
const LAB = [
  [1, 0],
  [0.25, 0.75],
];

function pattern(runId: string, head: number, rows: number[][], layer = 1): ModelPatternReply {
  return { runId, head, modelHead: head, layer, Tq: 2, Tk: 2, weights: Float32Array.from(rows.flat()) };
}

describe('the model pattern as a run', () => {
  it('fills the head it is of, and compares with B through the existing compare: equal rows, zero difference and divergence', () => {
    const b = replyOf('b', resultOf(LAB, 3));
    const a = modelAsRun(b, pattern('b', 2, LAB));
    expect(a.result).toMatchObject({ heads: 3, Tq: 2, Tk: 2 });
    expect(Array.from(a.result.weights!.subarray(8, 12))).toEqual([1, 0, 0.25, 0.75]);
    expect(Array.from(a.result.weights!.subarray(0, 8))).toEqual(new Array(8).fill(0));
    expect(a.tokens).toBe(b.tokens);
    // entropy of the row (0.25, 0.75) in nats, by hand
    expect(a.result.entropy[2 * 2 + 1]).toBeCloseTo(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)), 6);
    expect(a.result.argmax[2 * 2 + 1]).toBe(1);
    const c = compareResults(a.result, b.result, 2);
    expect(Array.from(c.diff)).toEqual([0, 0, 0, 0]);
    expect(Array.from(c.js)).toEqual([0, 0]);
  });

  it('a pattern that differs gives B − A and the per-row JS divergence, as computed by hand', () => {
    const b = replyOf('b', resultOf(LAB, 1));
    const a = modelAsRun(
      b,
      pattern('b', 0, [
        [0.5, 0.5],
        [0.25, 0.75],
      ]),
    );
    const c = compareResults(a.result, b.result, 0);
    expect(Array.from(c.diff)).toEqual([0.5, -0.5, 0, 0]);
    // JS((1,0), (½,½)) = ½·ln(1/¾) + ½·(½ ln(½/¾) + ½ ln(½/¼))
    const js = 0.5 * Math.log(4 / 3) + 0.5 * (0.5 * Math.log(2 / 3) + 0.5 * Math.log(2));
    expect(c.js[0]).toBeCloseTo(js, 6);
    expect(c.js[1]).toBe(0);
  });

  it('refuses a pattern of another shape or head', () => {
    const b = replyOf('b', resultOf(LAB, 1));
    expect(() => modelAsRun(b, { ...pattern('b', 0, LAB), Tq: 3 })).toThrow(/model's pattern is 3×2 and the run 2×2/);
    expect(() => modelAsRun(b, pattern('b', 1, LAB))).toThrow(/head 1 is past the run's 1 heads/);
  });

  it('says the head’s modelDivergence, and whether a run has a model pattern', () => {
    const r = resultOf(LAB, 2);
    expect(modelDivergenceText(r, 0)).toBeNull();
    expect(hasModelPattern(replyOf('x', r))).toBe(false);
    r.modelDivergence = [2.5e-8, null];
    expect(hasModelPattern(replyOf('x', r))).toBe(true);
    expect(modelDivergenceText(r, 0)).toBe('model vs lab · head 0: mean JS 2.5e-8 nats');
    expect(modelDivergenceText(r, 1)).toBe('model vs lab · head 1: every row is empty');
    expect(modelHeadProblem({ head: 0, modelHead: 0, layer: 1 }, 0)).toBeNull();
    expect(modelHeadProblem({ head: 0, modelHead: 0, layer: 1 }, 1)).toMatch(/A is the model's pattern of head 0/);
  });
});

describe('the compare store, model vs lab', () => {
  let api: FakeLabApi;
  beforeEach(() => {
    api = new FakeLabApi();
    provideLabApi(api);
    setActivePinia(createPinia());
    api.patternReply = (req) => pattern(req.runId, req.head, LAB);
  });

  async function finish(job: JobSpec, heads = 3): Promise<RunReply> {
    const run = useRunStore();
    const p = run.runNow(job);
    const r = api.runs[api.runs.length - 1];
    const result = resultOf(LAB, heads);
    result.modelDivergence = new Array(heads).fill(0);
    r.resolve(replyOf(r.runId, result));
    return (await p)!;
  }

  it('pins the head in view as A; moving to another head or layer fetches that head, one head at a time', async () => {
    const compare = useCompareStore();
    const view = useViewStore();
    const reply = await finish({ capture: { path: '/c.safetensors', layer: 1 } });
    view.setHead(2);
    expect(await compare.pinModel()).toBe(true);
    expect(api.patterns).toEqual([{ runId: reply.runId, head: 2 }]);
    expect(compare.a?.model).toEqual({ head: 2, modelHead: 2, layer: 1 });
    expect(compare.a?.caption).toBe("the model's own pattern · layer 1 · head 2");
    expect(Array.from(compare.comparison!.js)).toEqual([0, 0]);

    view.setHead(0);
    expect(compare.problem).toMatch(/A is the model's pattern of head 2/);
    await nextTick();
    await Promise.resolve();
    expect(api.patterns.at(-1)).toEqual({ runId: reply.runId, head: 0 });
    expect(compare.a?.model?.head).toBe(0);
    expect(compare.problem).toBeNull();

    api.patternReply = (req) => pattern(req.runId, req.head, LAB, 0);
    const next = await finish({ capture: { path: '/c.safetensors', layer: 0 } });
    await nextTick();
    await Promise.resolve();
    expect(api.patterns.at(-1)).toEqual({ runId: next.runId, head: 0 });
    expect(compare.a?.model?.layer).toBe(0);
  });

  it('a pattern that cannot be read is the compare view’s problem, in words; pinning a run clears it', async () => {
    const compare = useCompareStore();
    await finish({ capture: { path: '/c.safetensors', layer: 1 } });
    api.patternReply = () => {
      throw new Error('modelPattern: runId: c.safetensors: layer 1 holds no model pattern');
    };
    compare.pin('A');
    expect(await compare.pinModel()).toBe(false);
    expect(compare.problem).toMatch(/Could not read the model's pattern: .*c\.safetensors: layer 1 holds no model pattern/);
    compare.pin('A');
    expect(compare.problem).toBeNull();
  });
});
