/**
 * The scenario format of `npm run simulate` (docs/simulate.md documents every field): which pools
 * run, on what emulated Azure (images with their drain rates and warm-up, provisioning latency,
 * limits, faults), under which workload, with which timed events (image pushes, operator actions,
 * injected errors), for how long, and at what price. Validated with zod; every problem names its
 * field (`events[2].at: …`, `pools: pool "orders" (pools[0]): scaling.mode: …`).
 *
 * Units: model seconds for `duration`, `sampleSeconds` and event times; milliseconds inside the
 * arrival schedules and emulator distributions (they are the emulator's own types, unchanged);
 * prices per vCPU-second and per GB-second.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { PoolConfigError, parsePools } from '../../shared/config/pools';
import type { PoolsConfig } from '../../shared/config/pools';
import type {
  ArrivalSchedule,
  EmulatorConfig,
  FaultConfig,
  ImageConfig,
  InjectedArmError,
  LimitsConfig,
} from '../emulator';
import {
  emulatorConfigSchema,
  faultsSchema,
  imageConfigSchema,
  limitsSchema,
  scheduleSchema,
} from '../emulator/config';

/** Start of model time when a scenario names none: fixed, so reports are stable. */
export const DEFAULT_START = '2025-01-01T00:00:00.000Z';

/**
 * ACI Linux pay-as-you-go prices (USD), as last published for East US: $0.0405 per vCPU-hour and
 * $0.00445 per GB-hour, i.e. 0.0405 / 3600 ≈ $0.0000113 per vCPU-second and 0.00445 / 3600 ≈
 * $0.0000012 per GB-second. Not looked up live: prices differ by region and change, so a scenario
 * that cares sets `prices`. Worked example: one group of 1 vCPU and 1.5 GB for an hour costs
 * 3600 × 0.0000113 + 3600 × 1.5 × 0.0000012 = 0.04068 + 0.00648 = $0.04716.
 */
export const DEFAULT_PRICES: Prices = {
  currency: 'USD',
  vcpuSecond: 0.0000113,
  gbSecond: 0.0000012,
};

/** Messages above which a backlog counts as a burst, unless the scenario says otherwise. */
const DEFAULT_BURST_THRESHOLD = 100;

/** Price inputs of the cost figures. */
export interface Prices {
  readonly currency: string;
  /** Price of one vCPU for one second. */
  readonly vcpuSecond: number;
  /** Price of one GB of memory for one second. */
  readonly gbSecond: number;
}

/** Fields every event has: when it happens, in model seconds after the start. */
interface EventBase {
  readonly at: number;
}

/**
 * A timed action. Pool actions and pushes go through the host's real HTTP endpoints (pools API
 * with the function key, ACR webhook with its secret header); the others act on the emulator's
 * control API, as an operator of the "Azure" side would.
 */
export type ScenarioEvent =
  | (EventBase & {
      readonly action: 'push';
      readonly pool: string;
      readonly tag: string;
      /** Manifest digest (sha256:…); default: derived from repository and tag. */
      readonly digest?: string;
      /** How this version behaves in the emulator (drain rate, warm-up, crash loop, health…). */
      readonly image?: ImageConfig;
    })
  | (EventBase & {
      readonly action: 'scale';
      readonly pool: string;
      readonly count: number;
      readonly durationSeconds?: number;
    })
  | (EventBase & { readonly action: 'clearScale'; readonly pool: string })
  | (EventBase & { readonly action: 'pause'; readonly pool: string; readonly reason?: string })
  | (EventBase & { readonly action: 'resume'; readonly pool: string })
  | (EventBase & { readonly action: 'enqueue'; readonly pool: string; readonly count: number })
  | (EventBase & {
      readonly action: 'arrivals';
      readonly pool: string;
      readonly schedules: readonly ArrivalSchedule[];
    })
  | (EventBase & { readonly action: 'armErrors'; readonly errors: readonly InjectedArmError[] })
  | (EventBase & { readonly action: 'faults'; readonly faults: Partial<FaultConfig> })
  | (EventBase & { readonly action: 'limits'; readonly limits: Partial<LimitsConfig> });

/** A validated scenario, every default filled in. */
export interface Scenario {
  readonly name: string;
  readonly description?: string;
  /** Model seconds simulated. */
  readonly duration: number;
  readonly seed: number;
  /** Model time at the start (ISO 8601, UTC). */
  readonly start: string;
  /** Model seconds between two samples of depth, groups and controller status. */
  readonly sampleSeconds: number;
  /** Messages above which a backlog counts as a burst (see docs/simulate.md). */
  readonly burstThreshold: number;
  /** The pools document, as written (validated); `poolsConfig` is its parsed form. */
  readonly pools: { readonly pools: readonly unknown[] };
  readonly poolsConfig: PoolsConfig;
  readonly emulator: EmulatorConfig;
  /** Pool name → its entity's arrival schedules (times in ms after the start). */
  readonly workload: Readonly<Record<string, readonly ArrivalSchedule[]>>;
  /** Sorted by time; events at the same second keep their order in the file. */
  readonly events: readonly ScenarioEvent[];
  readonly prices: Prices;
  /** App settings on top of the simulator's defaults. */
  readonly settings: Readonly<Record<string, string>>;
  /** Knobs for `--policy keda|drain` (a pool switched to that mode gets these). */
  readonly policies: {
    readonly drain?: Readonly<Record<string, unknown>>;
    readonly keda?: Readonly<Record<string, unknown>>;
  };
}

/** A scenario that cannot be run; `problems` has one `field: message` line each. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    message: string,
    readonly problems: readonly string[],
  ) {
    super(message);
  }
}

const poolRef = z.string().min(1, 'a pool name is required');
const at = z.number().min(0).describe('Model seconds after the start when the event happens');

const injectedArmErrorSchema: z.ZodType<InjectedArmError> = z.strictObject({
  status: z.number().int().min(400).max(599),
  code: z.string().optional(),
  message: z.string().optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  kind: z.enum(['read', 'write', 'delete', 'any']).optional(),
  count: z.number().int().min(1).optional(),
});

const eventSchema = z.discriminatedUnion('action', [
  z.strictObject({
    at,
    action: z.literal('push'),
    pool: poolRef,
    tag: z.string().min(1),
    digest: z
      .string()
      .regex(/^sha256:[a-f0-9]{64}$/, 'must be sha256: and 64 lowercase hex digits')
      .optional(),
    image: imageConfigSchema.optional(),
  }),
  z.strictObject({
    at,
    action: z.literal('scale'),
    pool: poolRef,
    count: z.number().int().min(0),
    durationSeconds: z.number().int().min(1).optional(),
  }),
  z.strictObject({ at, action: z.literal('clearScale'), pool: poolRef }),
  z.strictObject({
    at,
    action: z.literal('pause'),
    pool: poolRef,
    reason: z.string().optional(),
  }),
  z.strictObject({ at, action: z.literal('resume'), pool: poolRef }),
  z.strictObject({
    at,
    action: z.literal('enqueue'),
    pool: poolRef,
    count: z.number().int().min(1),
  }),
  z.strictObject({
    at,
    action: z.literal('arrivals'),
    pool: poolRef,
    schedules: z.array(scheduleSchema),
  }),
  z.strictObject({
    at,
    action: z.literal('armErrors'),
    errors: z.array(injectedArmErrorSchema).min(1),
  }),
  z.strictObject({ at, action: z.literal('faults'), faults: faultsSchema }),
  z.strictObject({ at, action: z.literal('limits'), limits: limitsSchema }),
]);

/** The emulator part: everything but what the pools document and `workload` already set. */
const emulatorSchema = emulatorConfigSchema.superRefine((c, ctx) => {
  if (c.pools !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['pools'],
      message: 'set by the pools document (each pool drains its own entity); remove it',
    });
  }
  if (c.workload?.arrivals !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['workload', 'arrivals'],
      message: 'arrivals go in the scenario’s top-level "workload", by pool',
    });
  }
});

const isoInstant = z
  .string()
  .refine((s) => /^\d{4}-\d\d-\d\dT/.test(s) && Number.isFinite(Date.parse(s)), {
    message: 'must be an ISO 8601 time, e.g. 2025-01-01T00:00:00Z',
  });

/** The scenario document as written. */
const scenarioSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  duration: z
    .number()
    .positive()
    .max(30 * 86_400)
    .describe('Model seconds to simulate (at most 30 days)'),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(1),
  start: isoInstant.default(DEFAULT_START),
  sampleSeconds: z.number().positive().max(3600).default(5),
  burstThreshold: z.number().min(0).default(DEFAULT_BURST_THRESHOLD),
  pools: z.union([z.string().min(1), z.looseObject({ pools: z.array(z.unknown()) })]),
  emulator: emulatorSchema.default({}),
  workload: z.record(z.string(), z.array(scheduleSchema)).default({}),
  events: z.array(eventSchema).default([]),
  prices: z
    .strictObject({
      currency: z.string().min(1).default(DEFAULT_PRICES.currency),
      vcpuSecond: z.number().min(0).default(DEFAULT_PRICES.vcpuSecond),
      gbSecond: z.number().min(0).default(DEFAULT_PRICES.gbSecond),
    })
    .default(DEFAULT_PRICES),
  settings: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
  policies: z
    .strictObject({
      drain: z.record(z.string(), z.unknown()).optional(),
      keda: z.record(z.string(), z.unknown()).optional(),
    })
    .default({}),
});

/** A scenario document as a user may write it (defaults optional). */
export type ScenarioInput = z.input<typeof scenarioSchema>;

/** `events[2].at`, `pools`, `(root)`. */
function fieldOf(issuePath: readonly PropertyKey[]): string {
  let out = '';
  for (const p of issuePath) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(root)' : out;
}

function fail(source: string, problems: string[]): never {
  throw new ScenarioError(`invalid scenario (${source}):\n  ${problems.join('\n  ')}`, problems);
}

/**
 * Validates a scenario (the parsed JSON) and fills in its defaults. `baseDir` resolves a pools
 * document given as a path; `source` names the scenario in messages. Throws ScenarioError whose
 * lines each name a field.
 */
export async function parseScenario(
  raw: unknown,
  options: { source?: string; baseDir?: string } = {},
): Promise<Scenario> {
  const source = options.source ?? 'scenario';
  const result = scenarioSchema.safeParse(raw);
  if (!result.success) {
    fail(
      source,
      result.error.issues.map((issue) => {
        const message = issue.message.replace(
          /^Invalid input: expected (\w+), received undefined$/,
          'required ($1)',
        );
        const keys =
          issue.code === 'unrecognized_keys' ? ` (${issue.keys.map(String).join(', ')})` : '';
        return `${fieldOf(issue.path)}: ${message}${keys}`;
      }),
    );
  }
  const s = result.data;

  // The pools document: inline, or a file next to the scenario.
  let poolsText: string;
  let poolsSource: string;
  if (typeof s.pools === 'string') {
    const file = path.resolve(options.baseDir ?? process.cwd(), s.pools);
    poolsSource = `file ${s.pools}`;
    try {
      poolsText = await readFile(file, 'utf8');
    } catch (e) {
      fail(source, [`pools: cannot read ${file}: ${(e as Error).message}`]);
    }
  } else {
    poolsSource = 'inline';
    poolsText = JSON.stringify(s.pools);
  }
  let poolsConfig: PoolsConfig;
  try {
    poolsConfig = parsePools(poolsText, poolsSource);
  } catch (e) {
    if (e instanceof PoolConfigError) {
      fail(
        source,
        e.problems.length > 0 ? e.problems.map((p) => `pools: ${p}`) : [`pools: ${e.message}`],
      );
    }
    throw e;
  }
  const poolsDoc = JSON.parse(poolsText) as { pools: unknown[] };

  // Cross-references: every pool named must exist (and a push needs a followed repository).
  const problems: string[] = [];
  const names = new Set(poolsConfig.pools.map((p) => p.name));
  const known = [...names].join(', ');
  for (const pool of Object.keys(s.workload)) {
    if (!names.has(pool)) problems.push(`workload.${pool}: no pool "${pool}" (pools: ${known})`);
  }
  s.events.forEach((e, i) => {
    if (e.at > s.duration) {
      problems.push(`events[${i}].at: ${e.at} is after the end of the scenario (${s.duration} s)`);
    }
    if (!('pool' in e)) return;
    const spec = poolsConfig.byName.get(e.pool);
    if (spec === undefined) {
      problems.push(`events[${i}].pool: no pool "${e.pool}" (pools: ${known})`);
    } else if (e.action === 'push' && spec.follow === undefined) {
      problems.push(
        `events[${i}].pool: pool "${e.pool}" follows no repository (set "follow" in its spec)`,
      );
    } else if (
      e.action === 'push' &&
      spec.follow?.registry === undefined &&
      spec.group.registry === undefined
    ) {
      problems.push(
        `events[${i}].pool: pool "${e.pool}" names no registry (set follow.registry or group.registry)`,
      );
    }
  });
  if (problems.length > 0) fail(source, problems);

  const events = s.events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.at - b.e.at || a.i - b.i)
    .map(({ e }) => e as ScenarioEvent);
  return {
    name: s.name ?? (options.source ? path.basename(options.source, '.json') : 'scenario'),
    ...(s.description !== undefined ? { description: s.description } : {}),
    duration: s.duration,
    seed: s.seed,
    start: new Date(Date.parse(s.start)).toISOString(),
    sampleSeconds: s.sampleSeconds,
    burstThreshold: s.burstThreshold,
    pools: poolsDoc,
    poolsConfig,
    emulator: s.emulator,
    workload: s.workload,
    events,
    prices: s.prices,
    settings: s.settings,
    policies: s.policies,
  };
}

/** Reads and validates a scenario file (a pools path in it is relative to the file). */
export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ScenarioError(`cannot read scenario ${file}: ${(e as Error).message}`, []);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(`scenario ${file} is not valid JSON: ${(e as Error).message}`, [
      `(root): not valid JSON: ${(e as Error).message}`,
    ]);
  }
  return parseScenario(raw, { source: file, baseDir: path.dirname(path.resolve(file)) });
}
