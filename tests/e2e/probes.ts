/**
 * Reading the page beyond what a user sees, for the end-to-end tests: what a chart holds
 * and draws (through the ChartProbe EChart.vue puts on its element, src-renderer/src/charts/probe.ts),
 * and whether every data-testid is unique.
 */
import type { Page } from 'playwright-core';

export interface ChartState {
  /** the option ECharts holds */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- whatever ECharts holds, read back from the page
  option: Record<string, any> | null;
  /** for a bar series 0: the value each bar, as drawn now, stands for */
  drawn: (number | null)[] | null;
}

/** What a chart holds and draws, read through the ChartProbe EChart.vue puts on its element. */
export async function chartState(page: Page, testid: string): Promise<ChartState | null> {
  return page.evaluate((id) => {
    type Probe = { option(): Record<string, unknown> | null; drawnBars(i?: number): (number | null)[] | null };
    const el = document.querySelector(`[data-testid="${id}"]`) as (HTMLElement & { qklabChart?: Probe }) | null;
    const probe = el?.qklabChart;
    return probe ? { option: probe.option(), drawn: probe.drawnBars(0) } : null;
  }, testid);
}

/** The data-testids that occur more than once on the page ("id ×n"); [] when every one is unique. */
export async function duplicateTestIds(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const seen = new Map<string, number>();
    for (const el of Array.from(document.querySelectorAll('[data-testid]'))) {
      const id = el.getAttribute('data-testid')!;
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    return [...seen].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`);
  });
}
