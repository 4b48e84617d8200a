/**
 * The orchestration history model, in the exact wire shape durable-functions 3.x reads
 * (PascalCase fields, numeric `EventType`, JSON payloads as text), plus small builders so tests
 * can hand-write histories.
 *
 * The SDK drives replay from these events: `OrchestratorStarted.Timestamp` sets
 * `currentUtcDateTime`, completions are matched to tasks by `TaskScheduledId`/`TimerId` (sequence
 * ids) or, for external events, by `Name`, and `IsPlayed` feeds `isReplaying`.
 */

/** `HistoryEventType` numbers of DurableTask.Core, as the SDK uses them. */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  GenericEvent: 17,
  HistoryState: 18,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

/** One of the `EventType` numbers. */
export type EventTypeNumber = (typeof EventType)[keyof typeof EventType];

const eventTypeNames = new Map<number, string>(
  Object.entries(EventType).map(([name, n]) => [n, name]),
);

/** The name of an event type number (`12` → `OrchestratorStarted`). */
export function eventTypeName(type: number): string {
  return eventTypeNames.get(type) ?? `Unknown(${type})`;
}

/** Structured failure information (DurableTask.Core `FailureDetails`), as the SDK reads it. */
export interface FailureDetails {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable?: boolean;
  Properties?: Record<string, unknown>;
  InnerFailure?: FailureDetails;
}

/** What the engine records when an activity or sub-orchestration fails. */
export interface TaskFailure {
  Reason: string;
  Details: string;
  FailureDetails?: FailureDetails;
}

/** Fields every event has. `EventId` is the sequence id for scheduling events, else -1. */
export interface BaseEvent {
  EventType: EventTypeNumber;
  EventId: number;
  IsPlayed: boolean;
  /** ISO 8601 UTC. */
  Timestamp: string;
}

/** The execution began (first event of every execution, also after continueAsNew). */
export interface ExecutionStartedEvent extends BaseEvent {
  EventType: 0;
  Name: string;
  /** JSON text of the input; absent when there is none. */
  Input?: string;
  OrchestrationInstance: { InstanceId: string; ExecutionId: string };
  ParentInstance?: { Name: string; TaskScheduleId: number; InstanceId: string };
  /**
   * The orchestration version recorded when the instance started (`context.df.version`): the one
   * asked for, else host.json's `extensions.durableTask.defaultVersion`; absent without either.
   */
  Version?: string;
}

/** The execution ended; `OrchestrationStatus` says how. */
export interface ExecutionCompletedEvent extends BaseEvent {
  EventType: 1;
  OrchestrationStatus: 'Completed' | 'Failed' | 'ContinuedAsNew';
  Result?: string;
  FailureDetails?: FailureDetails;
}

/** Kept for completeness: DurableTask records failures as ExecutionCompleted(Failed). */
export interface ExecutionFailedEvent extends BaseEvent {
  EventType: 2;
  Reason?: string;
  Details?: string;
}

/** The execution was terminated; `Input` is the reason as JSON text. */
export interface ExecutionTerminatedEvent extends BaseEvent {
  EventType: 3;
  Input?: string;
}

/** An activity was scheduled with sequence id `EventId`. */
export interface TaskScheduledEvent extends BaseEvent {
  EventType: 4;
  Name: string;
  Input?: string;
}

/** Activity `TaskScheduledId` returned `Result` (JSON text; `null` for no value). */
export interface TaskCompletedEvent extends BaseEvent {
  EventType: 5;
  TaskScheduledId: number;
  Result: string;
}

/** Activity `TaskScheduledId` threw. The SDK prefers `FailureDetails`, else needs Reason+Details. */
export interface TaskFailedEvent extends BaseEvent {
  EventType: 6;
  TaskScheduledId: number;
  Reason?: string;
  Details?: string;
  FailureDetails?: FailureDetails;
}

/** A sub-orchestration was started with sequence id `EventId`. */
export interface SubOrchestrationInstanceCreatedEvent extends BaseEvent {
  EventType: 7;
  Name: string;
  InstanceId: string;
  Input?: string;
}

/** Sub-orchestration `TaskScheduledId` completed with `Result` (JSON text). */
export interface SubOrchestrationInstanceCompletedEvent extends BaseEvent {
  EventType: 8;
  TaskScheduledId: number;
  Result: string;
}

/** Sub-orchestration `TaskScheduledId` failed. */
export interface SubOrchestrationInstanceFailedEvent extends BaseEvent {
  EventType: 9;
  TaskScheduledId: number;
  Reason?: string;
  Details?: string;
  FailureDetails?: FailureDetails;
}

/** A durable timer with sequence id `EventId` was created to fire at `FireAt`. */
export interface TimerCreatedEvent extends BaseEvent {
  EventType: 10;
  FireAt: string;
}

/** Timer `TimerId` fired. */
export interface TimerFiredEvent extends BaseEvent {
  EventType: 11;
  TimerId: number;
  FireAt: string;
}

/** Start of an episode; its `Timestamp` is the orchestrator's `currentUtcDateTime`. */
export interface OrchestratorStartedEvent extends BaseEvent {
  EventType: 12;
}

/** End of an episode. */
export interface OrchestratorCompletedEvent extends BaseEvent {
  EventType: 13;
}

/** An external event `Name` arrived with `Input` (JSON text). */
export interface EventRaisedEvent extends BaseEvent {
  EventType: 15;
  Name: string;
  Input?: string;
}

/** The orchestrator called continueAsNew; `Result` is the new input (JSON text). */
export interface ContinueAsNewEvent extends BaseEvent {
  EventType: 16;
  Result?: string;
}

/** The instance was suspended. */
export interface ExecutionSuspendedEvent extends BaseEvent {
  EventType: 19;
  Reason?: string;
}

/** The instance was resumed. */
export interface ExecutionResumedEvent extends BaseEvent {
  EventType: 20;
  Reason?: string;
}

/** Any event this engine writes or the SDK reads. */
export type HistoryEvent =
  | ExecutionStartedEvent
  | ExecutionCompletedEvent
  | ExecutionFailedEvent
  | ExecutionTerminatedEvent
  | TaskScheduledEvent
  | TaskCompletedEvent
  | TaskFailedEvent
  | SubOrchestrationInstanceCreatedEvent
  | SubOrchestrationInstanceCompletedEvent
  | SubOrchestrationInstanceFailedEvent
  | TimerCreatedEvent
  | TimerFiredEvent
  | OrchestratorStartedEvent
  | OrchestratorCompletedEvent
  | EventRaisedEvent
  | ContinueAsNewEvent
  | ExecutionSuspendedEvent
  | ExecutionResumedEvent;

/** A moment as ms since epoch, a Date or ISO text. */
export type Instant = number | Date | string;

/** ISO 8601 text for an instant. */
export function isoTime(at: Instant): string {
  if (typeof at === 'string') return new Date(at).toISOString();
  return new Date(at).toISOString();
}

/** JSON text of a value, or undefined for undefined (so the field is left out). */
export function jsonText(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

function base<T extends EventTypeNumber>(type: T, at: Instant, eventId = -1) {
  return { EventType: type, EventId: eventId, IsPlayed: false, Timestamp: isoTime(at) };
}

function withOptional<T extends object, K extends string, V>(
  obj: T,
  key: K,
  value: V | undefined,
): T & Partial<Record<K, V>> {
  return value === undefined ? obj : { ...obj, [key]: value };
}

/**
 * Builders for hand-written histories. Payload arguments are JS values (encoded to JSON text
 * here); `at` is when the event happened. Events come out with `IsPlayed: false`.
 */
export const h = {
  /** `OrchestratorStarted` at `at`. */
  orchestratorStarted: (at: Instant): OrchestratorStartedEvent =>
    base(EventType.OrchestratorStarted, at),
  /** `OrchestratorCompleted` at `at`. */
  orchestratorCompleted: (at: Instant): OrchestratorCompletedEvent =>
    base(EventType.OrchestratorCompleted, at),
  /** `ExecutionStarted` for orchestrator `name` with `input`. */
  executionStarted: (
    at: Instant,
    opts: {
      name: string;
      input?: unknown;
      instanceId?: string;
      executionId?: string;
      parent?: { name: string; taskScheduleId: number; instanceId: string };
      version?: string;
    },
  ): ExecutionStartedEvent => {
    const ev: ExecutionStartedEvent = {
      ...base(EventType.ExecutionStarted, at),
      Name: opts.name,
      OrchestrationInstance: {
        InstanceId: opts.instanceId ?? 'instance',
        ExecutionId: opts.executionId ?? '0',
      },
    };
    const withInput = withOptional(
      withOptional(ev, 'Input', jsonText(opts.input)),
      'Version',
      opts.version,
    );
    return opts.parent
      ? {
          ...withInput,
          ParentInstance: {
            Name: opts.parent.name,
            TaskScheduleId: opts.parent.taskScheduleId,
            InstanceId: opts.parent.instanceId,
          },
        }
      : withInput;
  },
  /** `ExecutionCompleted` with a status and result. */
  executionCompleted: (
    at: Instant,
    status: ExecutionCompletedEvent['OrchestrationStatus'],
    result?: unknown,
  ): ExecutionCompletedEvent =>
    withOptional(
      { ...base(EventType.ExecutionCompleted, at), OrchestrationStatus: status },
      'Result',
      jsonText(result),
    ),
  /** `ExecutionTerminated` with a reason. */
  executionTerminated: (at: Instant, reason?: string): ExecutionTerminatedEvent =>
    withOptional(base(EventType.ExecutionTerminated, at), 'Input', jsonText(reason)),
  /** `TaskScheduled` for activity `name` with sequence id `id`. */
  taskScheduled: (at: Instant, id: number, name: string, input?: unknown): TaskScheduledEvent =>
    withOptional(
      { ...base(EventType.TaskScheduled, at, id), Name: name },
      'Input',
      jsonText(input),
    ),
  /** `TaskCompleted` for sequence id `id`; an undefined result is recorded as `null`. */
  taskCompleted: (at: Instant, id: number, result?: unknown): TaskCompletedEvent => ({
    ...base(EventType.TaskCompleted, at),
    TaskScheduledId: id,
    Result: jsonText(result) ?? 'null',
  }),
  /** `TaskFailed` for sequence id `id`, in the legacy Reason/Details form or with FailureDetails. */
  taskFailed: (
    at: Instant,
    id: number,
    failure: { reason?: string; details?: string; failureDetails?: FailureDetails },
  ): TaskFailedEvent => {
    let ev: TaskFailedEvent = { ...base(EventType.TaskFailed, at), TaskScheduledId: id };
    ev = withOptional(ev, 'Reason', failure.reason);
    ev = withOptional(ev, 'Details', failure.details);
    return withOptional(ev, 'FailureDetails', failure.failureDetails);
  },
  /** `SubOrchestrationInstanceCreated` with sequence id `id`. */
  subOrchestrationCreated: (
    at: Instant,
    id: number,
    name: string,
    instanceId: string,
    input?: unknown,
  ): SubOrchestrationInstanceCreatedEvent =>
    withOptional(
      {
        ...base(EventType.SubOrchestrationInstanceCreated, at, id),
        Name: name,
        InstanceId: instanceId,
      },
      'Input',
      jsonText(input),
    ),
  /** `SubOrchestrationInstanceCompleted` for sequence id `id`. */
  subOrchestrationCompleted: (
    at: Instant,
    id: number,
    result?: unknown,
  ): SubOrchestrationInstanceCompletedEvent => ({
    ...base(EventType.SubOrchestrationInstanceCompleted, at),
    TaskScheduledId: id,
    Result: jsonText(result) ?? 'null',
  }),
  /** `SubOrchestrationInstanceFailed` for sequence id `id`. */
  subOrchestrationFailed: (
    at: Instant,
    id: number,
    failure: { reason?: string; details?: string; failureDetails?: FailureDetails },
  ): SubOrchestrationInstanceFailedEvent => {
    let ev: SubOrchestrationInstanceFailedEvent = {
      ...base(EventType.SubOrchestrationInstanceFailed, at),
      TaskScheduledId: id,
    };
    ev = withOptional(ev, 'Reason', failure.reason);
    ev = withOptional(ev, 'Details', failure.details);
    return withOptional(ev, 'FailureDetails', failure.failureDetails);
  },
  /** `TimerCreated` with sequence id `id` firing at `fireAt`. */
  timerCreated: (at: Instant, id: number, fireAt: Instant): TimerCreatedEvent => ({
    ...base(EventType.TimerCreated, at, id),
    FireAt: isoTime(fireAt),
  }),
  /** `TimerFired` for timer `id`. */
  timerFired: (at: Instant, id: number, fireAt: Instant): TimerFiredEvent => ({
    ...base(EventType.TimerFired, at),
    TimerId: id,
    FireAt: isoTime(fireAt),
  }),
  /** `EventRaised` named `name` carrying `input`. */
  eventRaised: (at: Instant, name: string, input?: unknown): EventRaisedEvent =>
    withOptional({ ...base(EventType.EventRaised, at), Name: name }, 'Input', jsonText(input)),
  /** `ContinueAsNew` with the next execution's input. */
  continueAsNew: (at: Instant, input?: unknown): ContinueAsNewEvent =>
    withOptional(base(EventType.ContinueAsNew, at), 'Result', jsonText(input)),
  /** `ExecutionSuspended`. */
  executionSuspended: (at: Instant, reason?: string): ExecutionSuspendedEvent =>
    withOptional(base(EventType.ExecutionSuspended, at), 'Reason', reason),
  /** `ExecutionResumed`. */
  executionResumed: (at: Instant, reason?: string): ExecutionResumedEvent =>
    withOptional(base(EventType.ExecutionResumed, at), 'Reason', reason),
};

/** Played copies already made, by original event (see markPlayed). */
const playedCopies = new WeakMap<HistoryEvent, HistoryEvent>();

/**
 * Copy of a history with `IsPlayed` set on every event. Events are values (never mutated once
 * built), so the played copy of an event is made once and reused: every episode replays its
 * whole execution, and the same copies let replay.ts reuse their JSON text.
 */
export function markPlayed(events: readonly HistoryEvent[], played: boolean): HistoryEvent[] {
  return events.map((e) => {
    if (e.IsPlayed === played) return e;
    if (!played) return { ...e, IsPlayed: played };
    let copy = playedCopies.get(e);
    if (copy === undefined) {
      copy = { ...e, IsPlayed: true };
      playedCopies.set(e, copy);
    }
    return copy;
  });
}

/**
 * A history event as the Durable HTTP API shows it (`showHistory=true`): the type by name, JSON
 * payloads parsed, bookkeeping fields dropped.
 */
export function describeEvent(event: HistoryEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === 'IsPlayed') continue;
    if (key === 'EventType') {
      out[key] = eventTypeName(event.EventType);
    } else if (key === 'EventId' && value === -1) {
      continue;
    } else if ((key === 'Input' || key === 'Result') && typeof value === 'string') {
      out[key] = safeParse(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
