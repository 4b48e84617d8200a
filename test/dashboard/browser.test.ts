/**
 * The dashboard in headless Chromium, over the real thing: the demo stack (`npm start`'s pools,
 * emulator config and workload) in virtual time with the sampler participating, 15 minutes of
 * model time — the demo's bursts on "orders", the sine on "web-jobs", and a new "web" image
 * pushed through the ACR webhook with the payload `npm start` prints, so a canary rollout runs.
 *
 * The page is checked twice: in the DOM (every chart's series have many points, the decisions
 * tables have rows with reasons, the rollout shows as two versions) and in a screenshot the test
 * decodes, where every chart's plot must hold series ink (see `seriesInk`). The same check over a
 * dashboard with no sample yet — frames, axes and labels but no series — must find none, so it
 * cannot pass on empty charts. Then a minute more of model time must reach the open page through
 * its polling.
 *
 * Needs Debian's chromium at /usr/bin/chromium: without it the test is skipped with a note, or
 * fails when SURGE_REQUIRE_BROWSER=1 (CI installs it).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/clock';
import { acrPushPayload, randomDigest } from '../../local/dashboard/demo';
import { DashboardSampler, samplerForStack } from '../../local/dashboard/sampler';
import type { DashboardServer } from '../../local/dashboard/server';
import { startDashboardServer } from '../../local/dashboard/server';
import { driveVirtualTime } from '../../local/host/virtualTime';
import type { Stack } from '../../local/stack';
import type { Box } from './helpers';
import {
  decodePng,
  DEMO_SECRET,
  expectResult,
  FakeControllers,
  FakeEmulator,
  launchChromium,
  requireChromium,
  seriesInk,
  startDemoStack,
  T0,
} from './helpers';

const MINUTE = 60_000;
/**
 * A chart's plot must be at least this share series ink. The demo run measures 0.12–0.20 for the
 * queue charts and about 0.6 for the groups charts; a plot with only its grid scores 0, and one
 * with only the rate lines about 0.02.
 */
const MIN_INK = 0.03;

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/**
 * The few DOM members the in-page probes use. The project compiles without the DOM library (it
 * would change Node's timer and fetch types everywhere), so the probes name what they touch.
 */
interface DomElement {
  readonly textContent: string | null;
  readonly dataset: Readonly<Record<string, string | undefined>>;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): Iterable<DomElement>;
  closest(selector: string): DomElement | null;
  getBoundingClientRect(): { x: number; y: number; width: number; height: number };
}

/** The page's global scope, as the probes see it (`globalThis` inside the page). */
interface DomWindow {
  readonly document: DomElement & { readonly body: DomElement };
  readonly scrollX: number;
  readonly scrollY: number;
}

/** What the DOM says about each chart and each decisions table. */
interface PageFacts {
  readonly charts: {
    readonly pool: string;
    readonly chart: string;
    /** Series name → samples drawn. */
    readonly series: Record<string, number>;
    /** The plot area in page pixels. */
    readonly box: Box;
  }[];
  readonly decisions: { readonly pool: string; readonly rows: number; readonly reasons: number }[];
  readonly chips: Record<string, string[]>;
  /** Per pool: each site row's cells (site, groups, state), and the line of ACI's create counts. */
  readonly sites: Record<string, { readonly rows: string[][]; readonly aci: string }>;
  /** Per pool: the status facts, term → text. */
  readonly facts: Record<string, Record<string, string>>;
}

async function pageFacts(page: Page): Promise<PageFacts> {
  return page.evaluate(() => {
    // Runs in the page: only what is written here exists there.
    const window = globalThis as unknown as DomWindow;
    const document = window.document;
    const boxOf = (el: DomElement) => {
      const r = el.getBoundingClientRect();
      return { x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height };
    };
    const charts = [...document.querySelectorAll('section.pool figure.chart')].map((fig) => ({
      pool: fig.closest('section.pool')?.getAttribute('data-pool') ?? '',
      chart: fig.getAttribute('data-chart') ?? '',
      series: Object.fromEntries(
        [...fig.querySelectorAll('[data-series]')].map((p) => [
          p.getAttribute('data-series') ?? '',
          Number(p.getAttribute('data-points')),
        ]),
      ),
      box: boxOf(fig.querySelector('rect.plot-bg') ?? fig),
    }));
    const decisions = [...document.querySelectorAll('table.decisions')].map((t) => {
      const cells = [...t.querySelectorAll('tbody td.reason')];
      return {
        pool: t.getAttribute('data-pool') ?? '',
        rows: cells.length,
        reasons: cells.filter((c) => (c.textContent ?? '').trim().length > 10).length,
      };
    });
    const chips = Object.fromEntries(
      [...document.querySelectorAll('section.pool')].map((s) => [
        s.getAttribute('data-pool') ?? '',
        [...s.querySelectorAll('.chip')].map((c) => (c.textContent ?? '').trim()),
      ]),
    );
    const sites = Object.fromEntries(
      [...document.querySelectorAll('section.pool')].map((s) => [
        s.getAttribute('data-pool') ?? '',
        {
          rows: [...s.querySelectorAll('table.sites tbody tr')].map((tr) =>
            [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim()),
          ),
          aci: (s.querySelector('p.aci')?.textContent ?? '').trim(),
        },
      ]),
    );
    const facts = Object.fromEntries(
      [...document.querySelectorAll('section.pool')].map((s) => {
        const terms = [...s.querySelectorAll('dl.facts dt')].map((d) =>
          (d.textContent ?? '').trim(),
        );
        const texts = [...s.querySelectorAll('dl.facts dd')].map((d) =>
          (d.textContent ?? '').trim(),
        );
        return [
          s.getAttribute('data-pool') ?? '',
          Object.fromEntries(terms.map((t, i) => [t, texts[i] ?? ''])),
        ];
      }),
    );
    return { charts, decisions, chips, sites, facts };
  });
}

/** Opens the dashboard and waits until the page has rendered sample `seq`. */
async function open(server: DashboardServer, seq: number): Promise<Page> {
  const browser = await launchChromium();
  stops.push(() => browser.close());
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  await page.goto(server.url);
  await page.waitForFunction(
    (s) => (globalThis as unknown as DomWindow).document.body.dataset.seq === String(s),
    seq,
    {
      timeout: 10_000,
    },
  );
  expect(problems).toEqual([]);
  return page;
}

/** Series ink of every chart's plot in a full-page screenshot. */
async function inkOf(
  page: Page,
  facts: PageFacts,
  name: string,
): Promise<{ chart: string; ink: number }[]> {
  const shot = await page.screenshot({ fullPage: true });
  // To look at them yourself: SURGE_DASHBOARD_SCREENSHOTS=<folder> npx vitest run test/dashboard
  const folder = process.env.SURGE_DASHBOARD_SCREENSHOTS;
  if (folder) await writeFile(path.join(folder, `${name}.png`), shot);
  const png = decodePng(shot);
  return facts.charts.map((c) => ({
    chart: `${c.pool}/${c.chart}`,
    ink: Math.round(seriesInk(png, c.box).share * 1000) / 1000,
  }));
}

async function serve(sampler: DashboardSampler): Promise<DashboardServer> {
  const server = await startDashboardServer({ sampler, port: 0 });
  stops.push(() => server.close());
  return server;
}

describe('the dashboard in headless Chromium', () => {
  it('shows the demo run: bursts, groups by state and version, decisions with reasons, live', async (ctx) => {
    requireChromium(ctx);
    const dir = await mkdtemp(path.join(tmpdir(), 'surge-dashboard-'));
    stops.push(() => rm(dir, { recursive: true, force: true }));
    const clock = new VirtualClock(T0);
    const stack: Stack = await startDemoStack(clock, dir);
    stops.push(() => stack.close());
    const sampler = samplerForStack(stack);
    const participants = [sampler];

    // The first demo burst (45 s in) and its scale-out; then a new web image, as npm start
    // tells the user to push it.
    await driveVirtualTime(stack.host, T0 + 6 * MINUTE, { participants });
    const push = await fetch(`${stack.host.baseUrl}/webhooks/acr`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-surge-webhook-secret': DEMO_SECRET },
      body: JSON.stringify(
        acrPushPayload({
          registry: 'surgedemo.azurecr.io',
          repository: 'web',
          tag: '1.1',
          digest: randomDigest(),
        }),
      ),
    });
    expect(push.status).toBe(202);
    await driveVirtualTime(stack.host, T0 + 15 * MINUTE, { participants });

    const server = await serve(sampler);
    const page = await open(server, sampler.seq);
    const facts = await pageFacts(page);

    // Every chart of both pools, each series with many points (a sample per 5 s: 181).
    const samples = sampler.seq;
    expectResult(
      'charts',
      facts.charts.map((c) => ({
        chart: `${c.pool}/${c.chart}`,
        series: Object.entries(c.series)
          .filter(([, n]) => n >= 100)
          .map(([name]) => name.replace(/^version-.*/, 'version'))
          .sort(),
      })),
      [
        { chart: 'orders/queue', series: ['arrivals', 'depth', 'drained'] },
        {
          chart: 'orders/groups-by-state',
          series: expect.arrayContaining(['desired', 'phase-Running']) as unknown,
        },
        { chart: 'orders/groups-by-version', series: ['desired', 'version'] },
        { chart: 'web/queue', series: ['arrivals', 'depth', 'drained'] },
        {
          chart: 'web/groups-by-state',
          series: expect.arrayContaining(['desired', 'phase-Running']) as unknown,
        },
        // The stable version and the pushed one.
        { chart: 'web/groups-by-version', series: ['desired', 'version', 'version'] },
      ],
    );
    expect(samples).toBe(15 * 12 + 1);
    expectResult(
      'decisions',
      facts.decisions.map((d) => ({ pool: d.pool, full: d.rows === 12 && d.reasons === d.rows })),
      [
        { pool: 'orders', full: true },
        { pool: 'web', full: true },
      ],
    );
    expect(facts.chips.web).toContainEqual(expect.stringMatching(/^Last rollout: completed/));
    // Controllers that look at their pools in time: no chip says otherwise.
    expectResult(
      'no stale or throttled controller',
      Object.values(facts.chips)
        .flat()
        .filter((c) => /^(Stale|Read turn):/.test(c)),
      [],
    );
    // The demo's bursts of 1500 every 4 minutes: learned after three, and shown.
    expect(facts.facts.orders?.['Recurring bursts (learned)']).toMatch(
      /^about 1[,.]?500 messages every 4 min, next at \d\d:\d\d:\d\d/,
    );
    // Where the groups run, and what ACI saw of the creates.
    expectResult(
      'sites',
      Object.entries(facts.sites).map(([pool, x]) => ({
        pool,
        rows: x.rows.map(([site, groups, state]) => [site, Number(groups) >= 1, state]),
        aci: /^\d+ create calls · refused: quota 0, capacity \d+, other \d+ · capacity failures \d+ · Spot evictions 0$/.test(
          x.aci,
        ),
      })),
      [
        { pool: 'orders', rows: [['westeurope', true, 'open']], aci: true },
        { pool: 'web', rows: [['westeurope', true, 'open']], aci: true },
      ],
    );

    // The screenshot: series ink in every plot.
    const ink = await inkOf(page, facts, 'demo');
    if (process.env.SURGE_DASHBOARD_SCREENSHOTS) console.log(ink);
    expectResult(
      'ink',
      ink.map((c) => ({ chart: c.chart, drawn: c.ink >= MIN_INK })),
      ink.map((c) => ({ chart: c.chart, drawn: true })),
    );

    // Live: another minute of model time reaches the open page by its polling.
    await driveVirtualTime(stack.host, T0 + 16 * MINUTE, { participants });
    await page.waitForFunction(
      (s) => (globalThis as unknown as DomWindow).document.body.dataset.seq === String(s),
      sampler.seq,
      {
        timeout: 10_000,
      },
    );
  });

  it('finds no series ink in a dashboard without samples (the check can fail)', async (ctx) => {
    requireChromium(ctx);
    const dir = await mkdtemp(path.join(tmpdir(), 'surge-dashboard-'));
    stops.push(() => rm(dir, { recursive: true, force: true }));
    const stack = await startDemoStack(new VirtualClock(T0), dir);
    stops.push(() => stack.close());
    // Never sampled: the page draws every chart's frame, axes and labels, and no series.
    const server = await serve(samplerForStack(stack));
    const page = await open(server, 0);
    const facts = await pageFacts(page);
    const ink = await inkOf(page, facts, 'empty');
    expectResult(
      'empty charts',
      ink.map((c) => ({ chart: c.chart, drawn: c.ink >= MIN_INK })),
      [
        'orders/queue',
        'orders/groups-by-state',
        'orders/groups-by-version',
        'web/queue',
        'web/groups-by-state',
        'web/groups-by-version',
      ].map((chart) => ({ chart, drawn: false })),
    );
  });

  it('says when a status is stale and when a pool waits for its ARM read turn', async (ctx) => {
    requireChromium(ctx);
    const clock = new VirtualClock(T0);
    const controllers = new FakeControllers();
    // orders last looked 10 minutes before the sample, at reconcile 60 s: stale. web looked 10 s
    // ago and waits for its ARM read turn, 30 s ahead: not stale, but the page says why it waits.
    controllers.set('orders', { desired: 2, observedAt: new Date(T0 - 10 * MINUTE).toISOString() });
    controllers.set('web', {
      desired: 2,
      observedAt: new Date(T0 - 10_000).toISOString(),
      readTurnAt: new Date(T0 + 30_000).toISOString(),
    });
    const pool = (name: string) => ({
      name,
      policy: 'drain',
      namespace: 'demo.servicebus.windows.net',
      entity: name,
      minGroups: 1,
      maxGroups: 10,
      trafficManager: null,
      versionRepository: null,
      reconcileSeconds: 60,
    });
    const sampler = new DashboardSampler({
      clock,
      pools: [pool('orders'), pool('web')],
      emulator: new FakeEmulator(clock, { queues: {}, groups: () => [] }),
      controllers: controllers.read,
    });
    sampler.sample();
    const page = await open(await serve(sampler), sampler.seq);
    const facts = await pageFacts(page);
    const flagged = (name: string) =>
      (facts.chips[name] ?? []).filter((c) => /^(Stale|Read turn):/.test(c));
    expectResult(
      'chips',
      { orders: flagged('orders'), web: flagged('web') },
      {
        orders: ['Stale: last observed 600 s ago; the controller looks at least every 60 s'],
        web: ['Read turn: ARM throttles reads; next look at 10:00:30'],
      },
    );
  });
});
