/** Kept for callers that import the pool's problem sharing from here; it lives in marshal.ts. */
export { shareProblem } from './marshal';
