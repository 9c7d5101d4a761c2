/** Pure ECharts option builders, shared by the Vue renderer and the headless exports. */
export * from './colormaps';
export * from './pool';
export * from './theme';
export * from './heatmap';
export { axisLabels, cellTokens, cellsToTokens, rangeLabel, spanOf, type AxisSpan } from './heatmap-axes';
export { overviewInput, runHeatmapInput, sharedRange, tileHeatmapInput, type RunView } from './heatmap-input';
export * from './heatmap-interact';
export * from './heatmap-image';
export * from './query-axis';
export * from './entropy';
export * from './compare';
export * from './caption';
export * from './token-view';
