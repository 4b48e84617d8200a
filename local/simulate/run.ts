/**
 * `simulate(scenario)`: the real app on the local host, Durable engine and Azure emulator, driven
 * through a scenario in virtual time, and the report of what happened. events.ts drives the
 * scenario's events, tally.ts samples, assemble.ts builds the report.
 *
 * Why the same scenario and seed give byte-identical reports:
 * - One VirtualClock for host, engine and emulator; the app's `now` is that clock. Time only
 *   moves between instants (driveVirtualTime), never while something runs.
 * - The emulator draws every random number from its seed (latencies, faults, random bursts).
 * - The engine runs sequentially (DurableEngineOptions.sequential): one activity at a time, no
 *   episode while it runs, runnable instances by id. So the order in which the depth watch's ten
 *   concurrent signals reached the client API does not matter, and neither does the order of
 *   their episodes or of the activities they schedule.
 * - Azure SDK calls go through the emulator's in-process transport: a request is routed when it
 *   is sent, so concurrent requests (observePool reads instance views eight at a time) reach the
 *   model — its token buckets, its fault stream — in the order the code sent them, not in the
 *   order a kernel delivered them. The Durable client's calls are in-process too.
 * - Retries do not wait (SURGE_AZURE_*RETRY_DELAY_MS = 1): virtual time cannot pass inside an
 *   activity, so a wait would only cost wall time — and the SDK's jitter (Math.random) then
 *   changes nothing that is measured.
 * - The report holds no wall-clock time, generated id (instance, invocation, request ids, keys,
 *   ports, folders) or unrounded float; its keys are written in a fixed order.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PoolsConfig } from '../../shared/config/pools';
import { PoolConfigError, entityPath, parsePools } from '../../shared/config/pools';
import type { PoolSpec } from '../../shared/config/poolSpec';
import { readSettings } from '../../shared/config/settings';
import { VirtualClock } from '../clock';
import { installFunctionsCore } from '../host/functionsCore';
import type { LogEntry } from '../host/functionsCore';
import type { HostLogLevel } from '../host/log';
import type { VirtualTimeParticipant } from '../host/virtualTime';
import { driveVirtualTime } from '../host/virtualTime';
import type { Stack } from '../stack';
import { emulatorOf, startStack } from '../stack';
import type { ReportInputs } from './assemble';
import type { DashboardSnapshot } from '../dashboard/sampler';
import { samplerForStack } from '../dashboard/sampler';
import { assembleReport } from './assemble';
import type { AzureCalls } from './attribution';
import { countingTransport } from './attribution';
import type { EventTarget } from './events';
import { runEvent } from './events';
import type { EventOutcome, Report } from './report';
import { round } from './report';
import type { Scenario, ScenarioEvent } from './scenario';
import { ScenarioError } from './scenario';
import { Tally } from './tally';

/** A scaling mode `--policy` can force on every pool. */
export type PolicyMode = 'drain' | 'keda';

/** Options of one run. */
export interface SimulateOptions {
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  /** Forces every pool's scaling mode (see `withPolicy`). */
  readonly policy?: PolicyMode;
  /** The app entry; default functions/index of this build (.js in dist, .ts under vitest). */
  readonly appEntry?: string;
  /**
   * `memory` (default): Azure SDK and Durable client calls in-process (fast, and ordered: see the
   * module comment). `https`: over loopback sockets like `npm start`, for checking that the
   * in-process transports change nothing — Azure calls are then not counted per pool, and with
   * faults or throttling the order of concurrent requests (so the outcome) may vary.
   */
  readonly transport?: 'memory' | 'https';
  /** Also sample the dashboard's data over the whole run (for `--html`). */
  readonly dashboard?: boolean;
}

/** A report plus what is not part of it (log lines carry ids and are not deterministic text). */
export interface SimulateResult {
  readonly report: Report;
  /** Warnings and errors the host and the app logged, in order. */
  readonly logs: readonly string[];
  /** The dashboard's data over the whole run, when asked for. */
  readonly dashboard?: DashboardSnapshot;
}

/**
 * App settings the simulator starts from (a scenario's `settings` win):
 * - the ACR webhook secret, so `push` events can authenticate;
 * - retry delays of 1 ms: inside an activity virtual time stands still, so a retry can only
 *   come back to the same instant; with a 1 ms maximum a 429 with Retry-After gives up at once
 *   (as Surge does for waits longer than its maximum) and the controller tries again on its
 *   next look, model seconds later, instead of the run sleeping in wall time.
 */
const SIMULATOR_SETTINGS: Readonly<Record<string, string>> = {
  SURGE_ACR_WEBHOOK_SECRET: 'surge-simulate-webhook-secret',
  SURGE_AZURE_RETRY_DELAY_MS: '1',
  SURGE_AZURE_MAX_RETRY_DELAY_MS: '1',
};

/** Timer functions whose schedule the app reads from a setting when it is first loaded. */
const SCHEDULED: readonly { fn: string; setting: keyof ReturnType<typeof readSettings> }[] = [
  { fn: 'depthWatch', setting: 'depthSchedule' },
  { fn: 'scaleInTick', setting: 'scaleInSchedule' },
  { fn: 'ensureControllers', setting: 'ensureSchedule' },
];

/**
 * The pools document with every pool switched to `policy`: a pool already in that mode keeps its
 * knobs; another gets `{mode: policy, ...knobs}` with the knobs of the scenario's
 * `policies[policy]` (the mode's defaults for anything not given).
 */
export function withPolicy(
  doc: { readonly pools: readonly unknown[] },
  policy: PolicyMode,
  knobs: Readonly<Record<string, unknown>> = {},
): { pools: unknown[] } {
  return {
    ...doc,
    pools: doc.pools.map((raw) => {
      const pool = raw as { scaling?: { mode?: string } };
      if ((pool.scaling?.mode ?? 'drain') === policy) return raw;
      return { ...pool, scaling: { ...knobs, mode: policy } };
    }),
  };
}

/** Runs a scenario and returns its report. */
export async function simulate(
  scenario: Scenario,
  options: SimulateOptions = {},
): Promise<SimulateResult> {
  const seed = options.seed ?? scenario.seed;
  const policy = options.policy;
  let poolsDoc: { pools: readonly unknown[] } = scenario.pools;
  let pools = scenario.poolsConfig;
  if (policy !== undefined) {
    poolsDoc = withPolicy(scenario.pools, policy, scenario.policies[policy]);
    try {
      pools = parsePools(JSON.stringify(poolsDoc), `--policy ${policy}`);
    } catch (e) {
      if (e instanceof PoolConfigError) {
        throw new ScenarioError(
          `--policy ${policy} makes the pools invalid:\n  ${e.problems.join('\n  ')}`,
          e.problems.map((p) => `policies.${policy}: ${p}`),
        );
      }
      throw e;
    }
  }
  const t0 = Date.parse(scenario.start);
  const end = t0 + Math.round(scenario.duration * 1000);
  const sampleMs = Math.round(scenario.sampleSeconds * 1000);
  const settings = { ...SIMULATOR_SETTINGS, ...scenario.settings };
  const ext = path.extname(__filename) === '.ts' ? '.ts' : '.js';
  const appEntry = options.appEntry ?? path.resolve(__dirname, `../../functions/index${ext}`);

  const dir = await mkdtemp(path.join(tmpdir(), 'surge-simulate-'));
  const envBefore = { ...process.env };
  const registry = installFunctionsCore();
  const sinkBefore = registry.logSink;
  const logs: string[] = [];
  registry.logSink = (entry: LogEntry) => {
    if (entry.level === 'warning' || entry.level === 'error' || entry.level === 'critical') {
      logs.push(`${entry.level}: ${entry.functionName ?? entry.category}: ${entry.message}`);
    }
  };
  const calls = new Map<string, AzureCalls>();
  let stack: Stack | undefined;
  try {
    const clock = new VirtualClock(t0);
    try {
      stack = await startStack({
        clock,
        stateDir: dir,
        appEntry,
        // As the SURGE_POOLS setting, not a temporary file: an error then names no path of ours.
        poolsJson: JSON.stringify(poolsDoc),
        settings,
        emulator: scenario.emulator,
        seed,
        persist: false,
        activityConcurrency: 1,
        sequential: true,
        transport: options.transport ?? 'memory',
        wrapAzureTransport: (inner) => countingTransport(inner, pools.pools, calls),
        log: (level: HostLogLevel, message: string) => {
          if (level === 'warning' || level === 'error') logs.push(`${level}: host: ${message}`);
        },
      });
    } catch (e) {
      if (e instanceof PoolConfigError) {
        // Named as the user wrote them: the scenario's file or its inline document.
        const named = e.message.replaceAll(
          'app setting SURGE_POOLS',
          `the scenario's pools, ${pools.source}`,
        );
        throw new ScenarioError(
          `the app refused the scenario's pools or settings:\n  ${named}`,
          e.problems.length > 0 ? e.problems.map((p) => `settings: ${p}`) : [`pools: ${e.message}`],
        );
      }
      throw e;
    }
    checkSchedules(stack);
    const run = { pools, settings, t0, end, sampleMs, dashboard: options.dashboard === true };
    const { dashboard, ...report } = await drive(stack, scenario, run);
    const inputs = { ...report, scenario, seed, policy: policy ?? 'as written', t0, end, calls };
    return { report: assembleReport(inputs), logs, ...(dashboard ? { dashboard } : {}) };
  } finally {
    try {
      await stack?.close();
    } finally {
      registry.logSink = sinkBefore;
      restoreEnv(envBefore);
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** Puts process.env back as it was (startStack writes the app settings into it). */
function restoreEnv(before: Readonly<Record<string, string | undefined>>): void {
  for (const key of Object.keys(process.env)) if (!(key in before)) delete process.env[key];
  for (const [key, value] of Object.entries(before)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

/**
 * The app reads its timer schedules from the settings when it is first loaded, and a process
 * loads it once: a later simulation in the same process with other schedules would silently run
 * the old ones. Refuse that instead.
 */
function checkSchedules(stack: Stack): void {
  const wanted = readSettings(process.env);
  for (const t of stack.host.timers.describe()) {
    const s = SCHEDULED.find((x) => x.fn === t.functionName);
    if (s === undefined) continue;
    const expected = wanted[s.setting];
    if (typeof expected === 'string' && expected !== t.schedule) {
      throw new Error(
        `${t.functionName} runs on "${t.schedule}" but the scenario's settings ask for "${expected}": ` +
          'the app reads its schedules once per process, when it is first loaded; run this scenario in a process of its own',
      );
    }
  }
}

/**
 * Installs the workload and drives virtual time to the end, running the events and sampling;
 * returns what the report is made from besides the scenario.
 */
async function drive(
  stack: Stack,
  scenario: Scenario,
  run: {
    pools: PoolsConfig;
    settings: Readonly<Record<string, string>>;
    t0: number;
    end: number;
    sampleMs: number;
    dashboard: boolean;
  },
): Promise<
  Pick<ReportInputs, 'timerRuns' | 'tally' | 'events' | 'emulator' | 'engine'> & {
    dashboard?: DashboardSnapshot;
  }
> {
  const { pools, t0, end } = run;
  const emulator = emulatorOf(stack);
  for (const [pool, schedules] of Object.entries(scenario.workload)) {
    const spec = pools.byName.get(pool) as PoolSpec;
    emulator.control.setArrivals(spec.serviceBus.namespace, entityPath(spec), schedules);
  }
  const tally = new Tally(pools.pools, scenario.burstThreshold);
  const events: EventOutcome[] = [];
  const target = { stack, emulator, settings: run.settings };
  const sample = (now: number) => tally.sample(emulator, stack.engine, now);
  // The dashboard samples on the report's grid, so it adds no instant to the run.
  const board = run.dashboard
    ? samplerForStack(stack, {
        intervalMs: run.sampleMs,
        windowMs: end - t0 + run.sampleMs,
        decisionsKept: 100_000,
      })
    : undefined;
  const driven = await driveVirtualTime(stack.host, end, {
    participants: [
      eventsParticipant(scenario, t0, target, events),
      samplerParticipant(t0, run.sampleMs, end, sample),
      ...(board ? [board] : []),
    ],
  });
  return {
    timerRuns: driven.timerRuns,
    tally,
    events,
    emulator,
    engine: stack.engine.counters,
    ...(board ? { dashboard: board.snapshot() } : {}),
  };
}

/** Runs the scenario's events at their times (in file order within one instant). */
function eventsParticipant(
  scenario: Scenario,
  t0: number,
  target: EventTarget,
  outcomes: EventOutcome[],
): VirtualTimeParticipant {
  const events = scenario.events;
  let next = 0;
  const due = (i: number) => t0 + Math.round((events[i] as ScenarioEvent).at * 1000);
  return {
    nextEventAt: () => (next < events.length ? due(next) : undefined),
    runDue: async (now: number) => {
      while (next < events.length && due(next) <= now) {
        const event = events[next] as ScenarioEvent;
        next++;
        outcomes.push(await runEvent(target, event, now, round((now - t0) / 1000)));
      }
    },
  };
}

/** Samples every `sampleMs` from the start to `end`. */
function samplerParticipant(
  t0: number,
  sampleMs: number,
  end: number,
  sample: (now: number) => void,
): VirtualTimeParticipant {
  let next = t0;
  return {
    nextEventAt: () => (next <= end ? next : undefined),
    runDue: (now: number) => {
      while (next <= now) next += sampleMs;
      sample(now);
    },
  };
}
