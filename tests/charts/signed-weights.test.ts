/**
 * A recurrence whose implicit matrix is signed (retention) draws its weights on a diverging
 * map centred at 0; one whose rows are distributions (linear, elu + 1) keeps the sequential
 * map. Results from the engine's own recurrence tiles.
 */
import { describe, expect, it } from 'vitest';
import { runProblemSingleThreaded } from '../../src-main/engine/tile-runner';
import { parseJobSpec } from '../../src-shared/job/spec';
import { resolveJob } from '../../src-shared/job/resolve';
import { headHeatmapInput, overviewInput } from '../../src-shared/charts/heatmap-input';
import { colourScale, effectiveColormap } from '../../src-shared/charts/heatmap-scale';
import { colormap } from '../../src-shared/charts/colormaps';

const vectors = Array.from({ length: 40 }, (_, i) => [Math.sin(i), Math.cos(0.7 * i), Math.sin(0.3 * i + 1), 0.5]);
const run = (recurrence: object, outputs = ['weights', 'entropy']) =>
  runProblemSingleThreaded(resolveJob(parseJobSpec({ embeddings: { inline: { vectors } }, recurrence, outputs })));
const view = { matrix: 'weights' as const, colormap: 'viridis', scale: 'linear' as const, head: 0 };

describe('signed weights', () => {
  it('retention: diverging, range ±max|A|, labelled signed', async () => {
    const r = await run({ id: 'retention', gamma: 0.9 });
    expect(r.distribution).toBe(false);
    const input = headHeatmapInput(r, { queries: null, keys: null }, view);
    expect(input.diverging).toBe(true);
    expect(colormap(effectiveColormap(input)).kind).toBe('diverging');
    const scale = colourScale(input);
    let m = 0;
    for (const x of r.weights!) m = Math.max(m, Math.abs(x));
    expect([scale.min, scale.max]).toEqual([-m, m]);
    expect(Math.min(...r.weights!)).toBeLessThan(0);
  });

  it('the pooled overview of a signed run is diverging too', async () => {
    const r = await run({ id: 'delta' }, ['entropy', 'overview']);
    const input = overviewInput({ result: r, tokens: { queries: null, keys: null } }, view)!;
    expect(input.diverging).toBe(true);
  });

  it('linear attention with elu + 1 is a distribution: the sequential map stays', async () => {
    const r = await run({ id: 'linear', feature: 'elu1' });
    expect(r.distribution).toBe(true);
    expect(headHeatmapInput(r, { queries: null, keys: null }, view).diverging).toBeUndefined();
  });
});
