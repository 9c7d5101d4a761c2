/**
 * Smoke: the built app loads in Chromium with the real service behind it, renders its
 * panels, runs its first job, and never requests anything outside its own origin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser, startHarness, type Harness } from './harness';
import { duplicateTestIds } from './probes';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
  await closeBrowser();
});

describe('the app in Chromium', () => {
  it('renders, runs its first job through the real engine, and stays on its own origin', async () => {
    const { page } = h;
    await expect(page.title()).resolves.toBe('QK Lab');
    // the three areas of the main view
    await page.getByTestId('data-panel').waitFor();
    await page.getByTestId('config-panel').waitFor();
    await page.getByTestId('heatmap-panel').waitFor();
    // the first run (the built-in sample data) finishes through the real CpuPool
    await page.locator('[data-testid="heatmap-panel"]:not([data-run-id=""])').waitFor({ timeout: 60_000 });
    expect(h.calls).toContain('runJob');
    expect(h.calls).toContain('recoverSession');
    await page.getByTestId('entropy-panel').waitFor();
    // every test id names one element (the toolbar's open-embeddings, the rows' open-file-{role}, …)
    expect(await duplicateTestIds(page)).toEqual([]);
    await page.waitForTimeout(500); // let the charts finish drawing for the screenshot
    const shot = await h.screenshot('smoke-main-view');
    expect(shot).toMatch(/smoke-main-view\.png$/);

    // nothing but the app's own origin (and data:/blob: URLs it makes itself)
    const foreign = h.requests.filter((url) => !url.startsWith(h.origin + '/') && !/^(data|blob):/.test(url));
    expect(foreign).toEqual([]);
    expect(h.requests.length).toBeGreaterThan(0);
    expect(h.pageErrors).toEqual([]);
  });

  it('serves the page with the app CSP, so an injected remote script is refused', async () => {
    const { page } = h;
    const blocked = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true });
          const s = document.createElement('script');
          s.src = 'https://example.com/evil.js';
          document.head.append(s);
          setTimeout(() => resolve('no violation'), 2000);
        }),
    );
    expect(blocked).toMatch(/^script-src/);
    // Chromium reports the attempt, and that it never completed
    await expect.poll(() => h.failedRequests.some((u) => u.includes('example.com'))).toBe(true);
    h.pageErrors.length = 0; // the refusal itself is logged as a console error
  });
});
