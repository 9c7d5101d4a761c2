/** The Experiments tab's chart option builders (pure; EChart.vue mounts them). */
export * from './common';
export * from './scaling';
export * from './temperature';
export * from './compare';
export * from './geometry';
export * from './decoding';
export * from './knn';
