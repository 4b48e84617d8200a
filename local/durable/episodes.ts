/**
 * The engine's episodes: one replay of an orchestrator over its history plus the new events in
 * its inbox, through the real durable-functions code (replay.ts), and the commit of what it
 * decided — completion, failure, continue-as-new, or what it now waits on (activities, timers,
 * sub-orchestrations), checked against the history like DurableTask's non-determinism check.
 * Until an episode's commit lands its batch stays in the inbox, so a crash replays it again.
 */
import type { Clock } from '../clock';
import type { FunctionRegistry } from '../host/functionsCore';
import { errorMessage } from '../host/invoke';
import { asFailureDetails } from './activities';
import type { HistoryEvent, TaskScheduledEvent, TimerCreatedEvent } from './history';
import { EventType, eventTypeName, h, isoTime, jsonText, markPlayed } from './history';
import type { Instances } from './instances';
import { executionStarted, versionOf } from './instances';
import type { ReplayOptions, ReplayResult } from './replay';
import { replayEpisode } from './replay';
import type { OpenRetryTimer, OpenTask } from './sdkInternals';
import type { EngineCounters, EngineLog, Scheduler } from './scheduling';
import type { InstanceState, InstanceStore } from './store';
import { isTerminal } from './store';

/** The events an episode adds: OrchestratorStarted, then the batch of new events it saw. */
interface Played {
  readonly now: number;
  readonly started: HistoryEvent;
  readonly batch: HistoryEvent[];
}

/** See the module comment. */
export class Episodes {
  readonly #registry: FunctionRegistry;
  readonly #clock: Clock;
  readonly #store: InstanceStore;
  readonly #scheduler: Scheduler;
  readonly #instances: Instances;
  readonly #counters: EngineCounters;
  readonly #log: EngineLog;
  readonly #replayOptions: ReplayOptions;

  constructor(options: {
    registry: FunctionRegistry;
    clock: Clock;
    store: InstanceStore;
    scheduler: Scheduler;
    instances: Instances;
    counters: EngineCounters;
    log: EngineLog;
    replay: ReplayOptions;
  }) {
    this.#registry = options.registry;
    this.#clock = options.clock;
    this.#store = options.store;
    this.#scheduler = options.scheduler;
    this.#instances = options.instances;
    this.#counters = options.counters;
    this.#log = options.log;
    this.#replayOptions = options.replay;
  }

  /** Runs one episode of an instance that has new events (nothing for a suspended or finished one). */
  async run(instanceId: string): Promise<void> {
    const state = this.#store.get(instanceId);
    if (!state || isTerminal(state.runtimeStatus) || state.runtimeStatus === 'Suspended') return;
    if (state.inbox.length === 0) return;

    const now = this.#clock.now();
    const played: Played = { now, started: h.orchestratorStarted(now), batch: state.inbox.slice() };
    this.#counters.episodes += 1;

    let result: ReplayResult;
    try {
      result = await this.#replay(state, [
        ...markPlayed(state.history, true),
        played.started,
        ...played.batch,
      ]);
    } catch (err) {
      // Not an orchestrator exception (those come back as result.error): the invocation itself
      // is broken. Fail the instance rather than spin on it.
      this.#commitTo(state, (current) => {
        this.#log('error', `episode of ${instanceId} failed: ${errorMessage(err)}`);
        this.#fail(current, errorMessage(err), undefined, played);
      });
      return;
    }

    if (result.isDone && result.continueAsNew && !result.error) {
      // Needs more replays before it can commit (its own transaction, after them).
      const carried = await this.#unconsumedEvents(state, result, played);
      this.#commitTo(state, (current) => this.#continueAsNew(current, result, played, carried));
      return;
    }
    // The episode's outcome, the instances it starts and the parent it notifies: one commit.
    this.#commitTo(state, (current) => this.#settle(current, result, played));
  }

  /**
   * Commits a change to the instance the episode ran for — unless it changed meanwhile (the
   * replay awaited: a terminate, purge or continue-as-new may have happened).
   */
  #commitTo(episodeState: InstanceState, change: (current: InstanceState) => void): void {
    const { instanceId, epoch, execution } = episodeState;
    this.#scheduler.commit(() => {
      const current = this.#store.get(instanceId);
      if (!current || current.epoch !== epoch || current.execution !== execution) {
        this.#log('debug', `dropping the episode of ${instanceId}: the instance changed meanwhile`);
        return;
      }
      change(current);
    });
  }

  /** Records a finished or waiting orchestrator. */
  #settle(state: InstanceState, result: ReplayResult, played: Played): void {
    state.customStatus = result.customStatus ?? null;
    if (result.error) {
      this.#fail(state, result.error.message, result.error.failureDetails, played);
      return;
    }
    if (!result.isDone) {
      this.#progress(state, result, played);
      return;
    }
    const { now, started, batch } = played;
    state.inbox.splice(0, batch.length);
    state.history.push(started, ...batch);
    state.history.push(
      h.orchestratorCompleted(now),
      h.executionCompleted(now, 'Completed', result.output),
    );
    this.#instances.finish(state, 'Completed', result.output ?? null, now);
    this.#store.put(state);
    this.#instances.notifyParent(state, { completed: jsonText(result.output) ?? 'null' });
  }

  #replay(state: InstanceState, history: HistoryEvent[]): Promise<ReplayResult> {
    return replayEpisode({
      registry: this.#registry,
      functionName: state.name,
      instanceId: state.instanceId,
      input: state.input,
      history,
      ...(state.parent ? { parentInstanceId: state.parent.instanceId } : {}),
      options: this.#replayOptions,
    });
  }

  #fail(state: InstanceState, message: string, failureDetails: unknown, played: Played): void {
    const { now, started, batch } = played;
    const output = `Orchestrator function '${state.name}' failed: ${message}`;
    state.inbox.splice(0, batch.length);
    state.history.push(started, ...batch, h.orchestratorCompleted(now));
    state.history.push(h.executionCompleted(now, 'Failed', output));
    this.#instances.finish(state, 'Failed', output, now);
    this.#store.put(state);
    const details = asFailureDetails(failureDetails);
    this.#instances.notifyParent(state, {
      failed: { Reason: output, Details: message, ...(details ? { FailureDetails: details } : {}) },
    });
  }

  /** The orchestrator is waiting: record what it waits on and schedule the new work. */
  #progress(state: InstanceState, result: ReplayResult, played: Played): void {
    const { now, started, batch } = played;
    const scheduled = scheduledEvents(state.history, batch);
    const refusal = refusalOf(result, scheduled);
    if (refusal !== undefined) {
      this.#fail(state, refusal, undefined, played);
      return;
    }
    state.inbox.splice(0, batch.length);
    state.history.push(started, ...batch);
    const newEvents = this.#schedule(state, result.snapshot.openTasks, scheduled, now);
    state.history.push(...newEvents, h.orchestratorCompleted(now));
    state.waitingForEvents = Object.keys(result.snapshot.waitingForEvents);
    if (state.runtimeStatus === 'Pending' || state.runtimeStatus === 'ContinuedAsNew') {
      state.runtimeStatus = 'Running';
    }
    state.lastUpdatedTime = now;
    this.#store.put(state);
  }

  /**
   * Turns what the orchestrator waits on into work: new activities are queued, timers (kept or
   * new) armed, sub-orchestrations started. Returns the scheduling events to record.
   */
  #schedule(
    state: InstanceState,
    openTasks: readonly OpenTask[],
    scheduled: ReadonlyMap<number, HistoryEvent>,
    now: number,
  ): HistoryEvent[] {
    const timers: InstanceState['timers'] = [];
    const openActivityIds = new Set<number>();
    const newEvents: HistoryEvent[] = [];
    for (const task of openTasks) {
      const existing = scheduled.get(task.id);
      if (task.kind === 'activity') {
        openActivityIds.add(task.id);
        if (existing) continue;
        newEvents.push(taskScheduledEvent(now, task.id, task.name, task.inputJson));
        const input = task.inputJson !== undefined ? { inputJson: task.inputJson } : {};
        state.activities.push({ id: task.id, name: task.name, ...input });
        this.#scheduler.queueActivity(state, task.id, task.name, task.inputJson);
      } else if (task.kind === 'timer' || task.kind === 'retryTimer') {
        if (task.kind === 'timer' && task.canceled) continue; // nothing waits for it any more
        let fireAt: number;
        if (existing && existing.EventType === EventType.TimerCreated) {
          fireAt = Date.parse(existing.FireAt);
        } else {
          fireAt = task.kind === 'timer' ? task.fireAt : retryFireAt(now, task);
          newEvents.push(timerCreatedEvent(now, task.id, fireAt));
        }
        timers.push({ id: task.id, fireAt });
      } else if (task.kind === 'subOrchestration' && !existing) {
        newEvents.push(this.#instances.startSubOrchestration(state, task, now));
      }
    }
    state.timers = timers;
    state.activities = state.activities.filter((a) => openActivityIds.has(a.id));
    return newEvents;
  }

  #continueAsNew(
    state: InstanceState,
    result: ReplayResult,
    played: Played,
    carried: HistoryEvent[],
  ): void {
    const { now, batch } = played;
    const input = result.continueAsNew?.input;
    const version = versionOf(state);
    // Events that arrived while this episode ran belong to the next execution too; activity and
    // timer completions of the old execution do not.
    const arrivedMeanwhile = state.inbox
      .slice(batch.length)
      .filter((e) => e.EventType === EventType.EventRaised);
    const nextExecution = state.execution + 1;
    state.execution = nextExecution;
    state.input = input ?? null;
    state.history = [];
    state.inbox = [
      // continueAsNew keeps the instance's version (the JS SDK cannot ask for another).
      executionStarted(
        now,
        state.name,
        state.instanceId,
        input,
        nextExecution,
        state.parent,
        version,
      ),
      ...carried,
      ...arrivedMeanwhile,
    ];
    state.timers = [];
    state.activities = [];
    state.waitingForEvents = [];
    state.customStatus = result.customStatus ?? null;
    state.runtimeStatus = 'ContinuedAsNew';
    state.lastUpdatedTime = now;
    this.#counters.continuedAsNew += 1;
    this.#store.put(state);
    this.#scheduler.enqueue(state);
  }

  /**
   * External events that arrived in this execution but were not consumed when the orchestrator
   * called continueAsNew; they carry over to the next execution.
   *
   * The SDK stops reading history as soon as the orchestrator is done, so events after that point
   * were never seen; events it saw but no task waited for are buffered in its `deferredTasks`
   * (always the newest ones of their name: a waiter takes the oldest buffered event first). To
   * find where it stopped, replay again with growing prefixes of the new events until it finishes.
   */
  async #unconsumedEvents(
    state: InstanceState,
    result: ReplayResult,
    { started, batch }: Played,
  ): Promise<HistoryEvent[]> {
    let processedCount = batch.length;
    let snapshot = result.snapshot;
    const played = markPlayed(state.history, true);
    for (let k = 1; k < batch.length; k++) {
      const attempt = await this.#replay(state, [...played, started, ...batch.slice(0, k)]);
      if (attempt.isDone && attempt.continueAsNew) {
        processedCount = k;
        snapshot = attempt.snapshot;
        break;
      }
    }
    const processed = [...state.history, ...batch.slice(0, processedCount)];
    const buffered = new Set<HistoryEvent>();
    for (const [name, count] of Object.entries(snapshot.deferred)) {
      const ofName = processed.filter(
        (e) => e.EventType === EventType.EventRaised && e.Name === name,
      );
      for (const e of ofName.slice(-count)) buffered.add(e);
    }
    const carried = processed.filter((e) => buffered.has(e));
    const unseen = batch.slice(processedCount).filter((e) => e.EventType === EventType.EventRaised);
    return [...carried, ...unseen].map((e) => ({ ...e, IsPlayed: false }));
  }
}

/** Scheduling events already in the history or the new batch, by sequence id. */
function scheduledEvents(
  ...parts: readonly (readonly HistoryEvent[])[]
): Map<number, HistoryEvent> {
  const scheduled = new Map<number, HistoryEvent>();
  for (const events of parts) {
    for (const e of events) {
      if (
        e.EventType === EventType.TaskScheduled ||
        e.EventType === EventType.TimerCreated ||
        e.EventType === EventType.SubOrchestrationInstanceCreated
      ) {
        scheduled.set(e.EventId, e);
      }
    }
  }
  return scheduled;
}

/**
 * Why a waiting orchestrator cannot go on: it waits on something the local engine does not
 * support, or (DurableTask's check) replay asked for something else under an id already used.
 */
function refusalOf(
  result: ReplayResult,
  scheduled: ReadonlyMap<number, HistoryEvent>,
): string | undefined {
  const unsupported = result.snapshot.openTasks.find((t) => t.kind === 'unsupported');
  if (unsupported?.kind === 'unsupported') {
    return `${unsupported.description} is not supported by the local Durable engine`;
  }
  const mismatch = result.snapshot.openTasks.find((task) => {
    const existing = scheduled.get(task.id);
    return existing !== undefined && !matchesScheduled(task, existing);
  });
  if (!mismatch) return undefined;
  return (
    `Non-deterministic workflow detected: sequence id ${mismatch.id} now waits on ` +
    `${describeOpenTask(mismatch)}, but the history recorded ` +
    `${describeScheduled(scheduled.get(mismatch.id))}.`
  );
}

/** Does an already recorded scheduling event fit what the orchestrator now waits on? */
function matchesScheduled(task: OpenTask, existing: HistoryEvent): boolean {
  switch (task.kind) {
    case 'activity':
      return existing.EventType === EventType.TaskScheduled && existing.Name === task.name;
    case 'subOrchestration':
      return (
        existing.EventType === EventType.SubOrchestrationInstanceCreated &&
        existing.Name === task.name
      );
    case 'timer':
    case 'retryTimer':
      return existing.EventType === EventType.TimerCreated;
    default:
      return true;
  }
}

function describeOpenTask(task: OpenTask): string {
  switch (task.kind) {
    case 'activity':
      return `activity ${task.name}`;
    case 'subOrchestration':
      return `sub-orchestration ${task.name}`;
    case 'timer':
    case 'retryTimer':
      return 'a timer';
    default:
      return task.description;
  }
}

function describeScheduled(event: HistoryEvent | undefined): string {
  if (!event) return 'nothing';
  const name = 'Name' in event ? ` ${event.Name}` : '';
  return `${eventTypeName(event.EventType)}${name}`;
}

function taskScheduledEvent(
  at: number,
  id: number,
  name: string,
  inputJson: string | undefined,
): TaskScheduledEvent {
  return {
    EventType: EventType.TaskScheduled,
    EventId: id,
    IsPlayed: false,
    Timestamp: isoTime(at),
    Name: name,
    ...(inputJson !== undefined ? { Input: inputJson } : {}),
  };
}

function timerCreatedEvent(at: number, id: number, fireAt: number): TimerCreatedEvent {
  return {
    EventType: EventType.TimerCreated,
    EventId: id,
    IsPlayed: false,
    Timestamp: isoTime(at),
    FireAt: isoTime(fireAt),
  };
}

/**
 * When the hidden retry timer of a `*WithRetry` call fires: first interval × coefficient^(n-1),
 * capped by the max interval. After the last attempt the SDK still waits for one timer before
 * failing the task, so that one fires at once.
 */
function retryFireAt(now: number, task: OpenRetryTimer): number {
  const { retry, nextAttempt } = task;
  if (nextAttempt > retry.maxNumberOfAttempts) return now;
  const coefficient = retry.backoffCoefficient ?? 1;
  let delay = retry.firstRetryIntervalInMilliseconds * coefficient ** (nextAttempt - 2);
  if (
    retry.maxRetryIntervalInMilliseconds !== undefined &&
    retry.maxRetryIntervalInMilliseconds > 0
  ) {
    delay = Math.min(delay, retry.maxRetryIntervalInMilliseconds);
  }
  return now + Math.max(0, Math.round(delay));
}
