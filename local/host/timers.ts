/**
 * Timer triggers, scheduled the way the Functions timer extension does it, in UTC, from the ONE
 * clock of the local runtime.
 *
 * Schedules are six-field NCRONTAB expressions (`{second} {minute} {hour} {day} {month}
 * {day-of-week}`) evaluated with croner, restricted to NCRONTAB syntax (no `L`, `W`, `#`, `?`) and
 * with NCRONTAB's rule that day-of-month and day-of-week must BOTH match. A .NET TimeSpan
 * (`hh:mm:ss`, `d.hh:mm:ss`) means "every interval", and `%NAME%` is replaced by the app setting
 * NAME, as in the host.
 *
 * Behaviour copied from the host's TimerListener:
 * - One invocation at a time per timer. The next occurrence is computed only when a run
 *   finishes, from the time that run STARTED (or the occurrence it served, if later). So
 *   occurrences that pass while a long run is in flight are not run concurrently and not queued:
 *   they collapse into ONE immediate catch-up run; later ones are skipped. A manual trigger that
 *   arrives while a run is in flight is skipped (and counted in `skipped`).
 * - `runOnStartup`: one invocation right at start.
 * - Schedule monitor (`useMonitor`, default on for schedules of one minute or more, as in the
 *   host): the status `{Last, Next, LastUpdated}` is persisted (here: a JSON file in the state
 *   folder) and passed to the function; at start, a recorded `Next` that has already passed means
 *   an occurrence was missed while the host was down, and the timer runs at once with
 *   `isPastDue: true` (this wins over runOnStartup). A changed schedule is detected as the host
 *   does (the recorded Next no longer follows from Last) and does not count as past due.
 *
 * `isPastDue` (documented divergence): the host only sets it for the start-up case above. The
 * local host ALSO sets it when a scheduled run starts more than `pastDueThresholdMs` (default
 * 1 s) after the occurrence it serves — a virtual-time jump over a due time, an event loop blocked
 * past it, or the catch-up run after an overlong run — because that is what the flag means to a
 * function ("this run is late").
 *
 * Driving: with a real clock, `start()` arms real timeouts (one per timer, re-armed after each
 * run). With a SettableClock nothing fires by itself: a simulation driver asks `nextDueAt()`,
 * moves the clock there and calls `fireDue()`. In that mode due timers run one after another (by
 * due time, then registration order) so a simulation is reproducible.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { Cron } from 'croner';
import type { Clock } from '../clock';
import { isSettableClock } from '../clock';
import type { FunctionRegistry, RegisteredFunction } from './functionsCore';
import { functionsWithTrigger, triggerBinding } from './functionsCore';
import type { InvokeExtras, TimerScheduleStatus } from './invoke';
import { errorMessage, invokeTimer } from './invoke';
import type { HostLog } from './log';
import { quietHostLog } from './log';
import { isFunctionDisabled } from './settings';

/** Why a timer's schedule cannot be used. */
export class TimerScheduleError extends Error {
  override readonly name = 'TimerScheduleError';
  constructor(
    readonly schedule: string,
    readonly problem: string,
    readonly functionName?: string,
  ) {
    super(
      `${functionName ? `Timer "${functionName}": ` : ''}schedule "${schedule}" is not valid: ${problem}`,
    );
  }
}

/** A parsed schedule. */
export interface TimerSchedule {
  /** The expression, after `%NAME%` substitution. */
  readonly expression: string;
  readonly kind: 'cron' | 'interval';
  /** The first occurrence strictly after `t` (ms since epoch), or undefined if there is none. */
  nextAfter(t: number): number | undefined;
}

const FIELD_NAMES = ['second', 'minute', 'hour', 'day', 'month', 'day-of-week'] as const;
/** One NCRONTAB list element: `*`, `5`, `1-5`, `*\/15`, `5/15`, `MON-FRI`, `JAN`. */
const ELEMENT = /^(\*|\d+|[A-Za-z]{3})(-(\d+|[A-Za-z]{3}))?(\/\d+)?$/;

function parseTimeSpan(expression: string): number | undefined {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$/.exec(expression);
  if (!m) return undefined;
  const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = m;
  if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) return undefined;
  return (
    ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000
  );
}

/** Replace `%NAME%` with app settings, as the host's name resolver does. */
function resolveSettingReferences(
  expression: string,
  env: Readonly<Record<string, string | undefined>>,
  functionName?: string,
): string {
  return expression.replace(/%([^%\s]+)%/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined) {
      throw new TimerScheduleError(
        expression,
        `it refers to the app setting ${name}, which is not set`,
        functionName,
      );
    }
    return value;
  });
}

/**
 * Parse a timer schedule: six-field NCRONTAB (UTC) or a TimeSpan. Throws TimerScheduleError
 * naming the schedule (and the function, when given) and the problem.
 */
export function parseTimerSchedule(expression: string, functionName?: string): TimerSchedule {
  const text = expression.trim();
  const interval = parseTimeSpan(text);
  if (interval !== undefined) {
    if (interval <= 0) {
      throw new TimerScheduleError(
        expression,
        'a TimeSpan schedule must be positive',
        functionName,
      );
    }
    return { expression: text, kind: 'interval', nextAfter: (t) => t + interval };
  }
  const fields = text.split(/\s+/).filter((f) => f.length > 0);
  if (fields.length !== 6) {
    throw new TimerScheduleError(
      expression,
      `expected six NCRONTAB fields (${FIELD_NAMES.join(' ')}) or a TimeSpan (hh:mm:ss), got ${fields.length} field(s)`,
      functionName,
    );
  }
  fields.forEach((field, i) => {
    for (const element of field.split(',')) {
      const named = /[A-Za-z]/.test(element);
      if (!ELEMENT.test(element) || (named && i < 4)) {
        throw new TimerScheduleError(
          expression,
          `the ${FIELD_NAMES[i]} field "${field}" is not NCRONTAB syntax`,
          functionName,
        );
      }
    }
  });
  let cron: Cron;
  try {
    cron = new Cron(fields.join(' '), {
      paused: true,
      mode: '6-part',
      timezone: 'UTC',
      // NCRONTAB: a day must match BOTH the day-of-month and the day-of-week fields.
      domAndDow: true,
      // NCRONTAB reads `5/15` as "from 5, every 15".
      sloppyRanges: true,
    });
  } catch (err) {
    throw new TimerScheduleError(expression, errorMessage(err), functionName);
  }
  return {
    expression: text,
    kind: 'cron',
    nextAfter: (t) => cron.nextRun(new Date(t))?.getTime() ?? undefined,
  };
}

/** The smallest gap between the next few occurrences after `t` (Infinity if fewer than two). */
function shortestInterval(schedule: TimerSchedule, t: number): number {
  let gap = Infinity;
  let previous = schedule.nextAfter(t);
  for (let i = 0; i < 3 && previous !== undefined; i++) {
    const next = schedule.nextAfter(previous);
    if (next === undefined) break;
    gap = Math.min(gap, next - previous);
    previous = next;
  }
  return gap;
}

// ---------------------------------------------------------------------------------------------
// Schedule status (the host's ScheduleStatus)

/** The host's "no value" DateTime (DateTime.MinValue), as the function sees it. */
const DEFAULT_DATE_TIME = '0001-01-01T00:00:00.000Z';

/** A timer's schedule status; times in ms since epoch, undefined = never. */
export interface ScheduleStatus {
  readonly last: number | undefined;
  readonly next: number | undefined;
  readonly lastUpdated: number | undefined;
}

const isoOrDefault = (t: number | undefined): string =>
  t === undefined ? DEFAULT_DATE_TIME : new Date(t).toISOString();

/** The status as the function receives it (ISO text). */
function statusForFunction(status: ScheduleStatus): TimerScheduleStatus {
  return {
    last: isoOrDefault(status.last),
    next: isoOrDefault(status.next),
    lastUpdated: isoOrDefault(status.lastUpdated),
  };
}

type StoredStatuses = Record<string, { Last: string; Next: string; LastUpdated: string }>;

function parseStoredTime(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const t = Date.parse(text);
  // DateTime.MinValue (year 1) and anything before 1970 mean "never".
  return Number.isNaN(t) || t < 0 ? undefined : t;
}

/**
 * The host's ScheduleMonitor.CheckPastDueAsync: the status to run with, and whether an occurrence
 * was missed. A stored status from the future (a virtual-time run, a clock set back) is ignored.
 */
export function checkPastDue(
  schedule: TimerSchedule,
  stored: ScheduleStatus | undefined,
  now: number,
): { status: ScheduleStatus; pastDue: boolean } {
  const future =
    stored !== undefined &&
    Math.max(stored.last ?? -Infinity, stored.lastUpdated ?? -Infinity) > now;
  if (stored === undefined || future) {
    return {
      status: { last: undefined, next: schedule.nextAfter(now), lastUpdated: now },
      pastDue: false,
    };
  }
  let status = stored;
  const basis = stored.last ?? stored.lastUpdated ?? now;
  const expected = schedule.nextAfter(basis);
  if (stored.next !== expected) {
    // The schedule changed since the status was written: start over from the new schedule,
    // and do not call the old occurrence missed.
    status =
      expected !== undefined && now > expected
        ? { last: undefined, next: schedule.nextAfter(now), lastUpdated: now }
        : { last: undefined, next: expected, lastUpdated: basis };
  }
  return { status, pastDue: status.next !== undefined && now > status.next };
}

// ---------------------------------------------------------------------------------------------
// The scheduler

/** Why a timer function ran. */
export type TimerRunReason = 'schedule' | 'runOnStartup' | 'pastDue' | 'manual';

/** One timer invocation, for tests and diagnostics. */
export interface TimerRun {
  readonly functionName: string;
  readonly reason: TimerRunReason;
  /** The occurrence the run serves (ms since epoch); undefined for runOnStartup and manual runs. */
  readonly scheduledFor: number | undefined;
  readonly startedAt: number;
  readonly isPastDue: boolean;
  readonly outcome: 'succeeded' | 'failed';
  /** The error message of a failed run. */
  readonly error?: string;
}

/** A timer as the scheduler sees it. */
export interface TimerDescription {
  readonly functionName: string;
  readonly schedule: string;
  readonly runOnStartup: boolean;
  readonly useMonitor: boolean;
  /** When it is due next (ms since epoch): now for a pending start-up run; undefined = never. */
  readonly nextDueAt: number | undefined;
  readonly running: boolean;
  readonly status: ScheduleStatus;
}

/** How to build a TimerScheduler. */
export interface TimerSchedulerOptions {
  readonly registry: FunctionRegistry;
  /** The one clock (the engine's and the emulator's). */
  readonly clock: Clock;
  /** Extra inputs per function, e.g. the durable client binding data for a `durableClient`. */
  readonly extras?: (fn: RegisteredFunction) => InvokeExtras | undefined;
  /** Where schedule statuses are persisted (schedule monitor); none = kept in memory only. */
  readonly statusFile?: string;
  /** A scheduled run starting later than this after its occurrence reports isPastDue. Default 1000. */
  readonly pastDueThresholdMs?: number;
  /** App settings, for `%NAME%` in schedules and `AzureWebJobs.<name>.Disabled`. Default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly log?: HostLog;
  /** Most runs kept in `runs` (oldest dropped). Default 1000. */
  readonly maxRunsKept?: number;
}

interface PendingStartup {
  readonly reason: 'runOnStartup' | 'pastDue';
  readonly dueAt: number;
  /** The missed occurrence, for a past-due run. */
  readonly originalSchedule?: number;
}

interface TimerEntry {
  readonly fn: RegisteredFunction;
  readonly order: number;
  readonly schedule: TimerSchedule;
  readonly runOnStartup: boolean;
  readonly useMonitor: boolean;
  status: ScheduleStatus;
  pending: PendingStartup | undefined;
  running: Promise<TimerRun> | undefined;
  handle: ReturnType<typeof setTimeout> | undefined;
}

/** setTimeout's longest delay; longer waits are re-armed. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** A real timeout that wakes this much (or less) before its due time still runs the timer. */
const EARLY_WAKE_TOLERANCE_MS = 1000;
const DEFAULT_PAST_DUE_THRESHOLD_MS = 1000;

/** Schedules and runs the app's timer triggers (see the module comment for the rules). */
export class TimerScheduler {
  readonly registry: FunctionRegistry;
  readonly clock: Clock;
  readonly pastDueThresholdMs: number;
  /** Recent runs, oldest first (at most `maxRunsKept`). */
  readonly runs: TimerRun[] = [];

  readonly #extras: ((fn: RegisteredFunction) => InvokeExtras | undefined) | undefined;
  readonly #statusFile: string | undefined;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #log: HostLog;
  readonly #maxRunsKept: number;
  readonly #realTime: boolean;
  #entries: TimerEntry[] = [];
  #stored: StoredStatuses = {};
  #started = false;
  #stopped = false;
  #skipped = 0;
  #writes: Promise<void> = Promise.resolve();

  /** Build a scheduler; nothing is read or scheduled until `start()`. */
  constructor(options: TimerSchedulerOptions) {
    this.registry = options.registry;
    this.clock = options.clock;
    this.pastDueThresholdMs = options.pastDueThresholdMs ?? DEFAULT_PAST_DUE_THRESHOLD_MS;
    this.#extras = options.extras;
    this.#statusFile = options.statusFile;
    this.#env = options.env ?? process.env;
    this.#log = options.log ?? quietHostLog;
    this.#maxRunsKept = options.maxRunsKept ?? 1000;
    this.#realTime = !isSettableClock(options.clock);
  }

  /** Runs skipped because the same timer was still running. */
  get skipped(): number {
    return this.#skipped;
  }

  /**
   * Read the app's timer functions (skipping disabled ones), check their schedules, load
   * persisted statuses, decide start-up runs (past due, runOnStartup) and — with a real clock —
   * arm the timeouts. Throws TimerScheduleError for a bad schedule. Idempotent.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    const now = this.clock.now();
    const entries: TimerEntry[] = [];
    for (const fn of functionsWithTrigger(this.registry, 'timerTrigger')) {
      if (isFunctionDisabled(fn.name, this.#env)) {
        this.#log('information', `Timer ${fn.name} is disabled (AzureWebJobs.${fn.name}.Disabled)`);
        continue;
      }
      entries.push(this.#entryFor(fn, entries.length));
    }
    if (this.#statusFile && entries.some((e) => e.useMonitor)) {
      this.#stored = await this.#readStatuses(this.#statusFile);
    }
    for (const entry of entries) {
      if (entry.useMonitor) {
        const { status, pastDue } = checkPastDue(entry.schedule, this.#storedStatus(entry), now);
        entry.status = status;
        if (pastDue) {
          entry.pending = {
            reason: 'pastDue',
            dueAt: now,
            ...(status.next !== undefined ? { originalSchedule: status.next } : {}),
          };
        }
      }
      if (!entry.pending && entry.runOnStartup) {
        entry.pending = { reason: 'runOnStartup', dueAt: now };
      }
    }
    this.#entries = entries;
    this.#started = true;
    this.#persist();
    for (const entry of entries) this.#arm(entry);
  }

  /** Stop arming timeouts, wait for runs in flight and for status writes. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const entry of this.#entries) {
      if (entry.handle) clearTimeout(entry.handle);
      entry.handle = undefined;
    }
    await this.whenIdle();
    await this.#writes;
  }

  /** Resolves when no timer function is running. */
  async whenIdle(): Promise<void> {
    for (;;) {
      const running = this.#entries.flatMap((e) => (e.running ? [e.running] : []));
      if (running.length === 0) return;
      await Promise.allSettled(running);
    }
  }

  /** The timers, in registration order. */
  describe(): TimerDescription[] {
    return this.#entries.map((e) => ({
      functionName: e.fn.name,
      schedule: e.schedule.expression,
      runOnStartup: e.runOnStartup,
      useMonitor: e.useMonitor,
      nextDueAt: dueAt(e),
      running: e.running !== undefined,
      status: e.status,
    }));
  }

  /** The earliest time a timer that is not running is due (ms since epoch), or undefined. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const e of this.#entries) {
      const t = e.running ? undefined : dueAt(e);
      if (t !== undefined && (next === undefined || t < next)) next = t;
    }
    return next;
  }

  /**
   * Run every timer due at the current clock time, one after another (due time, then
   * registration order). A timer still running is skipped. Resolves with how many ran.
   */
  async fireDue(): Promise<number> {
    this.#requireStarted('fireDue');
    if (this.#stopped) return 0;
    const now = this.clock.now();
    const due = this.#entries
      .filter((e) => {
        const t = dueAt(e);
        return t !== undefined && t <= now;
      })
      .sort((a, b) => (dueAt(a) ?? 0) - (dueAt(b) ?? 0) || a.order - b.order);
    let fired = 0;
    for (const entry of due) {
      if (entry.running) {
        this.#skip(entry, 'it is still running');
        continue;
      }
      await this.#run(entry, false);
      fired++;
    }
    return fired;
  }

  /**
   * Run a timer now, outside its schedule (the host's admin "invoke" endpoint): its schedule and
   * status are left alone. Resolves undefined (and counts a skip) when it is already running.
   */
  async trigger(functionName: string): Promise<TimerRun | undefined> {
    this.#requireStarted('trigger');
    const entry = this.#entries.find((e) => e.fn.name === functionName);
    if (!entry) {
      const known = this.#entries.map((e) => e.fn.name).join(', ') || '(none)';
      throw new Error(`"${functionName}" is not an enabled timer function. Timers: ${known}`);
    }
    if (entry.running) {
      this.#skip(entry, 'it is still running');
      return undefined;
    }
    return this.#run(entry, true);
  }

  // --- internals ------------------------------------------------------------------------------

  #requireStarted(what: string): void {
    if (!this.#started) throw new Error(`TimerScheduler.${what}: call start() first`);
  }

  #entryFor(fn: RegisteredFunction, order: number): TimerEntry {
    const binding = triggerBinding(fn).binding;
    const raw = binding.schedule;
    if (typeof raw !== 'string' || raw.trim().length === 0) {
      throw new TimerScheduleError(String(raw), 'the timer has no schedule', fn.name);
    }
    const schedule = parseTimerSchedule(resolveSettingReferences(raw, this.#env, fn.name), fn.name);
    // As the host: the monitor is on unless turned off, and never for sub-minute schedules.
    const useMonitor =
      binding.useMonitor !== false && shortestInterval(schedule, this.clock.now()) >= 60_000;
    return {
      fn,
      order,
      schedule,
      runOnStartup: binding.runOnStartup === true,
      useMonitor,
      status: {
        last: undefined,
        next: schedule.nextAfter(this.clock.now()),
        lastUpdated: undefined,
      },
      pending: undefined,
      running: undefined,
      handle: undefined,
    };
  }

  #skip(entry: TimerEntry, why: string): void {
    this.#skipped++;
    this.#log('debug', `Timer ${entry.fn.name}: run skipped because ${why}`);
  }

  #run(entry: TimerEntry, manual: boolean): Promise<TimerRun> {
    const startedAt = this.clock.now();
    let reason: TimerRunReason;
    let scheduledFor: number | undefined;
    let isPastDue: boolean;
    const pending = manual ? undefined : entry.pending;
    if (manual) {
      reason = 'manual';
      scheduledFor = undefined;
      isPastDue = false;
    } else if (pending) {
      entry.pending = undefined;
      reason = pending.reason;
      scheduledFor = pending.originalSchedule;
      isPastDue = pending.reason === 'pastDue';
    } else {
      reason = 'schedule';
      scheduledFor = entry.status.next;
      isPastDue = scheduledFor !== undefined && startedAt - scheduledFor > this.pastDueThresholdMs;
    }
    const invocationId = randomUUID();
    const name = entry.fn.name;
    this.#log(
      'information',
      `Executing 'Functions.${name}' (Reason='${describeReason(reason, startedAt)}', Id=${invocationId})`,
    );
    const run = (async (): Promise<TimerRun> => {
      let outcome: TimerRun['outcome'] = 'succeeded';
      let error: string | undefined;
      try {
        await invokeTimer(
          this.registry,
          name,
          {
            isPastDue,
            scheduleStatus: entry.useMonitor ? statusForFunction(entry.status) : null,
          },
          { ...(this.#extras?.(entry.fn) ?? {}), invocationId },
        );
      } catch (err) {
        // A failing run never stops the schedule (as in the host).
        outcome = 'failed';
        error = errorMessage(err);
      }
      const finishedAt = this.clock.now();
      this.#log(
        outcome === 'failed' ? 'error' : 'information',
        `Executed 'Functions.${name}' (${outcome === 'failed' ? `Failed: ${error}` : 'Succeeded'}, Id=${invocationId}, Duration=${finishedAt - startedAt}ms)`,
      );
      if (!manual) {
        // The host computes Next from the run's start (or the occurrence it served, when the
        // timeout woke a little early), so a long run does not shift the schedule.
        const basis =
          reason === 'schedule' && entry.status.next !== undefined && entry.status.next > startedAt
            ? entry.status.next
            : startedAt;
        entry.status = { last: basis, next: entry.schedule.nextAfter(basis), lastUpdated: basis };
        if (entry.useMonitor) this.#persist();
      }
      const record: TimerRun = {
        functionName: name,
        reason,
        scheduledFor,
        startedAt,
        isPastDue,
        outcome,
        ...(error !== undefined ? { error } : {}),
      };
      this.runs.push(record);
      if (this.runs.length > this.#maxRunsKept) this.runs.shift();
      return record;
    })();
    entry.running = run;
    return run.finally(() => {
      entry.running = undefined;
    });
  }

  #arm(entry: TimerEntry): void {
    if (entry.handle) clearTimeout(entry.handle);
    entry.handle = undefined;
    if (!this.#realTime || this.#stopped) return;
    const due = dueAt(entry);
    if (due === undefined) return;
    const delay = Math.min(Math.max(0, due - this.clock.now()), MAX_TIMEOUT_MS);
    entry.handle = setTimeout(() => {
      entry.handle = undefined;
      if (this.#stopped) return;
      const current = dueAt(entry);
      if (current === undefined) return;
      if (current - this.clock.now() > EARLY_WAKE_TOLERANCE_MS) {
        // A capped (24.8-day) timeout, or the clock moved: wait for the rest.
        this.#arm(entry);
        return;
      }
      if (entry.running) {
        // A manual run is in flight: look again when it is done.
        void entry.running.finally(() => this.#arm(entry));
        return;
      }
      this.#run(entry, false).then(
        () => this.#arm(entry),
        (err: unknown) => {
          this.#log('error', `Timer ${entry.fn.name} failed to run: ${errorMessage(err)}`);
          this.#arm(entry);
        },
      );
    }, delay);
  }

  #storedStatus(entry: TimerEntry): ScheduleStatus | undefined {
    const raw = this.#stored[entry.fn.name];
    if (!raw) return undefined;
    return {
      last: parseStoredTime(raw.Last),
      next: parseStoredTime(raw.Next),
      lastUpdated: parseStoredTime(raw.LastUpdated),
    };
  }

  async #readStatuses(file: string): Promise<StoredStatuses> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        return parsed as StoredStatuses;
      }
    } catch {
      // fall through: a damaged status file only costs the past-due check
    }
    this.#log('warning', `${file}: timer statuses unreadable; starting from the schedules`);
    return {};
  }

  /** Write the monitored statuses (chained, so writes never interleave). */
  #persist(): void {
    const file = this.#statusFile;
    if (!file || !this.#entries.some((e) => e.useMonitor)) return;
    for (const e of this.#entries) {
      if (!e.useMonitor) continue;
      this.#stored[e.fn.name] = {
        Last: isoOrDefault(e.status.last),
        Next: isoOrDefault(e.status.next),
        LastUpdated: isoOrDefault(e.status.lastUpdated),
      };
    }
    const text = `${JSON.stringify(this.#stored, null, 2)}\n`;
    this.#writes = this.#writes
      .then(async () => {
        const temp = `${file}.${process.pid}.tmp`;
        await writeFile(temp, text);
        await rename(temp, file);
      })
      .catch((err: unknown) => {
        this.#log('warning', `${file}: could not save timer statuses: ${errorMessage(err)}`);
      });
  }
}

function dueAt(entry: TimerEntry): number | undefined {
  return entry.pending ? entry.pending.dueAt : entry.status.next;
}

function describeReason(reason: TimerRunReason, at: number): string {
  switch (reason) {
    case 'schedule':
      return `Timer fired at ${new Date(at).toISOString()}`;
    case 'runOnStartup':
      return 'RunOnStartup';
    case 'pastDue':
      return 'IsPastDue';
    case 'manual':
      return 'This function was programmatically called via the host APIs.';
  }
}
