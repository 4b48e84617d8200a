/**
 * Everything about the emulator that can be configured at start (EmulatorConfig) or changed later
 * through the control API (limits, faults, images, pools, arrivals). Each knob has its unit and
 * default here; docs/emulator.md lists them. Inputs from outside (the config file of
 * `npm run emulator`, control API bodies) are checked with the zod schemas below.
 */
import { z } from 'zod';
import type { ImageConfig } from './images';
import type { Distribution } from './random';
import { distributionProblem } from './random';
import type { ArrivalSchedule } from './workload/arrivals';
import { scheduleProblem } from './workload/arrivals';

/** A token bucket: `capacity` tokens, refilled at `refillPerSecond`. */
export interface BucketConfig {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

/** Quotas and rate limits (per subscription and region unless said otherwise). */
export interface LimitsConfig {
  /** Container groups per subscription per region (ACI Standard default 100). */
  readonly containerGroupsPerRegion: number;
  /** vCPU cores of Regular groups that hold compute, per region (default 100). */
  readonly coresPerRegion: number;
  /** vCPU cores of Spot groups that hold compute, per region: a quota line of its own (default 100). */
  readonly spotCoresPerRegion: number;
  /** Quota lines of some regions, over the defaults above (keys: region names, any spelling). */
  readonly regions: Readonly<Record<string, RegionLimits>>;
  /** Container group creates (PUTs) per 5 minutes, sliding window (default 100). */
  readonly createsPer5Min: number;
  /** Creates per hour (default 300). */
  readonly createsPerHour: number;
  /** Deletes per 5 minutes (default 100). */
  readonly deletesPer5Min: number;
  /** Deletes per hour (default 300). */
  readonly deletesPerHour: number;
  /** ARM token bucket for reads, per subscription and principal (250, refill 25/s). */
  readonly armReads: BucketConfig;
  /** ARM token bucket for writes: PUT, PATCH, POST (200, refill 10/s). */
  readonly armWrites: BucketConfig;
  /** ARM token bucket for deletes (200, refill 10/s). */
  readonly armDeletes: BucketConfig;
}

/** The quota lines of one region that differ from the subscription's defaults. */
export interface RegionLimits {
  readonly containerGroups?: number;
  readonly cores?: number;
  readonly spotCores?: number;
}

/** Per-region fault overrides. */
export interface RegionFaults {
  readonly syncCapacityRate?: number;
  readonly asyncCapacityRate?: number;
  readonly spotEvictionsPerHour?: number;
}

/** Faults, all drawn from the seeded stream "faults". Rates are probabilities in [0, 1]. */
export interface FaultConfig {
  /** An ARM request answers 500 InternalServerError or 503 ServerTimeout before doing anything. */
  readonly armServerErrorRate: number;
  /** A Service Bus administration request answers 503 (server busy). */
  readonly serviceBusServerErrorRate: number;
  /** A queue or subscription read leaves out CountDetails (what heavy polling gets). */
  readonly omitCountDetailsRate: number;
  /** A create is refused at once: 409 ServiceUnavailable "not available in the location". */
  readonly syncCapacityRate: number;
  /** An accepted create fails later: operation Failed with an `InsufficientCapacity.` event. */
  readonly asyncCapacityRate: number;
  /** A create of a group with an Azure Files volume fails after its pull with FailedMount. */
  readonly mountFailureRate: number;
  /** A create or start is slow: its allocation and pull times are multiplied by the factor. */
  readonly slowProvisioningRate: number;
  /** Multiplier of a slow provisioning (default 10). */
  readonly slowProvisioningFactor: number;
  /**
   * Evictions per hour of a running Spot group: each run draws its eviction time from an
   * exponential distribution with this rate (0, the default: never). Example: 0.5 → a Spot
   * group runs two hours on average before Azure reclaims it.
   */
  readonly spotEvictionsPerHour: number;
  /** Overrides of the capacity rates for some regions (keys: region names, any spelling). */
  readonly regions: Readonly<Record<string, RegionFaults>>;
}

/** Which entity the groups of a pool drain. */
export interface PoolDrain {
  /** Namespace host (`orders.servicebus.windows.net`) or short name (`orders`). */
  readonly namespace: string;
  /** Queue name, or `topic/Subscriptions/subscription`. */
  readonly entity: string;
}

/** Entities to create at start in one namespace. */
export interface NamespaceSeed {
  /** Host (`orders.servicebus.windows.net`) or short name (`orders`). */
  readonly name: string;
  readonly queues?: readonly string[];
  /** Topic name → its subscriptions. */
  readonly topics?: Readonly<Record<string, readonly string[]>>;
}

/** A consumer outside the emulated groups (see `workload.consumers`). */
export interface BaselineConsumer {
  readonly namespace: string;
  readonly entity: string;
  /** Messages per second it drains while the entity has messages. */
  readonly rate: number;
  readonly startMs?: number;
  readonly endMs?: number;
}

/** Arrivals installed at start. */
export interface ArrivalsSeed {
  readonly namespace: string;
  readonly entity: string;
  readonly schedules: readonly ArrivalSchedule[];
}

/** The emulator's configuration; every field is optional. */
export interface EmulatorConfig {
  /** Tag whose value names a group's pool (default `surge-pool`). */
  readonly poolTag?: string;
  /** Tag whose value names a group's site, for the placement figures (default `surge-site`). */
  readonly siteTag?: string;
  /** Pool name → the entity its groups drain. */
  readonly pools?: Readonly<Record<string, PoolDrain>>;
  /** Images to register (reference → behaviour), on top of the built-in ones. */
  readonly images?: Readonly<Record<string, ImageConfig>>;
  /** Register the built-in images (nginx, aci-helloworld) too (default true). */
  readonly builtInImages?: boolean;
  /** Behaviour of images registered without details. */
  readonly imageDefaults?: ImageConfig;
  /** `fail` (default): groups with unknown images get InaccessibleImage; `allow`: defaults. */
  readonly unknownImages?: 'fail' | 'allow';
  /** Allocation latency (Pending before Creating), default and per region, in ms. */
  readonly provisioning?: {
    readonly pending?: Distribution;
    readonly regions?: Readonly<Record<string, { readonly pending?: Distribution }>>;
  };
  readonly limits?: Partial<LimitsConfig>;
  readonly faults?: Partial<FaultConfig>;
  /**
   * Availability zones of some regions (keys: region names, any spelling); a zonal create in a
   * region without the zone is refused. Default: every region offers zones 1, 2 and 3; `[]`
   * makes a region without zones.
   */
  readonly zones?: Readonly<Record<string, readonly string[]>>;
  readonly serviceBus?: {
    readonly namespaces?: readonly NamespaceSeed[];
    /** Answer 404 for namespaces not created (default false: any host is a namespace). */
    readonly strictNamespaces?: boolean;
    /** Bytes per message, for SizeInBytes (default 1024). */
    readonly messageSizeBytes?: number;
  };
  readonly trafficManager?: {
    /**
     * How long a new or re-enabled endpoint stays CheckingEndpoint (ms). Default: uniform over one
     * to two of the profile's probing intervals.
     */
    readonly checking?: Distribution;
    /** Monitor status of targets that are not emulated groups (default Degraded: unreachable). */
    readonly unknownTargets?: 'Online' | 'Degraded';
  };
  readonly workload?: {
    /** Step for ramps and sines (ms, default 1000). Constant rates are integrated exactly. */
    readonly stepMs?: number;
    /** Batches a queue keeps before merging neighbours (default 4096). */
    readonly maxBatches?: number;
    readonly arrivals?: readonly ArrivalsSeed[];
    /**
     * Consumers outside the emulated groups (a VM or Kubernetes fleet that ACI only tops up):
     * each drains its entity at `rate` messages/s from startMs to endMs (ms after the start;
     * default: always), like a group that is always running.
     */
    readonly consumers?: readonly BaselineConsumer[];
  };
  readonly arm?: {
    /** Container groups per list page (default 100); a smaller page exercises nextLink. */
    readonly pageSize?: number;
    /** Extra host names ARM is reached by (also put in the certificate). */
    readonly hostNames?: readonly string[];
    /** Tenant id reported for managed identities. */
    readonly tenantId?: string;
  };
}

/** Default limits: the documented ACI and ARM numbers. */
export const DEFAULT_LIMITS: LimitsConfig = {
  containerGroupsPerRegion: 100,
  coresPerRegion: 100,
  spotCoresPerRegion: 100,
  regions: {},
  createsPer5Min: 100,
  createsPerHour: 300,
  deletesPer5Min: 100,
  deletesPerHour: 300,
  armReads: { capacity: 250, refillPerSecond: 25 },
  armWrites: { capacity: 200, refillPerSecond: 10 },
  armDeletes: { capacity: 200, refillPerSecond: 10 },
};

/** Default faults: none. */
export const DEFAULT_FAULTS: FaultConfig = {
  armServerErrorRate: 0,
  serviceBusServerErrorRate: 0,
  omitCountDetailsRate: 0,
  syncCapacityRate: 0,
  asyncCapacityRate: 0,
  mountFailureRate: 0,
  slowProvisioningRate: 0,
  slowProvisioningFactor: 10,
  spotEvictionsPerHour: 0,
  regions: {},
};

/** Zones a region offers unless configured otherwise. */
export const DEFAULT_ZONES: readonly string[] = ['1', '2', '3'];

/** Default allocation latency: a few seconds, as the create recording shows (5 s to Pulling). */
export const DEFAULT_PENDING: Distribution = { kind: 'uniform', min: 2_000, max: 8_000 };

/** Normalizes a region name: "West US", "westus" and "WestUs" are one region. */
export function regionKey(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}

/** Normalizes a namespace: a short name gets `.servicebus.windows.net`; the port is dropped. */
export function namespaceHost(name: string): string {
  const host = name
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/[:/].*$/, '');
  return host.includes('.') ? host : `${host}.servicebus.windows.net`;
}

// ---------------------------------------------------------------------------------------------
// Schemas for inputs from outside the process.

const probability = z.number().min(0).max(1);
const nonNegative = z.number().min(0);

/** A Distribution (number or object). */
const distributionSchema: z.ZodType<Distribution> = z
  .union([
    nonNegative,
    z.strictObject({ kind: z.literal('constant'), value: nonNegative }),
    z.strictObject({ kind: z.literal('uniform'), min: nonNegative, max: nonNegative }),
    z.strictObject({
      kind: z.literal('normal'),
      mean: nonNegative,
      stddev: nonNegative,
      min: nonNegative.optional(),
    }),
    z.strictObject({ kind: z.literal('lognormal'), median: nonNegative, sigma: nonNegative }),
    z.strictObject({ kind: z.literal('exponential'), mean: nonNegative }),
  ])
  .superRefine((d, ctx) => {
    const problem = distributionProblem(d);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

/** An ImageConfig. */
export const imageConfigSchema: z.ZodType<ImageConfig> = z.strictObject({
  drainRate: nonNegative.optional(),
  warmUp: distributionSchema.optional(),
  pull: distributionSchema.optional(),
  health: z
    .strictObject({ startup: distributionSchema, degradedProbability: probability })
    .optional(),
  crashLoop: z.boolean().optional(),
  private: z.boolean().optional(),
});

/** An ArrivalSchedule. */
export const scheduleSchema: z.ZodType<ArrivalSchedule> = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('constant'),
      rate: nonNegative,
      startMs: nonNegative.optional(),
      endMs: nonNegative.optional(),
    }),
    z.strictObject({
      kind: z.literal('steps'),
      steps: z.array(z.strictObject({ atMs: nonNegative, rate: nonNegative })),
    }),
    z.strictObject({
      kind: z.literal('ramp'),
      from: nonNegative,
      to: nonNegative,
      durationMs: z.number().positive(),
      startMs: nonNegative.optional(),
      hold: z.boolean().optional(),
    }),
    z.strictObject({
      kind: z.literal('sine'),
      mean: nonNegative,
      amplitude: nonNegative,
      periodMs: z.number().positive(),
      phase: z.number().optional(),
      startMs: nonNegative.optional(),
      endMs: nonNegative.optional(),
    }),
    z.strictObject({
      kind: z.literal('burst'),
      atMs: nonNegative,
      count: nonNegative,
      everyMs: z.number().positive().optional(),
      times: nonNegative.optional(),
    }),
    z.strictObject({
      kind: z.literal('randomBursts'),
      meanIntervalMs: z.number().positive(),
      size: distributionSchema,
      startMs: nonNegative.optional(),
      endMs: nonNegative.optional(),
    }),
  ])
  .superRefine((s, ctx) => {
    const problem = scheduleProblem(s);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

const bucket = z.strictObject({ capacity: nonNegative, refillPerSecond: nonNegative });

/** A partial LimitsConfig. */
export const limitsSchema: z.ZodType<Partial<LimitsConfig>> = z.strictObject({
  containerGroupsPerRegion: nonNegative.optional(),
  coresPerRegion: nonNegative.optional(),
  spotCoresPerRegion: nonNegative.optional(),
  regions: z
    .record(
      z.string(),
      z.strictObject({
        containerGroups: nonNegative.optional(),
        cores: nonNegative.optional(),
        spotCores: nonNegative.optional(),
      }),
    )
    .optional(),
  createsPer5Min: nonNegative.optional(),
  createsPerHour: nonNegative.optional(),
  deletesPer5Min: nonNegative.optional(),
  deletesPerHour: nonNegative.optional(),
  armReads: bucket.optional(),
  armWrites: bucket.optional(),
  armDeletes: bucket.optional(),
});

/** A partial FaultConfig. */
export const faultsSchema: z.ZodType<Partial<FaultConfig>> = z.strictObject({
  armServerErrorRate: probability.optional(),
  serviceBusServerErrorRate: probability.optional(),
  omitCountDetailsRate: probability.optional(),
  syncCapacityRate: probability.optional(),
  asyncCapacityRate: probability.optional(),
  mountFailureRate: probability.optional(),
  slowProvisioningRate: probability.optional(),
  slowProvisioningFactor: z.number().min(1).optional(),
  spotEvictionsPerHour: nonNegative.optional(),
  regions: z
    .record(
      z.string(),
      z.strictObject({
        syncCapacityRate: probability.optional(),
        asyncCapacityRate: probability.optional(),
        spotEvictionsPerHour: nonNegative.optional(),
      }),
    )
    .optional(),
});

/** A PoolDrain. */
export const poolDrainSchema: z.ZodType<PoolDrain> = z.strictObject({
  namespace: z.string().min(1),
  entity: z.string().min(1),
});

/** The whole EmulatorConfig (the file `npm run emulator -- --config file.json` reads). */
export const emulatorConfigSchema: z.ZodType<EmulatorConfig> = z.strictObject({
  poolTag: z.string().min(1).optional(),
  siteTag: z.string().min(1).optional(),
  pools: z.record(z.string(), poolDrainSchema).optional(),
  images: z.record(z.string(), imageConfigSchema).optional(),
  builtInImages: z.boolean().optional(),
  imageDefaults: imageConfigSchema.optional(),
  unknownImages: z.enum(['fail', 'allow']).optional(),
  provisioning: z
    .strictObject({
      pending: distributionSchema.optional(),
      regions: z
        .record(z.string(), z.strictObject({ pending: distributionSchema.optional() }))
        .optional(),
    })
    .optional(),
  limits: limitsSchema.optional(),
  faults: faultsSchema.optional(),
  zones: z.record(z.string(), z.array(z.string().min(1))).optional(),
  serviceBus: z
    .strictObject({
      namespaces: z
        .array(
          z.strictObject({
            name: z.string().min(1),
            queues: z.array(z.string().min(1)).optional(),
            topics: z.record(z.string(), z.array(z.string().min(1))).optional(),
          }),
        )
        .optional(),
      strictNamespaces: z.boolean().optional(),
      messageSizeBytes: nonNegative.optional(),
    })
    .optional(),
  trafficManager: z
    .strictObject({
      checking: distributionSchema.optional(),
      unknownTargets: z.enum(['Online', 'Degraded']).optional(),
    })
    .optional(),
  workload: z
    .strictObject({
      stepMs: z.number().positive().optional(),
      maxBatches: z.number().int().min(16).optional(),
      arrivals: z
        .array(
          z.strictObject({
            namespace: z.string().min(1),
            entity: z.string().min(1),
            schedules: z.array(scheduleSchema),
          }),
        )
        .optional(),
      consumers: z
        .array(
          z.strictObject({
            namespace: z.string().min(1),
            entity: z.string().min(1),
            rate: z.number().positive(),
            startMs: nonNegative.optional(),
            endMs: nonNegative.optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  arm: z
    .strictObject({
      pageSize: z.number().int().min(1).optional(),
      hostNames: z.array(z.string().min(1)).optional(),
      tenantId: z.string().min(1).optional(),
    })
    .optional(),
});

/** Parses an input with a schema; throws a ConfigError naming the field on failure. */
export function parseWith<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : '(root)';
  throw new ConfigError(`${what}: ${where}: ${issue?.message ?? 'invalid'}`);
}

/** A configuration or control input the emulator cannot use. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
