/**
 * `npm run simulate -- --html FILE`: the dashboard over a whole finished run, as one
 * self-contained page. The dashboard samples on the report's own grid, so asking for it changes
 * nothing in the run; the page, opened from disk in headless Chromium, draws every chart over
 * every sample, lists the decisions, and requests nothing but itself.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { staticDashboard } from '../../local/dashboard/staticPage';
import { simulate } from '../../local/simulate/run';
import { parseScenario } from '../../local/simulate/scenario';
import { launchChromium, requireChromium } from '../dashboard/helpers';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** examples/single-burst.json, 20 model minutes (the burst lands at 10). */
async function scenario() {
  const doc = JSON.parse(readFileSync('examples/single-burst.json', 'utf8')) as Record<
    string,
    unknown
  >;
  return parseScenario({ ...doc, duration: 1200 });
}

describe('simulate --html', () => {
  it('the same run with the dashboard: the same report, and a page that draws it all', async (ctx) => {
    requireChromium(ctx);
    const plain = await simulate(await scenario());
    const withBoard = await simulate(await scenario(), { dashboard: true });
    expect(withBoard.report).toEqual(plain.report);
    const snapshot = withBoard.dashboard;
    if (!snapshot) throw new Error('the dashboard was asked for');

    const dir = await mkdtemp(path.join(tmpdir(), 'surge-sim-html-'));
    stops.push(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'run.html');
    await writeFile(file, staticDashboard(snapshot, 'single-burst'));
    const browser = await launchChromium();
    stops.push(() => browser.close());
    const page = await browser.context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`file://${file}`);
    await page.waitForFunction(
      (seq) =>
        (globalThis as unknown as { document: { body: { dataset: Record<string, string> } } })
          .document.body.dataset.seq === String(seq),
      snapshot.seq,
      { timeout: 10_000 },
    );
    const facts = await page.evaluate(() => {
      type El = {
        getAttribute(n: string): string | null;
        querySelectorAll(s: string): Iterable<El>;
      };
      const doc = (globalThis as unknown as { document: El }).document;
      return {
        charts: [...doc.querySelectorAll('figure.chart')].map((f) => ({
          chart: f.getAttribute('data-chart') ?? '',
          most: Math.max(
            0,
            ...[...f.querySelectorAll('[data-series]')].map((s) =>
              Number(s.getAttribute('data-points')),
            ),
          ),
        })),
        decisions: [...doc.querySelectorAll('table.decisions tbody td.reason')].length,
      };
    });
    // 20 minutes sampled every 5 s: 241 samples, every one drawn.
    expect({ problems, requests, samples: snapshot.pools[0]?.series.t.length, ...facts }).toEqual({
      problems: [],
      requests: [`file://${file}`],
      samples: 241,
      charts: [
        { chart: 'queue', most: 241 },
        { chart: 'groups-by-state', most: 241 },
        { chart: 'groups-by-version', most: 241 },
      ],
      decisions: 12,
    });
  }, 120_000);
});
