/** Which distance scores compute their [n, Tk] MatMul in float64 (see distance.ts for why). */
export const DISTANCE_FLOAT64 = { rbf: false, mahalanobis: false, euclidean: true };
