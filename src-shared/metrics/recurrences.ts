/**
 * The catalogue's recurrences (the design-space issue): linear-time models whose attention
 * is implicit. A JobSpec `recurrence` replaces `metric` and `normalizer`; the run's weights
 * are the implicit matrix A (causal, zero above the diagonal) and its output A·V, checked
 * against the model's own O(T) scan. Formulas: docs/semantics.md "Recurrences".
 */
import type { CatalogueEntry } from './catalogue';
import { seed } from './params';

/** (0, 1]: a decay, gate or step size */
const unitInterval = { min: 0, exclusiveMin: true, max: 1 } as const;

export const RECURRENCES: CatalogueEntry[] = [
  { kind: 'recurrence', id: 'none', label: 'None', formula: 'score function + normaliser', help: 'explicit attention: the Metric and Normaliser sections apply', params: [] },
  {
    kind: 'recurrence',
    id: 'linear',
    label: 'Linear attention',
    formula: 'A_ij = φ(q_i)·φ(k_j) / Σ_{l≤i} φ(q_i)·φ(k_l), j ≤ i',
    help: 'Katharopoulos et al. 2020: a feature map φ in place of exp; an O(T) scan over Σ φ(k)vᵀ',
    params: [
      {
        name: 'feature',
        kind: 'choice',
        label: 'feature map φ',
        help: 'elu1: elu(x) + 1; relu: max(x, 0); identity: x; favor: positive random features, an unbiased estimate of softmax (Choromanski et al. 2021)',
        choices: ['elu1', 'relu', 'identity', 'favor'],
        default: 'elu1',
      },
      {
        name: 'features',
        kind: 'integer',
        label: 'features m',
        help: 'favor: number of random features',
        default: 64,
        min: 1,
        max: 4096,
        when: { param: 'feature', equals: ['favor'] },
      },
      { ...seed('features Ω'), when: { param: 'feature', equals: ['favor'] } },
      { name: 'normalize', kind: 'boolean', label: 'normalise', help: 'divide by Σ_{l≤i} φ(q_i)·φ(k_l) (off: the numerator alone)', default: true },
    ],
  },
  {
    kind: 'recurrence',
    id: 'retention',
    label: 'Retention (RetNet)',
    formula: 'A_ij = (q_i·k_j/√d)·γ_h^(i−j), j ≤ i',
    help: 'Sun et al. 2023: a fixed exponential decay per head; signed weights',
    params: [
      {
        name: 'gamma',
        kind: 'choice',
        label: 'γ',
        help: 'decay per step in (0, 1], or "multiscale": γ_h = 1 − 2^(−5−h)',
        choices: ['multiscale'],
        allowNumber: true,
        default: 0.96,
        ...unitInterval,
      },
    ],
  },
  {
    kind: 'recurrence',
    id: 'selective',
    label: 'Selective (Mamba-2)',
    formula: 'A_ij = (q_i·k_j)·Π_{l=j+1..i} a_l, j ≤ i',
    help: 'Dao & Gu 2024 (state-space duality): data-dependent gates a_t ∈ (0, 1]; from a seed, a_t = σ(x_t·w_h + 3)',
    params: [
      {
        name: 'gates',
        kind: 'matrixSource',
        label: 'gates a_t',
        help: 'T values (all heads) or H × T, each in (0, 1]: {"inline": [[…]]} or {"path": "…"}; absent: drawn from the seed and the keys’ input rows',
      },
      seed('gate weights w_h'),
    ],
  },
  {
    kind: 'recurrence',
    id: 'delta',
    label: 'Delta rule (DeltaNet)',
    formula: 'A = (QKᵀ ⊙ M)·(I + diag(β)·tril(KKᵀ, −1))⁻¹·diag(β)',
    help: 'Schlag et al. 2021; Yang et al. 2024: S_t = S_{t−1} + β_t(v_t − S_{t−1}k_t)k_tᵀ; signed weights',
    params: [
      { name: 'beta', kind: 'numberOrList', label: 'β', help: 'step size in (0, 1]: one number, or one per token', default: 0.5, ...unitInterval },
      { name: 'normalizeKeys', kind: 'boolean', label: 'normalise keys', help: 'L2-normalise each key first (DeltaNet does)', default: true },
    ],
  },
];
