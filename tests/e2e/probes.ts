/**
 * Reading the page beyond what a user sees, for the end-to-end tests: what a chart holds
 * and draws (through the ChartProbe EChart.vue puts on its element, src-renderer/src/charts/probe.ts),
 * whether every data-testid is unique, and which run the heatmap shows.
 */
import type { Page } from 'playwright-core';
import type { Box, ChartLayout } from '../../src-renderer/src/charts/probe';

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

/** Where a chart draws its texts, grids and legends now (the ChartProbe's layout), or null. */
export async function chartLayout(page: Page, testid: string): Promise<ChartLayout | null> {
  return page.evaluate((id) => {
    const el = document.querySelector(`[data-testid="${id}"]`) as (HTMLElement & { qklabChart?: { layout(): ChartLayout | null } }) | null;
    return el?.qklabChart?.layout() ?? null;
  }, testid);
}

const overlap = (a: Box, b: Box, slack = 1) => a.x + slack < b.x + b.width && b.x + slack < a.x + a.width && a.y + slack < b.y + b.height && b.y + slack < a.y + a.height;

/**
 * What is wrong with a chart's layout, in words ([] when nothing): a text out of the chart's
 * box (clipped), two upright texts on one another (overprinted; a turned text's upright box
 * covers its neighbours', so turned texts are only held to the chart's box), a legend over a grid.
 */
export function layoutProblems(l: ChartLayout): string[] {
  const problems: string[] = [];
  const name = (t: ChartLayout['texts'][number]) => `“${t.text}” at (${Math.round(t.x)}, ${Math.round(t.y)}, ${Math.round(t.width)}×${Math.round(t.height)})`;
  for (const t of l.texts)
    if (t.x < -0.5 || t.y < -0.5 || t.x + t.width > l.width + 0.5 || t.y + t.height > l.height + 0.5) problems.push(`${name(t)} is outside the ${l.width}×${l.height} chart`);
  const upright = l.texts.filter((t) => Math.abs(t.rotation) < 1e-3);
  for (let i = 0; i < upright.length; i++)
    for (let j = i + 1; j < upright.length; j++) if (overlap(upright[i], upright[j])) problems.push(`${name(upright[i])} overprints ${name(upright[j])}`);
  for (const g of l.legends)
    for (const grid of l.grids)
      if (overlap(g, grid, 0)) problems.push(`the legend (${Math.round(g.y)}–${Math.round(g.y + g.height)}) runs into a grid (from ${Math.round(grid.y)})`);
  return problems;
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

/** The run id the heatmap panel shows in every part (its map has it a frame before its thumbnails: stores/run.ts). */
export async function shownRun(page: Page): Promise<string> {
  return (await page.getByTestId('heatmap-panel').getAttribute('data-run-id')) ?? '';
}

/** Wait until the heatmap panel shows a finished run other than `previous` (the entropy panel shows it too); returns its id. */
export async function runFinished(page: Page, previous: string): Promise<string> {
  await page.waitForFunction(
    (prev) => {
      const id = document.querySelector('[data-testid="heatmap-panel"]')?.getAttribute('data-run-id') ?? '';
      const status = document.querySelector('[data-testid="run-status"]')?.getAttribute('data-status');
      return id !== '' && id !== prev && status !== 'running';
    },
    previous,
    { timeout: 60_000 },
  );
  return shownRun(page);
}
