/**
 * One catalogue, read everywhere: every score function and mask it lists can be validated,
 * resolved, built into an ONNX graph and computed by the reference — so adding an entry
 * without the code behind it fails here, not in a user's hands.
 */
import { describe, expect, it } from 'vitest';
import { CATALOGUE, MASKS, NORMALIZERS, SCORE_FUNCTIONS, SCORE_IDS } from '../../src-shared/metrics/catalogue';
import { parseJobSpec, type EntrySpec } from '../../src-shared/job/spec';
import { resolveJob } from '../../src-shared/job/resolve';
import { graphFor } from '../../src-shared/graph';
import { SCORE_GRAPHS } from '../../src-shared/graph/scores';
import { referenceAttention } from '../../src-shared/reference';
import { REFERENCE_SCORES } from '../../src-shared/reference/scores';
import { formatCatalogue } from '../../src-main/cli/metrics-text';

const vectors = [
  [1, 0, 0.5, 0.2],
  [0, 1, 0.1, 0.3],
  [0.4, 0.4, 1, 0],
  [0.2, 0.1, 0, 1],
];

/** The smallest valid parameters for entries whose parameters have no defaults. */
const REQUIRED: Record<string, Partial<EntrySpec>> = {
  padding: { trailing: 1 },
  segments: { size: 2 },
  graph: { edges: [[0, 1]] },
  custom: { matrix: vectors.map((_, i) => vectors.map((__, j) => (j <= i ? 1 : 0))) },
};

describe('the metric catalogue', () => {
  it('has unique ids per kind, a formula, help, and help for every parameter', () => {
    for (const kind of ['score', 'mask', 'normalizer']) {
      const ids = CATALOGUE.filter((e) => e.kind === kind).map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
    for (const e of CATALOGUE) {
      expect(e.formula.length, e.id).toBeGreaterThan(0);
      expect(e.help.length, e.id).toBeGreaterThan(0);
      for (const p of e.params) expect(p.help.length, `${e.id}.${p.name}`).toBeGreaterThan(0);
    }
  });

  it.each(SCORE_FUNCTIONS.map((e) => e.id))('score function %s validates, resolves, builds a graph and runs in the reference', (id) => {
    const spec = parseJobSpec({ embeddings: { inline: { vectors } }, metric: { id } });
    const problem = resolveJob(spec);
    expect(problem.metric.id).toBe(id);
    expect(graphFor(problem).model.length).toBeGreaterThan(0);
    const ref = referenceAttention(problem);
    for (let i = 0; i < 4; i++) expect(ref.weights.slice(i * 4, i * 4 + 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it.each(SCORE_IDS)('score function %s has a graph builder (graph/scores) and a reference function (reference/scores.ts)', (id) => {
    expect(Object.keys(SCORE_GRAPHS), `no graph builder for '${id}' in src-shared/graph/scores/index.ts`).toContain(id);
    expect(Object.keys(REFERENCE_SCORES), `no reference function for '${id}' in src-shared/reference/scores.ts`).toContain(id);
  });

  it('builds and references no score function that the catalogue does not list', () => {
    expect(Object.keys(SCORE_GRAPHS).sort()).toEqual([...SCORE_IDS].sort());
    expect(Object.keys(REFERENCE_SCORES).sort()).toEqual([...SCORE_IDS].sort());
  });

  it.each(MASKS.map((e) => e.id))('mask %s validates, resolves, builds a graph and runs in the reference', (id) => {
    const spec = parseJobSpec({ embeddings: { inline: { vectors } }, mask: [{ id, ...REQUIRED[id] }] });
    const problem = resolveJob(spec);
    expect(problem.masks.map((m) => m.id)).toEqual(id === 'none' ? [] : [id]);
    expect(graphFor(problem).model.length).toBeGreaterThan(0);
    expect(referenceAttention(problem).weights.length).toBe(16);
  });

  // polynomial with an even power: non-negative scores, which every normaliser (kernel too) accepts
  it.each(NORMALIZERS.map((e) => e.id))('normaliser %s validates, resolves, builds a graph and runs in the reference', (id) => {
    const spec = parseJobSpec({ embeddings: { inline: { vectors } }, metric: { id: 'polynomial', p: 2 }, normalizer: id });
    const problem = resolveJob(spec);
    expect(problem.normalizer).toBe(id);
    expect(graphFor(problem).model.length).toBeGreaterThan(0);
    const ref = referenceAttention(problem);
    for (let i = 0; i < 4; i++) expect(ref.weights.slice(i * 4, i * 4 + 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('qklab metrics lists every id of the catalogue', () => {
    const text = formatCatalogue(false);
    for (const e of CATALOGUE) expect(text).toContain(e.id);
    expect(JSON.parse(formatCatalogue(true)).scores.length).toBe(SCORE_FUNCTIONS.length);
  });
});
