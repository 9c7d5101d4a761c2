/**
 * Which distance scores compute their [n, Tk] MatMul in float64 (see distance.ts). Against
 * the float64 reference at |x| ≤ 3, d ≤ 16 (tests/graph), float32 rbf and mahalanobis stay
 * within 3e-6 of the weights; euclidean's square root does not (7e-6 on self-attention's
 * zero diagonal, and worse as widths grow), so it pays for double.
 */
export const DISTANCE_FLOAT64: Readonly<Record<'rbf' | 'mahalanobis' | 'euclidean', boolean>> = Object.freeze({ rbf: false, mahalanobis: false, euclidean: true });
