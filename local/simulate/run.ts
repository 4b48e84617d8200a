/**
 * `simulate(scenario)`: the real app on the local host, Durable engine and Azure emulator, driven
 * through a scenario in virtual time, and the report of what happened.
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
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PoolConfigError, entityPath, parsePools } from '../../shared/config/pools';
import type { PoolSpec } from '../../shared/config/poolSpec';
import { readSettings } from '../../shared/config/settings';
import { controllerInstanceId } from '../../shared/controller/signal';
import type { PoolStatus, StatusDecision } from '../../shared/controller/status';
import { VirtualClock } from '../clock';
import type { Emulator } from '../emulator';
import { installFunctionsCore } from '../host/functionsCore';
import type { LogEntry } from '../host/functionsCore';
import type { HostLogLevel } from '../host/log';
import type { VirtualTimeParticipant } from '../host/virtualTime';
import { driveVirtualTime } from '../host/virtualTime';
import type { Stack } from '../stack';
import { emulatorOf, startStack } from '../stack';
import type { AzureCalls } from './attribution';
import { SHARED, countingTransport, noCalls } from './attribution';
import type {
  BurstReport,
  DecisionReport,
  EventOutcome,
  PoolReport,
  Report,
  RolloutReport,
  UsageReport,
  WaitReport,
} from './report';
import { round, roundOrNull } from './report';
import type { Scenario, ScenarioEvent } from './scenario';
import { ScenarioError } from './scenario';

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
}

/** A report plus what is not part of it (log lines carry ids and are not deterministic text). */
export interface SimulateResult {
  readonly report: Report;
  /** Warnings and errors the host and the app logged, in order. */
  readonly logs: readonly string[];
}

/**
 * App settings the simulator starts from (a scenario's `settings` win):
 * - the ACR webhook secret, so `push` events can authenticate;
 * - retry delays of 1 ms: inside an activity virtual time stands still, so a retry can only
 *   come back to the same instant; with a 1 ms maximum a 429 with Retry-After gives up at once
 *   (as Surge does for waits longer than its maximum) and the controller tries again on its
 *   next look, model seconds later, instead of the run sleeping in wall time.
 */
export const SIMULATOR_SETTINGS: Readonly<Record<string, string>> = {
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

/** A digest for a pushed tag when the scenario gives none: sha256 of `registry/repository:tag`. */
export function digestFor(registry: string, repository: string, tag: string): string {
  return `sha256:${createHash('sha256').update(`${registry}/${repository}:${tag}`).digest('hex')}`;
}

/** What the sampler keeps of one pool between samples. */
interface PoolTrack {
  readonly spec: PoolSpec;
  readonly entity: { namespace: string; entity: string };
  peakDepth: number;
  peakDepthAt: number;
  peakGroups: number;
  groupSum: number;
  bursts: { start: number; peak: number; drained: number | null }[];
  inBurst: boolean;
  readonly decisions: Map<string, StatusDecision>;
  readonly rollouts: Map<string, { from: string; startedAt: number }>;
  readonly outcomes: Map<string, { outcome: string; reason: string; at: number }>;
}

function newTrack(spec: PoolSpec): PoolTrack {
  return {
    spec,
    entity: { namespace: spec.serviceBus.namespace, entity: entityPath(spec) },
    peakDepth: 0,
    peakDepthAt: 0,
    peakGroups: 0,
    groupSum: 0,
    bursts: [],
    inBurst: false,
    decisions: new Map(),
    rollouts: new Map(),
    outcomes: new Map(),
  };
}

/** Groups that hold (or will hold) compute: every phase but Stopped and Failed. */
function liveGroups(phases: Partial<Record<string, number>>): number {
  let n = 0;
  for (const [phase, count] of Object.entries(phases)) {
    if (phase !== 'Stopped' && phase !== 'Failed') n += count ?? 0;
  }
  return n;
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
    const poolsFile = path.join(dir, 'pools.json');
    await writeFile(poolsFile, JSON.stringify(poolsDoc));
    const clock = new VirtualClock(t0);
    try {
      stack = await startStack({
        clock,
        stateDir: dir,
        appEntry,
        poolsFile,
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
        throw new ScenarioError(
          `the app refused the scenario's pools or settings:\n  ${e.message}`,
          e.problems.length > 0 ? e.problems.map((p) => `settings: ${p}`) : [`pools: ${e.message}`],
        );
      }
      throw e;
    }
    checkSchedules(stack);
    const emulator = emulatorOf(stack);
    for (const [pool, schedules] of Object.entries(scenario.workload)) {
      const spec = pools.byName.get(pool) as PoolSpec;
      emulator.control.setArrivals(spec.serviceBus.namespace, entityPath(spec), schedules);
    }
    const run = new Run(scenario, stack, emulator, pools.pools, t0, settings);
    const drive = await driveVirtualTime(stack.host, end, {
      participants: [run.eventsParticipant(), run.samplerParticipant(sampleMs, end)],
    });
    const report = run.report({
      seed,
      policy: policy ?? 'as written',
      end,
      timerRuns: drive.timerRuns,
      calls,
    });
    return { report, logs };
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

/** One simulation in progress: the participants that drive events and samples, and the tallies. */
class Run {
  readonly #tracks: PoolTrack[];
  readonly #events: EventOutcome[] = [];
  #nextEvent = 0;
  #samples = 0;
  #totalPeakDepth = 0;
  #totalPeakDepthAt = 0;
  #totalPeakGroups = 0;
  #totalGroupSum = 0;

  constructor(
    private readonly scenario: Scenario,
    private readonly stack: Stack,
    private readonly emulator: Emulator,
    pools: readonly PoolSpec[],
    private readonly t0: number,
    private readonly settings: Readonly<Record<string, string>>,
  ) {
    this.#tracks = pools.map(newTrack);
  }

  /** Seconds after the start, for the report. */
  #since(t: number): number {
    return round((t - this.t0) / 1000);
  }

  /** Runs the scenario's events at their times (in file order within one instant). */
  eventsParticipant(): VirtualTimeParticipant {
    const events = this.scenario.events;
    const due = (i: number) => this.t0 + Math.round((events[i] as ScenarioEvent).at * 1000);
    return {
      nextEventAt: () => (this.#nextEvent < events.length ? due(this.#nextEvent) : undefined),
      runDue: async (now: number) => {
        while (this.#nextEvent < events.length && due(this.#nextEvent) <= now) {
          const event = events[this.#nextEvent] as ScenarioEvent;
          this.#nextEvent++;
          this.#events.push(await this.#runEvent(event, now));
        }
      },
    };
  }

  /** Samples depth, groups and controller statuses every `sampleMs` from the start to `end`. */
  samplerParticipant(sampleMs: number, end: number): VirtualTimeParticipant {
    let next = this.t0;
    return {
      nextEventAt: () => (next <= end ? next : undefined),
      runDue: (now: number) => {
        while (next <= now) next += sampleMs;
        this.#sample(now);
      },
    };
  }

  #sample(now: number): void {
    this.#samples++;
    const control = this.emulator.control;
    const phases = control.pools();
    let totalDepth = 0;
    let totalGroups = 0;
    for (const track of this.#tracks) {
      const depth = control.depth(track.entity.namespace, track.entity.entity) ?? 0;
      const groups = liveGroups(phases[track.spec.name]?.groups ?? {});
      totalDepth += depth;
      totalGroups += groups;
      if (depth > track.peakDepth) {
        track.peakDepth = depth;
        track.peakDepthAt = now;
      }
      track.peakGroups = Math.max(track.peakGroups, groups);
      track.groupSum += groups;
      // A burst: from the first sample above the threshold to the first sample back at 0.
      const open = track.bursts[track.bursts.length - 1];
      if (track.inBurst && open !== undefined) {
        open.peak = Math.max(open.peak, depth);
        if (depth === 0) {
          open.drained = now;
          track.inBurst = false;
        }
      } else if (depth > this.scenario.burstThreshold) {
        track.bursts.push({ start: now, peak: depth, drained: null });
        track.inBurst = true;
      }
      this.#readStatus(track);
    }
    if (totalDepth > this.#totalPeakDepth) {
      this.#totalPeakDepth = totalDepth;
      this.#totalPeakDepthAt = now;
    }
    this.#totalPeakGroups = Math.max(this.#totalPeakGroups, totalGroups);
    this.#totalGroupSum += totalGroups;
  }

  /** Decisions and rollouts from the status the pool's controller publishes. */
  #readStatus(track: PoolTrack): void {
    const instance = this.stack.engine.getStatus(controllerInstanceId(track.spec.name));
    const status = instance?.customStatus as PoolStatus | null | undefined;
    if (!status || typeof status !== 'object') return;
    for (const d of status.recentDecisions ?? []) {
      const key = `${d.at}|${d.trigger}|${d.desired}|${d.live}|${d.creates}|${d.deletes}|${d.reason}`;
      if (!track.decisions.has(key)) track.decisions.set(key, d);
    }
    const r = status.rollout;
    if (r && !track.rollouts.has(r.target)) {
      track.rollouts.set(r.target, { from: r.from, startedAt: Date.parse(r.startedAt) });
    }
    const last = status.lastRollout;
    if (last && !track.outcomes.has(last.id)) {
      track.outcomes.set(last.id, {
        outcome: last.outcome,
        reason: last.reason,
        at: Date.parse(last.at),
      });
    }
  }

  async #runEvent(event: ScenarioEvent, now: number): Promise<EventOutcome> {
    const control = this.emulator.control;
    const host = this.stack.host;
    const key = host.keys.functionKeys.default ?? Object.values(host.keys.functionKeys)[0] ?? '';
    const base = { atSeconds: this.#since(now), action: event.action };
    const api = async (
      method: string,
      route: string,
      body: unknown,
      headers: Record<string, string> = { 'x-functions-key': key },
    ): Promise<{ status: number; detail: string }> => {
      const res = await fetch(`${host.baseUrl}/${route}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, detail: summarize(res.status, text) };
    };
    const poolOf = (name: string) => this.stack.pools.byName.get(name) as PoolSpec;
    const pooled = (pool: string, r: { status: number; detail: string }): EventOutcome => ({
      ...base,
      pool,
      ...r,
    });
    switch (event.action) {
      case 'push': {
        const spec = poolOf(event.pool);
        const follow = spec.follow as NonNullable<PoolSpec['follow']>;
        const registry = (follow.registry ?? spec.group.registry?.server ?? '').toLowerCase();
        const digest = event.digest ?? digestFor(registry, follow.repository, event.tag);
        control.pushImage(`${registry}/${follow.repository}@${digest}`, event.image ?? {});
        const id = digest.slice(7, 19);
        const body = {
          id: `simulate-${id}`,
          timestamp: new Date(now).toISOString(),
          action: 'push',
          target: {
            mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
            size: 1024,
            digest,
            length: 1024,
            repository: follow.repository,
            tag: event.tag,
          },
          request: {
            id: `simulate-request-${id}`,
            host: registry,
            method: 'PUT',
            useragent: 'surge-simulate',
          },
        };
        const r = await api('POST', 'webhooks/acr', body, {
          'x-surge-webhook-secret': this.settings.SURGE_ACR_WEBHOOK_SECRET ?? '',
        });
        return pooled(event.pool, {
          status: r.status,
          detail: `${event.tag} (${digest.slice(0, 19)}…) ${r.detail}`,
        });
      }
      case 'scale':
        return pooled(
          event.pool,
          await api('POST', `pools/${encodeURIComponent(event.pool)}/scale`, {
            count: event.count,
            ...(event.durationSeconds !== undefined
              ? { durationSeconds: event.durationSeconds }
              : {}),
          }),
        );
      case 'clearScale':
        return pooled(
          event.pool,
          await api('DELETE', `pools/${encodeURIComponent(event.pool)}/scale`, undefined),
        );
      case 'pause':
        return pooled(
          event.pool,
          await api(
            'POST',
            `pools/${encodeURIComponent(event.pool)}/pause`,
            event.reason !== undefined ? { reason: event.reason } : {},
          ),
        );
      case 'resume':
        return pooled(
          event.pool,
          await api('POST', `pools/${encodeURIComponent(event.pool)}/resume`, {}),
        );
      case 'enqueue': {
        const spec = poolOf(event.pool);
        control.enqueue(spec.serviceBus.namespace, entityPath(spec), event.count);
        return pooled(event.pool, { status: 200, detail: `${event.count} messages` });
      }
      case 'arrivals': {
        const spec = poolOf(event.pool);
        control.setArrivals(spec.serviceBus.namespace, entityPath(spec), event.schedules);
        return pooled(event.pool, {
          status: 200,
          detail: `${event.schedules.length} schedule(s) from now`,
        });
      }
      case 'armErrors':
        control.injectArmErrors(event.errors);
        return {
          ...base,
          pool: null,
          status: 200,
          detail: event.errors
            .map((e) => `${e.count ?? 1}× ${e.status} on ${e.kind ?? 'any'}`)
            .join(', '),
        };
      case 'faults':
        control.setFaults(event.faults);
        return {
          ...base,
          pool: null,
          status: 200,
          detail: Object.keys(event.faults).sort().join(', '),
        };
      case 'limits':
        control.setLimits(event.limits);
        return {
          ...base,
          pool: null,
          status: 200,
          detail: Object.keys(event.limits).sort().join(', '),
        };
    }
  }

  /** The report, from the tallies and the emulator's final state. */
  report(run: {
    seed: number;
    policy: string;
    end: number;
    timerRuns: number;
    calls: ReadonlyMap<string, AzureCalls>;
  }): Report {
    const control = this.emulator.control;
    const queues = control.queues();
    const phases = control.pools();
    const counters = control.counters();
    const prices = this.scenario.prices;
    const samples = Math.max(1, this.#samples);
    const pools: PoolReport[] = this.#tracks.map((track) => {
      const name = track.spec.name;
      const q = queues.find(
        (x) =>
          x.namespace === track.entity.namespace.toLowerCase().replace(/:\d+$/, '') &&
          x.entity.toLowerCase() === track.entity.entity.toLowerCase(),
      );
      const usage = phases[name]?.usage;
      return {
        pool: name,
        mode: track.spec.scaling.mode,
        minGroups: track.spec.minGroups,
        maxGroups: track.spec.maxGroups,
        messages: {
          in: q?.enqueued ?? 0,
          out: q?.dequeued ?? 0,
          backlogAtEnd: q?.depth ?? 0,
        },
        waitSeconds: waits(q?.waits),
        peakBacklog: {
          messages: track.peakDepth,
          atSeconds: track.peakDepth > 0 ? this.#since(track.peakDepthAt) : 0,
        },
        bursts: track.bursts.map((b): BurstReport => ({
          startSeconds: this.#since(b.start),
          peakMessages: b.peak,
          drainSeconds: b.drained === null ? null : round((b.drained - b.start) / 1000),
        })),
        groups: {
          peak: track.peakGroups,
          average: round(track.groupSum / samples),
          atEnd: liveGroups(phases[name]?.groups ?? {}),
        },
        usage: priced(usage, prices),
        azure: { ...noCalls(), ...run.calls.get(name) },
        decisions: decisionsOf([...track.decisions.values()]),
        rollouts: this.#rolloutsOf(track),
      };
    });
    const sum = (f: (p: PoolReport) => number) => pools.reduce((n, p) => n + f(p), 0);
    const allBursts = pools.flatMap((p) => p.bursts);
    const drainTimes = allBursts.flatMap((b) => (b.drainSeconds === null ? [] : [b.drainSeconds]));
    const allRollouts = pools.flatMap((p) => p.rollouts);
    const shared = { ...noCalls(), ...run.calls.get(SHARED) };
    const byOperation: Record<string, number> = {};
    for (const k of Object.keys(counters.byOperation).sort()) {
      byOperation[k] = counters.byOperation[k] ?? 0;
    }
    return {
      scenario: this.scenario.name,
      seed: run.seed,
      policy: run.policy,
      start: new Date(this.t0).toISOString(),
      end: new Date(run.end).toISOString(),
      durationSeconds: round((run.end - this.t0) / 1000),
      sampleSeconds: this.scenario.sampleSeconds,
      burstThreshold: this.scenario.burstThreshold,
      prices: {
        currency: prices.currency,
        vcpuSecond: prices.vcpuSecond,
        gbSecond: prices.gbSecond,
      },
      totals: {
        messages: {
          in: sum((p) => p.messages.in),
          out: sum((p) => p.messages.out),
          backlogAtEnd: sum((p) => p.messages.backlogAtEnd),
        },
        waitSeconds: waits(control.combinedWaits(this.#tracks.map((t) => t.entity))),
        peakBacklog: {
          messages: this.#totalPeakDepth,
          atSeconds: this.#totalPeakDepth > 0 ? this.#since(this.#totalPeakDepthAt) : 0,
        },
        bursts: {
          count: allBursts.length,
          drained: drainTimes.length,
          maxDrainSeconds: drainTimes.length > 0 ? Math.max(...drainTimes) : null,
        },
        groups: {
          peak: this.#totalPeakGroups,
          average: round(this.#totalGroupSum / samples),
          atEnd: sum((p) => p.groups.atEnd),
        },
        usage: {
          groupSeconds: round(sum((p) => p.usage.groupSeconds)),
          containerSeconds: round(sum((p) => p.usage.containerSeconds)),
          vcpuSeconds: round(sum((p) => p.usage.vcpuSeconds)),
          memoryGbSeconds: round(sum((p) => p.usage.memoryGbSeconds)),
          cost: round(
            sum((p) => p.usage.cost),
            4,
          ),
        },
        decisions: {
          count: sum((p) => p.decisions.count),
          scaleOut: sum((p) => p.decisions.scaleOut),
          scaleIn: sum((p) => p.decisions.scaleIn),
          other: sum((p) => p.decisions.other),
          creates: sum((p) => p.decisions.creates),
          deletes: sum((p) => p.decisions.deletes),
        },
        rollouts: {
          count: allRollouts.length,
          completed: allRollouts.filter((r) => r.outcome === 'completed').length,
        },
      },
      pools,
      azure: {
        armReads: counters.armReads,
        armWrites: counters.armWrites,
        armDeletes: counters.armDeletes,
        arm429: counters.arm429,
        arm5xx: counters.arm5xx,
        serviceBusAdmin: counters.serviceBusAdmin,
        shared,
        byOperation,
      },
      events: this.#events,
      runtime: {
        episodes: this.stack.engine.counters.episodes,
        activities: this.stack.engine.counters.activitiesStarted,
        activitiesFailed: this.stack.engine.counters.activitiesFailed,
        continuedAsNew: this.stack.engine.counters.continuedAsNew,
        timerRuns: run.timerRuns,
        samples: this.#samples,
      },
    };
  }

  #rolloutsOf(track: PoolTrack): RolloutReport[] {
    const ids = [...new Set([...track.rollouts.keys(), ...track.outcomes.keys()])];
    const out = ids.map((id): RolloutReport & { sortAt: number } => {
      const started = track.rollouts.get(id);
      const outcome = track.outcomes.get(id);
      return {
        version: id,
        from: started?.from ?? null,
        outcome: outcome?.outcome ?? 'inProgress',
        startedAtSeconds: started ? this.#since(started.startedAt) : null,
        durationSeconds: started && outcome ? round((outcome.at - started.startedAt) / 1000) : null,
        reason: outcome?.reason ?? null,
        sortAt: started?.startedAt ?? outcome?.at ?? 0,
      };
    });
    return out
      .sort((a, b) => a.sortAt - b.sortAt || (a.version < b.version ? -1 : 1))
      .map(({ sortAt: _sortAt, ...r }) => r);
  }
}

function waits(
  w:
    | {
        p50Seconds: number | null;
        p95Seconds: number | null;
        p99Seconds: number | null;
        maxSeconds: number | null;
        meanSeconds: number | null;
      }
    | undefined,
): WaitReport {
  return {
    p50: roundOrNull(w?.p50Seconds),
    p95: roundOrNull(w?.p95Seconds),
    p99: roundOrNull(w?.p99Seconds),
    max: roundOrNull(w?.maxSeconds),
    mean: roundOrNull(w?.meanSeconds),
  };
}

/**
 * Usage and its price: vCPU-seconds × price per vCPU-second + GB-seconds × price per GB-second.
 * Example: 7200 vCPU-s and 10 800 GB-s at 0.0000113 and 0.0000012 → 0.08136 + 0.01296 = 0.0943.
 */
function priced(
  usage:
    | {
        groupSeconds: number;
        containerSeconds: number;
        vcpuSeconds: number;
        memoryGbSeconds: number;
      }
    | undefined,
  prices: Scenario['prices'],
): UsageReport {
  const u = usage ?? { groupSeconds: 0, containerSeconds: 0, vcpuSeconds: 0, memoryGbSeconds: 0 };
  return {
    groupSeconds: round(u.groupSeconds),
    containerSeconds: round(u.containerSeconds),
    vcpuSeconds: round(u.vcpuSeconds),
    memoryGbSeconds: round(u.memoryGbSeconds),
    cost: round(u.vcpuSeconds * prices.vcpuSecond + u.memoryGbSeconds * prices.gbSecond, 4),
  };
}

/** Decisions that wrote something, by direction (see DecisionReport). */
export function decisionsOf(all: readonly StatusDecision[]): DecisionReport {
  const writing = all.filter((d) => d.creates + d.deletes > 0);
  return {
    count: writing.length,
    scaleOut: writing.filter((d) => d.desired > d.live).length,
    scaleIn: writing.filter((d) => d.desired < d.live).length,
    other: writing.filter((d) => d.desired === d.live).length,
    creates: writing.reduce((n, d) => n + d.creates, 0),
    deletes: writing.reduce((n, d) => n + d.deletes, 0),
  };
}

/** A short, id-free summary of an endpoint's answer. */
function summarize(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    if (typeof body.error === 'object' && body.error !== null) {
      const reason = (body.error as { reason?: unknown }).reason;
      return typeof reason === 'string' ? reason : `error ${status}`;
    }
    if (Array.isArray(body.delivered)) {
      const pools = (body.delivered as { pool?: unknown }[]).map((d) => String(d.pool));
      return pools.length > 0
        ? `delivered to ${pools.join(', ')}`
        : typeof body.reason === 'string'
          ? body.reason
          : 'delivered to no pool';
    }
  } catch {
    // not JSON: fall through
  }
  return status < 300 ? 'accepted' : `HTTP ${status}`;
}
