/**
 * How EChart.vue hands an option to ECharts. Each option the renderer builds describes the
 * whole chart for the current result, so it REPLACES what the chart holds:
 *
 * - `notMerge`: nothing of the previous option survives (no series, axis data or marks of
 *   an earlier run merged into the new one);
 * - `lazyUpdate: false`: the chart is updated (and its canvas flushed) inside setOption, in
 *   the same tick as the rest of the window shows the new run, not a frame later;
 * - no animation: even with notMerge, ECharts keeps a series' view when the new option has
 *   a series of the same name and type, and animates its bars from the old values to the
 *   new ones; bars for rows the last run did not have grow from zero. With a new result
 *   that animation IS the earlier run's bars on screen (300 ms to 1 s, or for as long as
 *   the window paints no frames) next to a heatmap that already shows the current run.
 *   A lab's charts show the numbers of the run on screen, never a frame in between.
 */

export const SET_OPTION_OPTS = { notMerge: true, lazyUpdate: false } as const;

/** The option as the chart gets it: the same, drawn at once (no transition from the previous option's values). */
export function replacingOption<T extends object>(option: T): Omit<T, 'animation'> & { animation: false } {
  return { ...option, animation: false };
}
