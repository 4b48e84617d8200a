/**
 * The bench:policies page in headless Chromium: every workload has a chart with both policies'
 * sweeps drawn (one dot per point, in the DOM and as ink in a screenshot), and the page loads
 * nothing from anywhere. Needs /usr/bin/chromium (see test/dashboard/helpers.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderBenchHtml } from '../../local/simulate/benchHtml';
import type { BenchPoint, WorkloadResult } from '../../local/simulate/policyBench';
import { decodePng, launchChromium, requireChromium, seriesInk } from '../dashboard/helpers';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** A sweep: cost falls and wait rises with the dial, keda at `kedaCost` × drain's cost. */
function result(workload: string, kedaCost: number): WorkloadResult {
  const point = (
    policy: 'drain' | 'keda',
    dial: number,
    cost: number,
    p95: number,
  ): BenchPoint => ({
    policy,
    dial,
    groupSeconds: cost * 1000,
    overFloor: cost,
    p95,
    left: 0,
  });
  const points = [
    point('drain', 60, 2.4, 40),
    point('drain', 300, 1.3, 200),
    point('drain', 1200, 1.05, 700),
    point('keda', 50, 2.4 * kedaCost, 60),
    point('keda', 600, 1.3 * kedaCost, 150),
    point('keda', 3000, 1.05 * kedaCost, 600),
  ];
  return {
    workload,
    floor: 1000,
    points,
    ratios: [0.5, 0.6, 0.8],
    medianRatio: 0.6,
    bounds: [0.4, 0.7, 0.9],
    medianBound: 0.7,
  };
}

/** What the page's DOM says about each chart. */
interface ChartFacts {
  readonly workload: string;
  readonly series: Record<string, number>;
  readonly box: { x: number; y: number; width: number; height: number };
}

describe('the bench:policies page', () => {
  const html = renderBenchHtml([result('batches', 2), result('ramp', 1.1)], {
    command: 'npm run bench:policies',
    descriptions: { batches: 'six batches', ramp: 'a ramp' },
    median: 0.6,
    worst: 0.6,
  });

  it('is self-contained: no script, no link, no remote source', () => {
    expect(html.match(/<script|<link|src=|https?:\/\//g)).toBeNull();
  });

  it('draws both sweeps of every workload, dots and ink', async (ctx) => {
    requireChromium(ctx);
    const dir = await mkdtemp(path.join(tmpdir(), 'surge-bench-html-'));
    stops.push(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'bench.html');
    await writeFile(file, html);
    const browser = await launchChromium();
    stops.push(() => browser.close());
    const page = await browser.context.newPage();
    await page.goto(`file://${file}`);
    const facts = await page.evaluate(() => {
      // Runs in the page: only what is written here exists there.
      type El = {
        getAttribute(n: string): string | null;
        querySelector(s: string): El | null;
        querySelectorAll(s: string): Iterable<El>;
        getBoundingClientRect(): { x: number; y: number; width: number; height: number };
      };
      const doc = (globalThis as unknown as { document: El }).document;
      return [...doc.querySelectorAll('section[data-workload]')].map((s) => ({
        workload: s.getAttribute('data-workload') ?? '',
        series: Object.fromEntries(
          [...s.querySelectorAll('g.series')].map((g) => [
            g.getAttribute('data-series') ?? '',
            [...g.querySelectorAll('circle')].length,
          ]),
        ),
        box: s.querySelector('rect.plot-bg')?.getBoundingClientRect() ?? {
          x: 0,
          y: 0,
          width: 0,
          height: 0,
        },
      }));
    });
    const png = decodePng(await page.screenshot({ fullPage: true }));
    expect(
      (facts as ChartFacts[]).map((f) => ({
        workload: f.workload,
        series: f.series,
        inked: seriesInk(png, f.box).share > 0.005,
      })),
    ).toEqual([
      { workload: 'batches', series: { drain: 3, keda: 3 }, inked: true },
      { workload: 'ramp', series: { drain: 3, keda: 3 }, inked: true },
    ]);
  }, 60_000);
});
