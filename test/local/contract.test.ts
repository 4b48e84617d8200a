/**
 * CONTRACT TEST: pins every protocol detail and SDK internal the local host and Durable engine
 * rely on, for `@azure/functions` 4.16.x and `durable-functions` 3.5.x. If an upgrade changes any
 * of it, this file fails loudly — fix local/ (see local/README.md) before bumping the pins.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientBindingData } from '../../local/durable/clientApi';
import type { HistoryEvent } from '../../local/durable/history';
import { h } from '../../local/durable/history';
import type { ReplayOptions, ReplayResult } from '../../local/durable/replay';
import {
  LATEST_REPLAY_SCHEMA,
  orchestrationTriggerPayload,
  OUT_OF_PROC_DATA_LABEL,
  replayEpisode,
} from '../../local/durable/replay';
import { readExecutorSnapshot, SdkContractError } from '../../local/durable/sdkInternals';
import type { FunctionRegistry, RegisteredFunction } from '../../local/host/functionsCore';
import { installFunctionsCore } from '../../local/host/functionsCore';
import type { RpcTypedData } from '../../local/host/coreTypes';
import {
  invokeFunction,
  InvocationError,
  invokeHttp,
  invokeTimer,
  typedDataToJsonText,
} from '../../local/host/invoke';
import type { RecordedRequest, ScriptedResponse } from './helpers';
import { bypassProxyForLoopback, FakeDurableEndpoint, T0 } from './helpers';

const requireFromHere = createRequire(import.meta.url);
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

let registry: FunctionRegistry;
let seen: { timer?: unknown; activityInputs: unknown[] };

beforeAll(async () => {
  bypassProxyForLoopback();
  registry = installFunctionsCore();
  ({ seen } = await import('./apps/contractApp'));
  await import('./apps/clientApp');
});

function packageVersion(name: string): string {
  const file = path.join(process.cwd(), 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

describe('pinned versions', () => {
  it.each([
    { label: '@azure/functions', pattern: /^4\.16\.\d+$/ },
    { label: 'durable-functions', pattern: /^3\.5\.\d+$/ },
  ])('$label is the version the local runtime was built against', ({ label, pattern }) => {
    expect(packageVersion(label)).toMatch(pattern);
  });
});

/** A binding reduced to what the host relies on; generated names become their pattern. */
function bindingSummary(fn: RegisteredFunction): Record<string, unknown>[] {
  return Object.entries(fn.metadata.bindings).map(([key, b]) => {
    const { name, properties: _properties, ...rest } = b;
    const generated = typeof name === 'string' ? name.replace(/[0-9a-f]{10}$/, '<hash>') : name;
    return {
      key: key === '$return' ? key : key.replace(/[0-9a-f]{10}$/, '<hash>'),
      name: generated,
      ...rest,
    };
  });
}

describe('registration capture', () => {
  it('the library installs its programming model once through the core module', () => {
    const model = registry.requireProgrammingModel();
    expect({
      name: model.name,
      version: model.version,
      sets: registry.programmingModelSetCount,
    }).toEqual({
      name: '@azure/functions',
      version: packageVersion('@azure/functions'),
      sets: 1,
    });
  });

  it.each([
    {
      label: 'HTTP with a durable client input and the http $return output',
      fn: 'cHttp',
      bindings: [
        {
          key: 'httpTrigger<hash>',
          name: 'httpTrigger<hash>',
          type: 'httpTrigger',
          direction: 'in',
          authLevel: 'function',
          methods: ['GET', 'POST'],
          route: 'pools/{name}',
        },
        {
          key: 'durableClientInput<hash>',
          name: 'durableClientInput<hash>',
          type: 'durableClient',
          direction: 'in',
        },
        { key: '$return', name: 'httpOutput<hash>', type: 'http', direction: 'out' },
      ],
    },
    {
      label: 'timer',
      fn: 'cTimer',
      bindings: [
        {
          key: 'timerTrigger<hash>',
          name: 'timerTrigger<hash>',
          type: 'timerTrigger',
          direction: 'in',
          schedule: '*/15 * * * * *',
          runOnStartup: true,
        },
      ],
    },
    {
      label: 'orchestration',
      fn: 'cShapes',
      bindings: [
        {
          key: 'orchestrationTrigger<hash>',
          name: 'orchestrationTrigger<hash>',
          type: 'orchestrationTrigger',
          direction: 'in',
        },
      ],
    },
    {
      label: 'activity',
      fn: 'cEcho',
      bindings: [
        {
          key: 'activityTrigger<hash>',
          name: 'activityTrigger<hash>',
          type: 'activityTrigger',
          direction: 'in',
        },
      ],
    },
  ])('$label bindings', ({ fn, bindings }) => {
    expect(bindingSummary(registry.require(fn))).toEqual(bindings);
  });
});

describe('typed data the library reads and writes', () => {
  it.each<{ label: string; data: RpcTypedData; received: unknown }>([
    {
      label: '{string:"123"} is JSON-parsed into a number',
      data: { string: '123' },
      received: 123,
    },
    { label: '{json:"\\"123\\""} stays a string', data: { json: '"123"' }, received: '123' },
    {
      label: '{string:"abc"} that is not JSON stays text',
      data: { string: 'abc' },
      received: 'abc',
    },
    { label: '{json} object', data: { json: '{"a":[1]}' }, received: { a: [1] } },
  ])('activity input: $label', async ({ data, received }) => {
    seen.activityInputs.length = 0;
    await invokeFunction(registry, 'cEcho', { trigger: data });
    expect(seen.activityInputs).toEqual([received]);
  });

  it.each<{ label: string; input: unknown; returnValue: RpcTypedData | undefined; json: string }>([
    { label: 'string', input: 'hi', returnValue: { string: 'hi' }, json: '"hi"' },
    { label: 'integer', input: 7, returnValue: { int: 7 }, json: '7' },
    { label: 'double', input: 1.5, returnValue: { double: 1.5 }, json: '1.5' },
    { label: 'object', input: { a: 1 }, returnValue: { json: '{"a":1}' }, json: '{"a":1}' },
    {
      label: 'undefined → no value → null',
      input: undefined,
      returnValue: undefined,
      json: 'null',
    },
  ])('activity result $label', async ({ input, returnValue, json }) => {
    const outcome = await invokeFunction(registry, 'cEcho', {
      trigger: input === undefined ? null : { json: JSON.stringify(input) },
    });
    expect({
      returnValue: outcome.response.returnValue,
      json: typedDataToJsonText(outcome.response.returnValue),
    }).toEqual({ returnValue, json });
  });

  it('timer info arrives PascalCase and the library camel-cases it', async () => {
    await invokeTimer(registry, 'cTimer', {
      isPastDue: true,
      scheduleStatus: {
        last: new Date(T0),
        next: new Date(T0 + 15_000),
        lastUpdated: new Date(T0),
      },
    });
    expect(seen.timer).toEqual({
      isPastDue: true,
      schedule: { adjustForDST: true },
      scheduleStatus: {
        last: new Date(T0).toISOString(),
        next: new Date(T0 + 15_000).toISOString(),
        lastUpdated: new Date(T0).toISOString(),
      },
    });
  });
});

describe('orchestration trigger payload and replay schema', () => {
  it('the SDK requires exactly these payload fields and supports schema V4 (3) at most', () => {
    const bindingInfo = requireFromHere(
      'durable-functions/lib/src/orchestrations/DurableOrchestrationBindingInfo',
    ) as { DurableOrchestrationBindingInfoReqFields: new () => object };
    const schema = requireFromHere('durable-functions/lib/src/orchestrations/ReplaySchema') as {
      LatestReplaySchema: number;
      ReplaySchema: Record<string, unknown>;
    };
    expect({
      required: Object.keys(new bindingInfo.DurableOrchestrationBindingInfoReqFields()).sort(),
      latest: schema.LatestReplaySchema,
      ours: LATEST_REPLAY_SCHEMA,
    }).toEqual({
      required: ['history', 'instanceId', 'isReplaying', 'upperSchemaVersion'],
      latest: 3,
      ours: 3,
    });
  });

  it('the payload carries every field the extension sends', () => {
    const payload = orchestrationTriggerPayload({
      registry,
      functionName: 'cShapes',
      instanceId: 'i',
      input: { a: 1 },
      history: [h.orchestratorStarted(T0)],
      parentInstanceId: 'p',
    });
    expect(Object.keys(payload).sort()).toEqual([
      'defaultHttpAsyncRequestSleepTimeMillseconds',
      'history',
      'input',
      'instanceId',
      'isReplaying',
      'longRunningTimerIntervalDuration',
      'maximumShortTimerDuration',
      'parentInstanceId',
      'upperSchemaVersion',
    ]);
  });
});

async function replay(
  functionName: string,
  history: HistoryEvent[],
  input?: unknown,
  options?: ReplayOptions,
): Promise<ReplayResult> {
  return replayEpisode({
    registry,
    functionName,
    instanceId: `${functionName}-i`,
    input,
    history,
    ...(options ? { options } : {}),
  });
}

const start = (name: string, input?: unknown): HistoryEvent[] => [
  h.orchestratorStarted(T0),
  h.executionStarted(T0, { name, input, instanceId: `${name}-i` }),
];

describe('actions and open tasks', () => {
  it('actions are cumulative, nested (WhenAll/WhenAny) and JSON-shaped; open tasks match ids', async () => {
    const t1 = T0 + MINUTE;
    const result = await replay('cShapes', [
      ...start('cShapes'),
      h.taskScheduled(T0, 0, 'cEcho', 'x'),
      h.orchestratorCompleted(T0),
      h.orchestratorStarted(T0),
      h.taskCompleted(T0, 0, 'x'),
      h.taskScheduled(T0, 1, 'cEcho', 1),
      h.timerCreated(T0, 2, t1),
      h.orchestratorCompleted(T0),
      h.orchestratorStarted(t1),
      h.taskCompleted(t1, 1, 1),
      h.timerFired(t1, 2, t1),
    ]);
    expect({
      isDone: result.isDone,
      schemaVersion: result.schemaVersion,
      actions: result.actions,
      open: result.snapshot,
    }).toEqual({
      isDone: false,
      schemaVersion: 3,
      actions: [
        [
          { actionType: 0, functionName: 'cEcho', input: '"x"' },
          {
            actionType: 12,
            compoundActions: [
              { actionType: 0, functionName: 'cEcho', input: 1 },
              { actionType: 5, fireAt: new Date(t1).toISOString(), isCanceled: false },
            ],
          },
          {
            actionType: 11,
            compoundActions: [
              { actionType: 6, externalEventName: 'e', reason: 'ExternalEvent' },
              { actionType: 2, functionName: 'cFail', instanceId: 'sub-1', input: { n: 1 } },
            ],
          },
        ],
      ],
      open: {
        openTasks: [
          {
            kind: 'subOrchestration',
            id: 3,
            name: 'cFail',
            instanceId: 'sub-1',
            inputJson: '{"n":1}',
            attempt: 1,
          },
        ],
        waitingForEvents: { e: 1 },
        deferred: {},
      },
    });
  });

  it('callActivityWithRetry: retry timers and re-attempts take hidden ids absent from actions', async () => {
    const base = [
      ...start('cRetry'),
      h.taskScheduled(T0, 0, 'cEcho', 'r'),
      h.orchestratorCompleted(T0),
    ];
    const failed = [h.orchestratorStarted(T0), h.taskFailed(T0, 0, { reason: 'r', details: 'd' })];
    const afterFailure = await replay('cRetry', [...base, ...failed]);
    const afterTimer = await replay('cRetry', [
      ...base,
      ...failed,
      h.timerCreated(T0, 1, T0 + 1000),
      h.orchestratorCompleted(T0),
      h.orchestratorStarted(T0 + 1000),
      h.timerFired(T0 + 1000, 1, T0 + 1000),
    ]);
    const retry = { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 3 };
    expect({
      actions: [afterFailure.actions, afterTimer.actions],
      open: [afterFailure.snapshot.openTasks, afterTimer.snapshot.openTasks],
    }).toEqual({
      actions: [
        [[{ actionType: 1, functionName: 'cEcho', input: '"r"', retryOptions: retry }]],
        [[{ actionType: 1, functionName: 'cEcho', input: '"r"', retryOptions: retry }]],
      ],
      open: [
        [{ kind: 'retryTimer', id: 1, nextAttempt: 2, retry }],
        [{ kind: 'activity', id: 2, name: 'cEcho', inputJson: '"r"', attempt: 2, retry }],
      ],
    });
  });

  it('long timers: one action with the final time, hidden segment ids in open tasks', async () => {
    const first = await replay('cLongTimer', start('cLongTimer'));
    const second = await replay('cLongTimer', [
      ...start('cLongTimer'),
      h.timerCreated(T0, 0, T0 + 3 * DAY),
      h.orchestratorCompleted(T0),
      h.orchestratorStarted(T0 + 3 * DAY),
      h.timerFired(T0 + 3 * DAY, 0, T0 + 3 * DAY),
    ]);
    const final = new Date(T0 + 10 * DAY).toISOString();
    expect({
      actions: [first.actions, second.actions],
      open: [first.snapshot.openTasks, second.snapshot.openTasks],
    }).toEqual({
      actions: [
        [[{ actionType: 5, fireAt: final, isCanceled: false }]],
        [[{ actionType: 5, fireAt: final, isCanceled: false }]],
      ],
      open: [
        [
          {
            kind: 'timer',
            id: 0,
            fireAt: T0 + 3 * DAY,
            canceled: false,
            finalFireAt: T0 + 10 * DAY,
          },
        ],
        [
          {
            kind: 'timer',
            id: 1,
            fireAt: T0 + 6 * DAY,
            canceled: false,
            finalFireAt: T0 + 10 * DAY,
          },
        ],
      ],
    });
  });

  it('external events raised before the wait are buffered in deferredTasks, then consumed', async () => {
    const early = await replay('cEvents', [...start('cEvents'), h.eventRaised(T0, 'a', 41)]);
    const done = await replay('cEvents', [
      ...start('cEvents'),
      h.eventRaised(T0, 'a', 41),
      h.taskScheduled(T0, 0, 'cEcho', 0),
      h.orchestratorCompleted(T0),
      h.orchestratorStarted(T0),
      h.taskCompleted(T0, 0, 0),
    ]);
    expect({ early: early.snapshot, done: { isDone: done.isDone, output: done.output } }).toEqual({
      early: {
        openTasks: [{ kind: 'activity', id: 0, name: 'cEcho', inputJson: '0', attempt: 1 }],
        waitingForEvents: {},
        deferred: { a: 1 },
      },
      done: { isDone: true, output: 41 },
    });
  });

  it('continueAsNew: isDone with a ContinueAsNew action whose string input is JSON-encoded', async () => {
    const result = await replay(
      'cContinue',
      [
        ...start('cContinue', 'first'),
        h.taskScheduled(T0, 0, 'cEcho', 'first'),
        h.orchestratorCompleted(T0),
        h.orchestratorStarted(T0),
        h.taskCompleted(T0, 0, 'first'),
      ],
      'first',
    );
    expect({
      isDone: result.isDone,
      actions: result.actions,
      continueAsNew: result.continueAsNew,
    }).toEqual({
      isDone: true,
      actions: [
        [
          { actionType: 0, functionName: 'cEcho', input: '"first"' },
          { actionType: 4, input: '"next"' },
        ],
      ],
      continueAsNew: { input: 'next' },
    });
  });
});

describe('failures', () => {
  const failingHistory = [
    ...start('cFail'),
    h.taskScheduled(T0, 0, 'cEcho', 'before'),
    h.orchestratorCompleted(T0),
    h.orchestratorStarted(T0),
    h.taskCompleted(T0, 0, 'before'),
  ];

  it('a failing orchestrator throws "<x>\\n\\n$OutOfProcData$:<state>"; <x> is "false" in 3.5, the message is state.error', async () => {
    const payload = orchestrationTriggerPayload({
      registry,
      functionName: 'cFail',
      instanceId: 'cFail-i',
      history: failingHistory,
    });
    const thrown = await invokeFunction(registry, 'cFail', {
      trigger: { string: JSON.stringify(payload) },
    }).catch((err: unknown) => err);
    expect(thrown).toBeInstanceOf(InvocationError);
    const text =
      thrown instanceof InvocationError && thrown.cause instanceof Error
        ? thrown.cause.message
        : '';
    const at = text.indexOf(OUT_OF_PROC_DATA_LABEL);
    expect({
      prefix: text.slice(0, at),
      state: JSON.parse(text.slice(at + OUT_OF_PROC_DATA_LABEL.length)) as unknown,
    }).toEqual({
      prefix: 'false',
      state: {
        isDone: false,
        actions: [[{ actionType: 0, functionName: 'cEcho', input: '"before"' }]],
        error: 'contract boom',
        customStatus: 'about to fail',
        schemaVersion: 3,
      },
    });
    const result = await replay('cFail', failingHistory);
    expect({ error: result.error, customStatus: result.customStatus }).toEqual({
      error: { message: 'contract boom' },
      customStatus: 'about to fail',
    });
  });

  it.each([
    {
      label: 'legacy Reason/Details → Error("<Reason> \\n <Details>")',
      failure: { reason: "Activity function 'cEcho' failed: bad", details: 'stack' },
      expected: {
        message: "Activity function 'cEcho' failed: bad \n stack",
        taskFailedError: false,
      },
    },
    {
      label: 'FailureDetails → TaskFailedError("<ErrorType>: <ErrorMessage>")',
      failure: {
        failureDetails: { ErrorType: 'RangeError', ErrorMessage: 'bad', IsNonRetriable: false },
      },
      expected: { message: 'RangeError: bad', taskFailedError: true },
    },
  ])('TaskFailed: $label', async ({ failure, expected }) => {
    const result = await replay('cCatch', [
      ...start('cCatch'),
      h.taskScheduled(T0, 0, 'cEcho', 'will fail'),
      h.orchestratorCompleted(T0),
      h.orchestratorStarted(T0),
      h.taskFailed(T0, 0, failure),
    ]);
    expect(result.output).toEqual(expected);
  });
});

describe('SDK internals read by sdkInternals.ts', () => {
  it('executor and task classes still have the fields we read', () => {
    const executorModule = requireFromHere(
      'durable-functions/lib/src/orchestrations/TaskOrchestrationExecutor',
    ) as { TaskOrchestrationExecutor: new () => object };
    const tasks = requireFromHere('durable-functions/lib/src/task') as {
      AtomicTask: new (id: unknown, action: unknown) => object;
      NoOpTask: new () => { actionObj: unknown };
      RetryableTask: new (inner: object, options: object) => object;
    };
    const retryable = new tasks.RetryableTask(new tasks.AtomicTask(false, { actionType: 1 }), {
      firstRetryIntervalInMilliseconds: 1,
      maxNumberOfAttempts: 1,
    });
    expect({
      executor: Object.keys(new executorModule.TaskOrchestrationExecutor()).filter((k) =>
        ['openTasks', 'openEvents', 'deferredTasks', 'sequenceNumber'].includes(k),
      ),
      retryable: Object.keys(retryable).filter((k) =>
        ['innerTask', 'retryOptions', 'attemptNumber', 'isWaitingOnTimer', 'parent'].includes(k),
      ),
      noOpAction: new tasks.NoOpTask().actionObj,
    }).toEqual({
      executor: ['sequenceNumber', 'openTasks', 'openEvents', 'deferredTasks'],
      retryable: ['innerTask', 'retryOptions', 'attemptNumber', 'isWaitingOnTimer'],
      noOpAction: 'noOp',
    });
  });

  it('the accessor refuses a context without the SDK state', () => {
    expect(() => readExecutorSnapshot({})).toThrow(SdkContractError);
  });
});

describe('DurableClient URL shapes (rpcBaseUrl)', () => {
  const fake = new FakeDurableEndpoint();
  let binding: string;

  beforeAll(async () => {
    await fake.start();
    binding = JSON.stringify(
      clientBindingData({
        taskHubName: 'Hub',
        rpcBaseUrl: fake.baseUrl,
        webhookOrigin: fake.baseUrl,
      }),
    );
  });
  afterAll(async () => {
    await fake.close();
  });

  const statusBody = {
    name: 'o',
    instanceId: 'abc',
    runtimeStatus: 'Running',
    input: null,
    output: null,
    createdTime: new Date(T0).toISOString(),
    lastUpdatedTime: new Date(T0).toISOString(),
  };

  interface UrlCase {
    label: string;
    op: Record<string, unknown>;
    responses: ScriptedResponse[];
    requests: Partial<RecordedRequest>[];
    result: unknown;
  }

  const cases: UrlCase[] = [
    {
      label: 'startNew with id and input',
      op: { op: 'startNew', name: 'cShapes', id: 'abc', input: { a: 1 } },
      responses: [{ status: 202, body: { id: 'abc' } }],
      requests: [
        {
          method: 'POST',
          path: '/durabletask/orchestrators/cShapes/abc',
          query: [],
          body: '{"a":1}',
        },
      ],
      result: { result: 'abc' },
    },
    {
      label: 'startNew without input posts the JSON text ""',
      op: { op: 'startNew', name: 'cShapes' },
      responses: [{ status: 202, body: { id: 'gen' } }],
      requests: [
        { method: 'POST', path: '/durabletask/orchestrators/cShapes', query: [], body: '""' },
      ],
      result: { result: 'gen' },
    },
    {
      label: 'getStatus with history',
      op: { op: 'getStatus', id: 'abc', showHistory: true },
      responses: [{ status: 200, body: statusBody }],
      requests: [
        { method: 'GET', path: '/durabletask/instances/abc', query: ['showHistory=true'] },
      ],
      result: {
        result: expect.objectContaining({ instanceId: 'abc', runtimeStatus: 'Running' }) as unknown,
      },
    },
    {
      label: 'getStatus needs input and output present',
      op: { op: 'getStatus', id: 'abc' },
      responses: [{ status: 200, body: { ...statusBody, input: undefined } }],
      requests: [{ method: 'GET', path: '/durabletask/instances/abc', query: [] }],
      result: {
        error: expect.stringContaining(
          'could not construct a DurableOrchestrationStatus',
        ) as unknown,
      },
    },
    {
      label: 'raiseEvent posts the JSON data',
      op: { op: 'raiseEvent', id: 'abc', name: 'go', data: { x: 1 } },
      responses: [{ status: 202 }],
      requests: [
        {
          method: 'POST',
          path: '/durabletask/instances/abc/raiseEvent/go',
          query: [],
          body: '{"x":1}',
        },
      ],
      result: { result: null },
    },
    {
      label: 'raiseEvent: 410 is success, 404 an error',
      op: { op: 'raiseEvent', id: 'abc', name: 'go', data: 1 },
      responses: [{ status: 404 }],
      requests: [{ method: 'POST', path: '/durabletask/instances/abc/raiseEvent/go', body: '1' }],
      result: { error: "No instance with ID 'abc' found." },
    },
    ...(['terminate', 'suspend', 'resume'] as const).map((op) => ({
      label: `${op} with a reason`,
      op: { op, id: 'abc', reason: 'why' },
      responses: [{ status: 410 }],
      requests: [
        {
          method: 'POST',
          path: `/durabletask/instances/abc/${op}`,
          query: ['reason=why'],
          body: '',
        },
      ],
      result: { result: null },
    })),
    {
      label: 'purge: DELETE; 404 means nothing deleted',
      op: { op: 'purge', id: 'abc' },
      responses: [{ status: 404 }],
      requests: [{ method: 'DELETE', path: '/durabletask/instances/abc', query: [] }],
      result: { result: { instancesDeleted: 0 } },
    },
    {
      label: 'getStatusAll follows the continuation token',
      op: { op: 'getStatusAll' },
      responses: [
        { status: 200, body: [statusBody], headers: { 'x-ms-continuation-token': 'page2' } },
        { status: 200, body: [{ ...statusBody, instanceId: 'def' }] },
      ],
      requests: [
        { method: 'GET', path: '/durabletask/instances/', query: [], continuationToken: undefined },
        { method: 'GET', path: '/durabletask/instances/', query: [], continuationToken: 'page2' },
      ],
      result: { result: [statusBody, { ...statusBody, instanceId: 'def' }] },
    },
    {
      label: 'getStatusBy runtime status',
      op: { op: 'getStatusBy', runtimeStatus: ['Running', 'Pending'] },
      responses: [{ status: 200, body: [] }],
      requests: [
        {
          method: 'GET',
          path: '/durabletask/instances/',
          query: ['runtimeStatus=Running,Pending'],
        },
      ],
      result: { result: [] },
    },
  ];

  it.each(cases)('$label', async ({ op, responses, requests, result }) => {
    fake.reset();
    fake.respond(...responses);
    const res = await invokeHttp(
      registry,
      'clientOps',
      { method: 'POST', url: 'http://localhost:7071/api/clientOps', body: op },
      { durableClient: binding },
    );
    expect({
      result: res.jsonBody,
      requests: fake.requests.map((r, i) => {
        const wanted = requests[i] ?? {};
        return Object.fromEntries(
          Object.keys(wanted).map((k) => [k, r[k as keyof RecordedRequest]]),
        );
      }),
    }).toEqual({ result, requests });
    expect(fake.requests).toHaveLength(requests.length);
  });

  it('createHttpManagementPayload fills the id into the webhook links', async () => {
    const res = await invokeHttp(
      registry,
      'clientOps',
      {
        method: 'POST',
        url: 'http://localhost:7071/api/clientOps',
        body: { op: 'links', id: 'abc' },
      },
      { durableClient: binding },
    );
    // getClient() rewrites link origins to http://localhost:7071 when WEBSITE_HOSTNAME is unset.
    const hook = 'http://localhost:7071/runtime/webhooks/durabletask/instances/abc';
    const q = 'taskHub=Hub&connection=Storage';
    expect(res.jsonBody).toEqual({
      result: {
        id: 'abc',
        statusQueryGetUri: `${hook}?${q}`,
        sendEventPostUri: `${hook}/raiseEvent/{eventName}?${q}`,
        terminatePostUri: `${hook}/terminate?reason={text}&${q}`,
        rewindPostUri: `${hook}/rewind?reason={text}&${q}`,
        purgeHistoryDeleteUri: `${hook}?${q}`,
        restartPostUri: `${hook}/restart?${q}`,
        suspendPostUri: `${hook}/suspend?reason={text}&${q}`,
        resumePostUri: `${hook}/resume?reason={text}&${q}`,
      },
    });
  });
});
