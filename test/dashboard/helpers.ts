/**
 * Helpers of the dashboard tests: hand-written fakes of what the sampler reads (an emulator whose
 * queues and groups follow a script of model time, controllers with a settable status), an idle
 * virtual-time target so `driveVirtualTime` can move a sampler on its own, the demo stack in
 * virtual time, headless Chromium, and the screenshot check.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import type { PoolStatus, StatusDecision } from '../../shared/controller/status';
import type { VirtualClock } from '../../local/clock';
import type { ControllerSnapshot, EmulatorReadings } from '../../local/dashboard/sampler';
import { installArrivals, splitWorkload } from '../../local/dashboard/demo';
import { DurableEngine } from '../../local/durable/engine';
import type {
  EmulatorConfig,
  EntityStats,
  GroupSummary,
  PoolPlacement,
  RequestCounters,
} from '../../local/emulator';
import { emptyCounters } from '../../local/emulator/world';
import { FunctionRegistry } from '../../local/host/functionsCore';
import { TimerScheduler } from '../../local/host/timers';
import type { VirtualTimeTarget } from '../../local/host/virtualTime';
import type { Stack } from '../../local/stack';
import { emulatorOf, startStack } from '../../local/stack';

export { expectResult, TempDirs } from '../host/helpers';

/** Start of model time in the dashboard tests. */
export const T0 = Date.parse('2026-11-22T10:00:00Z');

/** ISO text of a time in ms. */
export const iso = (t: number): string => new Date(t).toISOString();

/** What a fake queue reports at an instant. */
export interface QueueScript {
  readonly depth: number;
  readonly enqueued: number;
  readonly dequeued: number;
}

/** A fake group: its pool, phase and images. */
export interface GroupScript {
  readonly pool: string;
  readonly phase: GroupSummary['phase'];
  readonly images: readonly string[];
}

/**
 * An emulator whose readings are functions of model time: `queue(t)` per `namespace/entity`,
 * `groups(t)`. Readings are complete EntityStats/GroupSummary objects, as the control API gives.
 */
export class FakeEmulator implements EmulatorReadings {
  /** How many times each reading was taken. */
  readonly reads = { queues: 0, groups: 0, counters: 0 };
  counters429 = 0;
  /** What `placement()` reports, per pool (a test sets it). */
  placementByPool: Record<string, PoolPlacement> = {};

  constructor(
    private readonly clock: { now(): number },
    private readonly script: {
      readonly queues: Readonly<Record<string, (t: number) => QueueScript>>;
      readonly groups?: (t: number) => readonly GroupScript[];
    },
  ) {}

  queues(): EntityStats[] {
    this.reads.queues++;
    const t = this.clock.now();
    return Object.entries(this.script.queues).map(([key, at]) => {
      const [namespace = '', entity = ''] = key.split('/');
      const q = at(t);
      return {
        namespace,
        entity,
        kind: 'queue',
        ...q,
        oldestAgeSeconds: q.depth > 0 ? 2 : 0,
        waits: {
          count: q.dequeued,
          meanSeconds: null,
          p50Seconds: null,
          p95Seconds: q.dequeued > 0 ? 1.5 : null,
          p99Seconds: null,
          maxSeconds: null,
        },
        deadLetter: 0,
        scheduled: 0,
        arrivalRate: 0,
      };
    });
  }

  groups(): GroupSummary[] {
    this.reads.groups++;
    const t = this.clock.now();
    return (this.script.groups?.(t) ?? []).map((g, i) => ({
      id: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/${g.pool}-${i}`,
      name: `${g.pool}-${i}`,
      pool: g.pool,
      phase: g.phase,
      provisioningState: g.phase === 'Running' ? 'Succeeded' : 'Creating',
      location: 'westeurope',
      images: [...g.images],
      acceptedAt: iso(T0),
      messagesPerSecond: 5,
    }));
  }

  placement(): Record<string, PoolPlacement> {
    return this.placementByPool;
  }

  counters(): RequestCounters {
    this.reads.counters++;
    return {
      ...emptyCounters(),
      armReads: 10,
      armWrites: 4,
      armDeletes: 1,
      arm429: this.counters429,
      serviceBusAdmin: 7,
    };
  }
}

/** Controllers whose status a test sets; unknown pools have no controller. */
export class FakeControllers {
  readonly #byPool = new Map<string, ControllerSnapshot>();

  /** Sets what the pool's controller reports from now on. */
  set(pool: string, status: Partial<PoolStatus> | null, runtimeStatus = 'Running'): void {
    this.#byPool.set(pool, {
      runtimeStatus,
      status: status === null ? null : poolStatus(pool, status),
      lastUpdatedTime: iso(T0),
    });
  }

  /** The ControllerReader. */
  readonly read = (pool: string): ControllerSnapshot | undefined => this.#byPool.get(pool);
}

/** A whole PoolStatus with the fields a test names. */
export function poolStatus(pool: string, fields: Partial<PoolStatus>): PoolStatus {
  return {
    pool,
    paused: null,
    override: null,
    desired: null,
    version: null,
    groups: null,
    depth: null,
    depthFailures: 0,
    depthError: null,
    estimates: null,
    backoffUntil: null,
    readTurnAt: null,
    sites: [],
    rollout: null,
    lastRollout: null,
    badVersions: [],
    retiring: [],
    lastDecision: null,
    recentDecisions: [],
    errors: [],
    createRefusals: {},
    observedAt: null,
    ...fields,
  };
}

/** A decision at `t` with a desired count and a reason. */
export function decision(t: number, desired: number, reason: string): StatusDecision {
  return {
    at: iso(t),
    trigger: 'depth',
    desired,
    live: desired,
    running: desired,
    pending: 0,
    failed: 0,
    creates: 0,
    deletes: 0,
    reason,
  };
}

/**
 * A virtual-time target with nothing of its own to do (no timer functions, no orchestrations),
 * so `driveVirtualTime` moves only the participants a test passes.
 */
export async function idleTarget(
  clock: VirtualClock,
): Promise<VirtualTimeTarget & { stop(): Promise<void> }> {
  // An empty registry of its own: whatever the process registered elsewhere stays out.
  const registry = new FunctionRegistry();
  const engine = new DurableEngine({ registry, clock });
  const timers = new TimerScheduler({ registry, clock });
  await timers.start();
  return {
    clock,
    timers,
    engine,
    async stop() {
      await timers.stop();
      await engine.stop();
    },
  };
}

/** The repository's demo configuration, as `npm start` runs it. */
export const DEMO_POOLS = path.resolve('local/demo/pools.json');
export const DEMO_EMULATOR: EmulatorConfig = JSON.parse(
  readFileSync(path.resolve('local/demo/emulator.json'), 'utf8'),
) as EmulatorConfig;
export const DEMO_SECRET = 'dashboard-test-secret';

/**
 * The demo stack (demo pools, demo emulator config and workload) on a VirtualClock, as
 * `npm start` runs it in real time, with the app from source.
 */
export async function startDemoStack(clock: VirtualClock, stateDir: string): Promise<Stack> {
  const workload = splitWorkload(DEMO_EMULATOR);
  const stack = await startStack({
    clock,
    stateDir,
    appEntry: path.resolve('functions/index.ts'),
    poolsFile: DEMO_POOLS,
    settings: { SURGE_ACR_WEBHOOK_SECRET: DEMO_SECRET },
    emulator: workload.config,
    activityConcurrency: 4,
  });
  installArrivals(emulatorOf(stack).control, workload.arrivals);
  return stack;
}

/** Debian's chromium: where the browser test expects it. */
export const CHROMIUM = '/usr/bin/chromium';

/** How to get the browser, for the message of a skipped or failed browser test. */
export const CHROMIUM_HINT =
  'install it with `apt-get install -y --no-install-recommends chromium` (Debian)';

/**
 * Call first in a browser test: without /usr/bin/chromium the test is skipped with a note on
 * how to install it, or fails when SURGE_REQUIRE_BROWSER=1 (as in CI, which installs it).
 */
export function requireChromium(ctx: { skip(note: string): never }): void {
  if (existsSync(CHROMIUM)) return;
  if (process.env.SURGE_REQUIRE_BROWSER === '1') {
    throw new Error(
      `${CHROMIUM} is missing and SURGE_REQUIRE_BROWSER=1: ${CHROMIUM_HINT}, or unset SURGE_REQUIRE_BROWSER to skip this test`,
    );
  }
  ctx.skip(`${CHROMIUM} is missing: ${CHROMIUM_HINT}`);
}

/**
 * Headless Chromium with a fresh profile and the flags that keep it off the network (the
 * machine may be offline: no component updates, no sync, no QUIC probes). `close()` removes
 * the profile.
 */
export async function launchChromium(): Promise<{
  readonly context: BrowserContext;
  close(): Promise<void>;
}> {
  const profile = mkdtempSync(path.join(tmpdir(), 'surge-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1400, height: 1000 },
      deviceScaleFactor: 1,
      timeout: 15_000,
    });
    return {
      context,
      async close() {
        try {
          await context.close();
        } finally {
          rmSync(profile, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}

/** A rectangle in screenshot pixels. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * How much of a screenshot region is series ink: pixels whose colour is clearly chromatic
 * (max − min channel > 30). The plot's background is white and its grid, axes and labels are
 * grey (at most 22 apart), so an empty chart — frame and all — scores 0, while the series
 * colours pass, even the waiting-messages area's light fill (39 apart). Returns the share of the
 * region's pixels (0–1) and the count.
 */
export function seriesInk(png: PNG, box: Box): { readonly share: number; readonly pixels: number } {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(png.width, Math.ceil(box.x + box.width));
  const y1 = Math.min(png.height, Math.ceil(box.y + box.height));
  let pixels = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * png.width + x) * 4;
      const r = png.data[i] ?? 0;
      const g = png.data[i + 1] ?? 0;
      const b = png.data[i + 2] ?? 0;
      if (Math.max(r, g, b) - Math.min(r, g, b) > 30) pixels++;
    }
  }
  const area = Math.max(1, (x1 - x0) * (y1 - y0));
  return { share: pixels / area, pixels };
}

/** Decodes a PNG screenshot. */
export function decodePng(buffer: Buffer): PNG {
  return PNG.sync.read(buffer);
}
