/** Small pure statistics shared by the reference, the engine, the UI and the experiments. */
export { entropy, normalisedEntropy, effectiveNeighbours } from './entropy';
export { argmax } from './argmax';
export { topK, type TopK } from './topk';
export { jensenShannon, modelDivergence } from './divergence';
export { logSumExp } from './logsumexp';
export { pca2, principalPlane, projectOnto, type PrincipalPlane } from './pca';
