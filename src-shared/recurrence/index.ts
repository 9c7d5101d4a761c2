export { implicitRows, type RowSink } from './rows';
export { scanRows, type ScanRows } from './scan';
export { recurrenceTile, DISTRIBUTION_TOLERANCE } from './tile';
export { featureMap, featureWidth, headBlock, logDecay, decayScale, EMPTY_DENOMINATOR } from './features';
