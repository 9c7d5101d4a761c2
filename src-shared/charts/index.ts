/** Pure ECharts option builders, shared by the Vue renderer and the headless exports. */
export * from './colormaps';
export * from './pool';
export * from './theme';
export * from './heatmap';
export * from './entropy';
export * from './compare';
export * from './caption';
