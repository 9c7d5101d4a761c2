/**
 * The one catalogue of score functions, masks and normalisers (SPEC.md §2–§4).
 * The JobSpec schema, the CLI's `qklab metrics`, the configuration form in the app and the
 * graph builder's dispatch all read this list; nothing else lists metric ids by hand.
 * Positions and quantizers (the transforms of q and k before scoring) live in transforms.ts,
 * recurrences (implicit attention, in place of a score function and normaliser) in recurrences.ts.
 */
import { POSITIONS, QUANTIZERS } from './transforms';
import { RECURRENCES } from './recurrences';
import { seed } from './params';

export type ParamKind =
  /** a real number; `min`/`max` bound it, `exclusiveMin` makes min strict */
  | 'number'
  | 'integer'
  | 'boolean'
  /** one of `choices`, or (with `allowNumber`) any finite number */
  | 'choice'
  /** a list of non-negative integers (positions, segment ids) */
  | 'integerList'
  /** a list of finite numbers (a diagonal) */
  | 'numberList'
  /** a list of [i, j] pairs */
  | 'edgeList'
  /** an inline 2-D array of numbers */
  | 'matrix'
  /** a file path (resolved against the JobSpec's folder) */
  | 'path'
  /** a list of distinct `choices` (a subset, e.g. quantize's apply) */
  | 'choiceList'
  /** one number, or a list of them (delta's β: one, or one per token); min/max bound each */
  | 'numberOrList'
  /** a matrix given inline ({"inline": [[…]]}) or in a file ({"path": "…"}) */
  | 'matrixSource';

export interface ParamSpec {
  name: string;
  kind: ParamKind;
  label: string;
  help: string;
  default?: number | boolean | string;
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  /**
   * a number ≥ min whose float32 constants would still overflow below this (1/τ, 1/(2τ²)):
   * refused with a message saying so. Data-dependent bounds (|q·k|/τ) are checked when the
   * job is resolved (src-shared/job/score-bounds.ts).
   */
  overflowBelow?: number;
  /** suggested slider range and whether the slider is logarithmic (UI hint only) */
  slider?: { min: number; max: number; log?: boolean };
  choices?: string[];
  allowNumber?: boolean;
  /** a `choice` that also takes a list of numbers instead of a word (ALiBi's slopes) */
  allowList?: boolean;
  /** shown only when another parameter has one of these values (UI hint only) */
  when?: { param: string; equals: Array<string | number | boolean> };
}

export type EntryKind = 'score' | 'mask' | 'normalizer' | 'position' | 'quantize' | 'recurrence';

export interface CatalogueEntry {
  kind: EntryKind;
  id: string;
  label: string;
  /** the formula as SPEC.md writes it */
  formula: string;
  help: string;
  params: ParamSpec[];
  /** score functions that compare q and k of different widths */
  allowsUnequalWidths?: boolean;
}

/**
 * The graph feeds 1/τ as a float32 (largest 3.4e38): τ below 1e-38 makes it infinite. Scores
 * fed 1/(2τ²) or 1/τ² (rbf, mahalanobis, euclidean) overflow below 1e-19. Above 1e38, τ is
 * past float32's range and every score is 0 already.
 */
const TAU_FLOOR = 1e-38;
const TAU_SQUARED_FLOOR = 1e-19;
/** numbers the graph feeds as float32 constants stay inside its range */
const FLOAT32_BOUND = 1e38;
/** integers compared with positions and counts: int32, as the masks store them */
const INT32_MAX = 2 ** 31 - 1;

const tau = (help = 'temperature: smaller is sharper', overflowBelow = TAU_FLOOR): ParamSpec => ({
  name: 'tau',
  kind: 'number',
  label: 'τ',
  help,
  default: 1,
  min: 0,
  exclusiveMin: true,
  overflowBelow,
  max: FLOAT32_BOUND,
  slider: { min: 0.01, max: 10, log: true },
});

export const SCORE_FUNCTIONS: CatalogueEntry[] = [
  {
    kind: 'score',
    id: 'dot',
    label: 'Scaled dot product',
    formula: 'c · q·k',
    help: 'Transformer attention; the 1/sqrt(d) scale keeps the softmax from collapsing as d grows',
    params: [
      {
        name: 'scale',
        kind: 'choice',
        label: 'scale c',
        help: '"sqrt_d" → 1/sqrt(d), "none" → 1, "tau" → 1/τ, or a number',
        choices: ['sqrt_d', 'none', 'tau'],
        allowNumber: true,
        min: -FLOAT32_BOUND,
        max: FLOAT32_BOUND,
        default: 'sqrt_d',
      },
      { ...tau('temperature, used when scale = "tau"'), when: { param: 'scale', equals: ['tau'] } },
    ],
  },
  {
    kind: 'score',
    id: 'cosine',
    label: 'Cosine',
    formula: '(q·k) / ((‖q‖+ε)(‖k‖+ε)) / τ',
    help: 'angle only: lengths are ignored',
    params: [tau()],
  },
  {
    kind: 'score',
    id: 'rbf',
    label: 'RBF (Gaussian)',
    formula: '−‖q−k‖² / (2τ²)',
    help: 'Gaussian kernel in log form: its softmax is the normalised kernel (Nadaraya–Watson)',
    params: [tau('bandwidth', TAU_SQUARED_FLOOR)],
  },
  {
    kind: 'score',
    id: 'laplacian',
    label: 'Laplacian (L1)',
    formula: '−‖q−k‖₁ / τ',
    help: 'Manhattan distance',
    params: [tau('bandwidth')],
  },
  {
    kind: 'score',
    id: 'euclidean',
    label: 'Euclidean (L2)',
    formula: '−‖q−k‖₂ / τ',
    help: 'negative Euclidean distance',
    params: [tau('bandwidth', TAU_SQUARED_FLOOR)],
  },
  {
    kind: 'score',
    id: 'mahalanobis',
    label: 'Mahalanobis',
    formula: '−(q−k)ᵀ M (q−k) / (2τ²)',
    help: 'distance under a symmetric PSD metric M; "whiten" uses the inverse covariance of the keys',
    params: [
      tau('bandwidth', TAU_SQUARED_FLOOR),
      {
        name: 'matrix',
        kind: 'choice',
        label: 'M',
        help: '"identity", "whiten", "diagonal" (give `diagonal`), "inline" (give `inline`) or "file" (give `path`)',
        choices: ['identity', 'whiten', 'diagonal', 'inline', 'file'],
        default: 'identity',
      },
      { name: 'diagonal', kind: 'numberList', label: 'diagonal', help: 'the diagonal of M (one value per compared dimension)', when: { param: 'matrix', equals: ['diagonal'] } },
      { name: 'inline', kind: 'matrix', label: 'M entries', help: 'M as a d×d array', when: { param: 'matrix', equals: ['inline'] } },
      { name: 'path', kind: 'path', label: 'M file', help: 'M from a .npy / .safetensors / .json file (d×d, or H×d×d per head)', when: { param: 'matrix', equals: ['file'] } },
    ],
  },
  {
    kind: 'score',
    id: 'polynomial',
    label: 'Polynomial kernel',
    formula: '(a · q·k + r)^p',
    help: 'even p gives non-negative scores, usable with the kernel normaliser',
    params: [
      { name: 'a', kind: 'number', label: 'a', help: 'slope; default 1/d', min: -FLOAT32_BOUND, max: FLOAT32_BOUND, slider: { min: 0.001, max: 10, log: true } },
      { name: 'r', kind: 'number', label: 'r', help: 'offset', default: 1, min: -FLOAT32_BOUND, max: FLOAT32_BOUND, slider: { min: -5, max: 5 } },
      { name: 'p', kind: 'integer', label: 'p', help: 'degree (integer ≥ 1)', default: 2, min: 1, max: 16 },
      tau(),
    ],
  },
  {
    kind: 'score',
    id: 'bilinear',
    label: 'Bilinear (Luong general)',
    formula: 'qᵀ W k',
    help: 'a learned alignment W (dq × dk); random from a seed or from a file',
    allowsUnequalWidths: true,
    params: [seed('W'), { name: 'path', kind: 'path', label: 'W file', help: 'W from a file (dq×dk, or H×dq×dk per head)' }, tau()],
  },
  {
    kind: 'score',
    id: 'additive',
    label: 'Additive (Bahdanau)',
    formula: 'vᵀ tanh(Aq q + Ak k)',
    help: 'a one-hidden-layer alignment network; works with dq ≠ dk',
    allowsUnequalWidths: true,
    params: [{ name: 'hidden', kind: 'integer', label: 'hidden m', help: 'hidden width m', default: 16, min: 1, max: 1024 }, seed('Aq, Ak and v'), tau()],
  },
  {
    kind: 'score',
    id: 'ranknet',
    label: 'RankNet (pairwise MLP)',
    formula: 'uᵀ relu(W [q; k; q⊙k] + b) / τ',
    help: 'a seeded pairwise scoring network, as in learning to rank; needs dq = dk',
    params: [{ name: 'hidden', kind: 'integer', label: 'hidden m', help: 'hidden width m', default: 16, min: 1, max: 256 }, seed('W, b and u'), tau()],
  },
  {
    kind: 'score',
    id: 'gat',
    label: 'Graph attention (GAT)',
    formula: 'LeakyReLU_0.2(aqᵀ q + akᵀ k)',
    help: 'graph attention coefficient; pair it with a graph mask',
    allowsUnequalWidths: true,
    params: [seed('aq and ak'), tau()],
  },
  {
    kind: 'score',
    id: 'hamming',
    label: 'SimHash (Hamming)',
    formula: '(b − 2·hamming(sign(R q), sign(R k))) / (b·τ)',
    help: 'an LSH view of cosine: agreement of b random hyperplane signs',
    params: [{ name: 'bits', kind: 'integer', label: 'bits b', help: 'number of random hyperplanes', default: 16, min: 1, max: 1024 }, seed('hyperplanes R'), tau()],
  },
];

export const MASKS: CatalogueEntry[] = [
  { kind: 'mask', id: 'none', label: 'None', formula: 'all pairs', help: 'every key is visible', params: [] },
  {
    kind: 'mask',
    id: 'causal',
    label: 'Causal',
    formula: 'j ≤ i + offset',
    help: 'a query sees itself and the past; offset defaults to Tk − Tq (decoding views)',
    params: [{ name: 'offset', kind: 'integer', label: 'offset', help: 'default Tk − Tq', min: -INT32_MAX, max: INT32_MAX }],
  },
  {
    kind: 'mask',
    id: 'padding',
    label: 'Padding',
    formula: 'j not padded',
    help: 'padded keys are invisible to every query',
    params: [
      { name: 'positions', kind: 'integerList', label: 'positions', help: 'padded key positions' },
      { name: 'trailing', kind: 'integer', label: 'trailing', help: 'the last n keys are padding', min: 0, max: INT32_MAX },
    ],
  },
  {
    kind: 'mask',
    id: 'window',
    label: 'Sliding window',
    formula: '|i − j| ≤ w',
    help: 'local attention; with causal it becomes 0 ≤ i − j ≤ w',
    params: [{ name: 'size', kind: 'integer', label: 'w', help: 'half-width', default: 2, min: 0, max: INT32_MAX }],
  },
  {
    kind: 'mask',
    id: 'dilated',
    label: 'Dilated',
    formula: '(i − j) mod s = 0',
    help: 'every s-th key (strided attention)',
    params: [{ name: 'stride', kind: 'integer', label: 's', help: 'stride', default: 2, min: 1, max: INT32_MAX }],
  },
  {
    kind: 'mask',
    id: 'segments',
    label: 'Segments',
    formula: 'segment(i) = segment(j)',
    help: 'block-diagonal: a query sees keys of its own segment',
    params: [
      { name: 'size', kind: 'integer', label: 'block size', help: 'segments of this many consecutive positions', min: 1, max: INT32_MAX },
      { name: 'ids', kind: 'integerList', label: 'ids', help: 'a segment id per position (Tq = Tk)' },
      { name: 'queryIds', kind: 'integerList', label: 'query ids', help: 'a segment id per query' },
      { name: 'keyIds', kind: 'integerList', label: 'key ids', help: 'a segment id per key' },
    ],
  },
  {
    kind: 'mask',
    id: 'buckets',
    label: 'SimHash buckets',
    formula: 'bucket(q_i) = bucket(k_j)',
    help: 'Reformer-style LSH: only pairs hashed to the same bucket',
    params: [{ name: 'bits', kind: 'integer', label: 'bits', help: 'hash bits (2^bits buckets)', default: 4, min: 1, max: 64 }, seed('hyperplanes')],
  },
  {
    kind: 'mask',
    id: 'graph',
    label: 'Graph',
    formula: '(i, j) ∈ E',
    help: 'attention along the edges of a graph (GAT)',
    params: [
      { name: 'edges', kind: 'edgeList', label: 'edges', help: 'edge list [[i, j], …]' },
      { name: 'adjacency', kind: 'matrix', label: 'adjacency', help: 'Tq×Tk 0/1 matrix' },
      { name: 'path', kind: 'path', label: 'file', help: 'adjacency matrix from a file' },
      { name: 'directed', kind: 'boolean', label: 'directed', help: 'an edge (i, j) does not imply (j, i)', default: false },
      { name: 'selfLoops', kind: 'boolean', label: 'self loops', help: 'every position sees itself', default: true },
    ],
  },
  {
    kind: 'mask',
    id: 'topk',
    label: 'Top-k (hard k-NN)',
    formula: 'j among the k best scores of row i',
    help: 'keeps the k best-scoring visible keys; ties go to the lower index',
    params: [{ name: 'k', kind: 'integer', label: 'k', help: 'keys kept per row', default: 4, min: 1, max: INT32_MAX }],
  },
  {
    kind: 'mask',
    id: 'custom',
    label: 'Custom',
    formula: 'M_ij = 1',
    help: 'a Tq×Tk 0/1 matrix from a file or inline',
    params: [
      { name: 'matrix', kind: 'matrix', label: 'matrix', help: 'Tq×Tk 0/1 array' },
      { name: 'path', kind: 'path', label: 'file', help: '0/1 matrix from a file' },
    ],
  },
];

export const NORMALIZERS: CatalogueEntry[] = [
  {
    kind: 'normalizer',
    id: 'softmax',
    label: 'Softmax',
    formula: 'exp(s − max) / Σ exp(s − max)',
    help: 'the default; numerically stable',
    params: [],
  },
  {
    kind: 'normalizer',
    id: 'kernel',
    label: 'Kernel (Nadaraya–Watson)',
    formula: 's / Σ s',
    help: 'needs non-negative scores (e.g. polynomial with even p)',
    params: [],
  },
  {
    kind: 'normalizer',
    id: 'sparsemax',
    label: 'Sparsemax',
    formula: 'max(s − θ, 0), Σ = 1',
    help: 'Euclidean projection onto the simplex: exact zeros',
    params: [],
  },
  {
    kind: 'normalizer',
    id: 'rank',
    label: 'Rank (ordering only)',
    formula: 'exp(−r/τ) / Σ exp(−r/τ), r the rank of s in its row',
    help: 'weights from the order of the scores alone: any increasing transform of s leaves them unchanged',
    params: [tau('decay per rank: smaller puts more weight on the best keys')],
  },
  {
    kind: 'normalizer',
    id: 'sinkhorn',
    label: 'Sinkhorn (doubly stochastic)',
    formula: 'exp(s − max), then columns and rows normalised in turn',
    help: 'Sinkformer: rows sum to 1 and columns approach Tq/Tk; couples all rows of a head',
    params: [{ name: 'iterations', kind: 'integer', label: 'iterations', help: 'rounds of column then row normalisation', default: 20, min: 1, max: 200 }],
  },
];

export { POSITIONS, QUANTIZERS, RECURRENCES };

export const CATALOGUE: CatalogueEntry[] = [...SCORE_FUNCTIONS, ...MASKS, ...NORMALIZERS, ...POSITIONS, ...QUANTIZERS, ...RECURRENCES];

export function catalogueEntry(kind: EntryKind, id: string): CatalogueEntry | undefined {
  return CATALOGUE.find((e) => e.kind === kind && e.id === id);
}

export const SCORE_IDS = SCORE_FUNCTIONS.map((e) => e.id);
export const MASK_IDS = MASKS.map((e) => e.id);
export const NORMALIZER_IDS = NORMALIZERS.map((e) => e.id);
export const POSITION_IDS = POSITIONS.map((e) => e.id);
export const QUANTIZER_IDS = QUANTIZERS.map((e) => e.id);
export const RECURRENCE_IDS = RECURRENCES.map((e) => e.id);
