import { z } from 'zod';

/**
 * The pool document: every knob Surge has is one field here, with its unit in the description
 * and its default in the schema. `npm run docs:spec` renders this schema into
 * docs/pool-spec.md and pools.schema.json; a test keeps both in step with this file.
 */

const seconds = (what: string) => z.number().int().min(1).max(86_400).describe(`${what} (seconds)`);

/** Names become part of ACI group names and DNS labels: lowercase, digits and hyphens. */
const poolName = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,28}[a-z0-9])?$/,
    'must be 1-30 lowercase letters, digits or hyphens, starting and ending with a letter or digit',
  )
  .describe('Pool name; part of every container group name, so keep it short (1-30 characters)');

const settingRef = z
  .strictObject({
    fromSetting: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an app setting name')
      .describe(
        'Name of the app setting (or Key Vault reference setting) that holds the value; the value is read when a group is created and never stored in orchestration history',
      ),
  })
  .describe('A secret, taken from an app setting at create time');

const container = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a lowercase DNS label')
      .describe('Container name inside the group'),
    image: z
      .string()
      .min(1)
      .describe('Image reference, e.g. contoso.azurecr.io/worker:1.4.2 or …@sha256:…'),
    command: z.array(z.string()).optional().describe('Entrypoint override'),
    cpu: z.number().min(0.1).max(4).default(1).describe('CPU cores requested (cores)'),
    memoryInGB: z.number().min(0.1).max(16).default(1.5).describe('Memory requested (GB)'),
    ports: z
      .array(z.number().int().min(1).max(65_535))
      .default([])
      .describe('TCP ports the container listens on'),
    environment: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string())
      .default({})
      .describe('Plain environment variables'),
    secureEnvironment: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), settingRef)
      .default({})
      .describe('Secret environment variables, always sent to Azure as secureValue'),
    volumeMounts: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          mountPath: z.string().startsWith('/'),
          readOnly: z.boolean().default(false),
        }),
      )
      .default([])
      .describe('Volumes of the group mounted into this container'),
  })
  .describe('One container of the group; sidecars share the group network and lifecycle');

const volume = z
  .strictObject({
    name: z.string().min(1).describe('Volume name, referenced by volumeMounts'),
    azureFile: z
      .strictObject({
        shareName: z.string().min(1),
        storageAccountName: z.string().min(1),
        storageAccountKey: settingRef,
        readOnly: z.boolean().default(false),
      })
      .optional()
      .describe('An Azure Files share, for state that must outlive a group'),
    secret: z
      .record(z.string().min(1), settingRef)
      .optional()
      .describe(
        'Files whose contents come from app settings; unlike env vars never shown by az container show',
      ),
    emptyDir: z.strictObject({}).optional().describe('Scratch space shared by the containers'),
  })
  .refine(
    (v) => [v.azureFile, v.secret, v.emptyDir].filter((x) => x !== undefined).length === 1,
    'a volume needs exactly one of azureFile, secret or emptyDir',
  );

const armResourceId = z
  .string()
  .regex(
    /^\/subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/providers\/.+/,
    'must be an Azure resource id',
  );

const registry = z
  .strictObject({
    server: z.string().min(1).describe('Registry login server, e.g. contoso.azurecr.io'),
    identity: armResourceId
      .optional()
      .describe('User-assigned managed identity (resource id) that pulls images; needs AcrPull'),
    username: z
      .string()
      .optional()
      .describe('Registry user, for registries without managed identity'),
    password: settingRef.optional().describe('Registry password, from an app setting'),
  })
  .refine((r) => (r.identity === undefined) !== (r.username === undefined), {
    message: 'set either identity or username (with password)',
  })
  .refine((r) => (r.username === undefined) === (r.password === undefined), {
    message: 'username and password go together',
  });

const groupTemplate = z
  .strictObject({
    containers: z.array(container).min(1).max(10).describe('The containers of every group'),
    osType: z.enum(['Linux', 'Windows']).default('Linux').describe('Operating system of the group'),
    restartPolicy: z
      .enum(['Always', 'OnFailure', 'Never'])
      .default('Always')
      .describe('What ACI does when a container exits'),
    registry: registry.optional().describe('Private registry access'),
    identities: z
      .array(armResourceId)
      .default([])
      .describe(
        'User-assigned identities given to the group (for workers that use managed identity)',
      ),
    volumes: z.array(volume).default([]).describe('Volumes shared by the containers'),
    publicDns: z
      .boolean()
      .optional()
      .describe(
        'Give each group a public IP with its name as DNS label; default: true when a container has ports',
      ),
  })
  .superRefine((g, ctx) => {
    const names = new Set<string>();
    g.containers.forEach((c, i) => {
      if (names.has(c.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['containers', i, 'name'],
          message: `duplicate container name "${c.name}"`,
        });
      }
      names.add(c.name);
      c.volumeMounts.forEach((m, j) => {
        if (!g.volumes.some((v) => v.name === m.name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['containers', i, 'volumeMounts', j, 'name'],
            message: `no volume named "${m.name}"`,
          });
        }
      });
    });
  });

const serviceBus = z
  .strictObject({
    namespace: z
      .string()
      .regex(
        /^[A-Za-z0-9.-]+(:\d+)?$/,
        'must be a fully qualified namespace, e.g. contoso.servicebus.windows.net',
      )
      .describe('Fully qualified Service Bus namespace'),
    queue: z.string().min(1).optional().describe('Queue the workers drain'),
    topic: z
      .string()
      .min(1)
      .optional()
      .describe('Topic, with subscription, when workers drain a subscription'),
    subscription: z.string().min(1).optional().describe('Subscription of topic'),
  })
  .refine(
    (s) => (s.queue !== undefined) !== (s.topic !== undefined),
    'set either queue, or topic and subscription',
  )
  .refine(
    (s) => (s.topic === undefined) === (s.subscription === undefined),
    'topic and subscription go together',
  );

const azure = z.strictObject({
  subscriptionId: z.uuid().describe('Subscription where the groups run'),
  resourceGroup: z.string().min(1).max(90).describe('Resource group where the groups run'),
  location: z
    .string()
    .min(1)
    .optional()
    .describe('Azure region, e.g. westeurope: the one site, when placements is not set'),
});

const subnetId = z
  .string()
  .regex(
    /^\/subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i,
    'must be a subnet resource id (…/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet})',
  );

const placement = z
  .strictObject({
    location: z.string().min(1).describe('Azure region of the site, e.g. westeurope'),
    zones: z
      .array(z.enum(['1', '2', '3']))
      .min(1)
      .max(3)
      .optional()
      .describe(
        'Availability zones the site spreads its groups over, evenly (skew at most one); default: none',
      ),
    priority: z
      .enum(['Regular', 'Spot'])
      .default('Regular')
      .describe(
        'Regular, or Spot: cheaper, may be evicted, no inbound connectivity (queue workers only)',
      ),
    maxGroups: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe('Most groups of the pool in this site (groups); default: only the pool’s cap'),
    subnetId: subnetId
      .optional()
      .describe(
        'Delegated subnet of the region’s virtual network: groups get private IPs, no public DNS',
      ),
  })
  .refine((p) => new Set(p.zones ?? []).size === (p.zones ?? []).length, {
    message: 'a zone is listed twice',
    path: ['zones'],
  });

const drainScaling = z
  .strictObject({
    mode: z.literal('drain'),
    targetDrainSeconds: seconds('A backlog should be gone within this time').default(300),
    messagesPerSecondPerGroup: z
      .number()
      .positive()
      .default(1)
      .describe('Throughput of one group (messages/second) until Surge has learned it'),
    startupSeconds: seconds(
      'Create-to-running latency of a group until Surge has learned it',
    ).default(60),
    learn: z
      .boolean()
      .default(true)
      .describe('Learn throughput and start-up latency from what the groups actually do'),
    learningRate: z
      .number()
      .gt(0)
      .max(1)
      .default(0.3)
      .describe('Weight of a new observation in the learned averages (0-1]'),
    headroom: z
      .number()
      .min(0)
      .max(4)
      .default(0.1)
      .describe('Capacity kept above the arrival rate, as a fraction (0.1 = 10 % spare)'),
    activationMessages: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe(
        'A pool at zero groups starts only when more messages than this are waiting (messages)',
      ),
    timeShareTopGroup: z
      .boolean()
      .default(true)
      .describe(
        'When arrivals keep the last group only partly busy, let a backlog build within the target and run that group in stretches of at least four start-ups instead of keeping it idle between messages',
      ),
    predictRecurringBursts: z
      .boolean()
      .default(true)
      .describe(
        'Learn bursts that recur at a steady period (three onsets) and start groups one start-up time before the next',
      ),
    baselineMessagesPerSecond: z
      .number()
      .min(0)
      .default(0)
      .describe(
        'Messages/second consumers outside Surge (a VM or Kubernetes fleet) drain from the queue, if known; Surge learns the net rate (arrivals minus theirs) once it sees the queue move, and sizes ACI for the rest only',
      ),
    arrivalWindowSeconds: seconds(
      'Arrival rate is the median of what was seen over this window; a one-off burst does not count as a rate',
    ).default(120),
    arrivalHalfLifeSeconds: seconds(
      'While the queue is empty the arrival rate cannot be seen; the estimate halves over this time',
    ).default(300),
    scaleInStabilizationSeconds: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .optional()
      .describe(
        'A fixed scale-in window, as the HPA has (seconds): scale in only to the highest count recommended over it; default: none, surplus groups are held for the break-even time start-up × (1 + utilization)',
      ),
    scaleInMaxFraction: z
      .number()
      .gt(0)
      .max(1)
      .default(1)
      .describe('At most this fraction of the groups is removed per scale-in tick (at least one)'),
  })
  .describe(
    'Size the pool to drain the backlog within a target time while keeping up with arrivals',
  );

const hpaPolicy = z.strictObject({
  type: z
    .enum(['Pods', 'Percent'])
    .describe('Pods: a count of groups; Percent: a share of the period start'),
  value: z.number().int().min(1).describe('Groups (Pods) or percent (Percent)'),
  periodSeconds: z
    .number()
    .int()
    .min(1)
    .max(1800)
    .describe('Window the change is limited over (seconds)'),
});

const hpaRules = (stabilizationSeconds: number, policies: z.input<typeof hpaPolicy>[]) =>
  z
    .strictObject({
      stabilizationSeconds: z
        .number()
        .int()
        .min(0)
        .max(3600)
        .default(stabilizationSeconds)
        .describe('Stabilization window (seconds)'),
      selectPolicy: z
        .enum(['Max', 'Min', 'Disabled'])
        .default('Max')
        .describe(
          'Max: the policy allowing the largest change wins; Min: the smallest; Disabled: no change',
        ),
      policies: z
        .array(hpaPolicy)
        .min(1)
        .default(policies as z.output<typeof hpaPolicy>[]),
    })
    .prefault({});

const kedaScaling = z
  .strictObject({
    mode: z.literal('keda'),
    messagesPerGroup: z
      .number()
      .positive()
      .default(5)
      .describe('KEDA messageCount: target active messages per group (messages)'),
    activationMessages: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('KEDA activationMessageCount: the pool is active above this depth (messages)'),
    tolerance: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe('HPA tolerance: no change while usage/target is within this fraction of 1'),
    cooldownSeconds: seconds(
      'KEDA cooldownPeriod: time since the last active reading before going to zero',
    ).default(300),
    scaleUp: hpaRules(0, [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ]).describe('HPA scale-up behaviour'),
    scaleDown: hpaRules(300, [{ type: 'Percent', value: 100, periodSeconds: 15 }]).describe(
      'HPA scale-down behaviour',
    ),
  })
  .describe('Behave like KEDA’s Azure Service Bus scaler under the Kubernetes HPA');

const scaling = z.preprocess(
  (v) => (v !== null && typeof v === 'object' && !('mode' in v) ? { ...v, mode: 'drain' } : v),
  z.discriminatedUnion('mode', [drainScaling, kedaScaling]),
);

const controller = z
  .strictObject({
    maxParallelWrites: z
      .number()
      .int()
      .min(1)
      .max(50)
      .default(5)
      .describe(
        'Creates and deletes sent to ARM at once (ARM allows 100 creates per 5 minutes per region)',
      ),
    provisioningPollSeconds: seconds('How often groups being created are polled').default(10),
    provisioningTimeoutSeconds: seconds(
      'A group not running after this long is failed and replaced',
    ).default(900),
    reconcileSeconds: seconds(
      'Longest time between two looks at the pool when nothing signals',
    ).default(300),
    instanceViewRefreshSeconds: seconds(
      'How often the health of a running group is re-read',
    ).default(60),
    crashLoopRestarts: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe(
        'A container restarted this many times is crash looping: its group is replaced (restarts)',
      ),
    failureBackoffSeconds: seconds(
      'Wait after a failed create before trying again; doubles per failure',
    ).default(30),
    maxFailureBackoffSeconds: seconds(
      'Longest wait between create attempts after failures',
    ).default(600),
    depthFailureThreshold: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe(
        'After this many depth reads fail in a row the pool holds its size (like KEDA fallback)',
      ),
  })
  .prefault({})
  .describe('How the pool controller paces itself');

const trafficManager = z
  .strictObject({
    resourceGroup: z
      .string()
      .min(1)
      .optional()
      .describe('Resource group of the profile; default: the pool’s'),
    profile: z.string().min(1).describe('Traffic Manager profile that fronts the groups'),
  })
  .describe('Traffic Manager profile in front of the pool (used by rollouts)');

const canaryStep = z.strictObject({
  weightPercent: z
    .number()
    .int()
    .min(1)
    .max(99)
    .describe('Share of traffic the new version gets in this step (percent)'),
  bakeSeconds: z
    .number()
    .int()
    .min(0)
    .max(86_400)
    .describe('How long the step lasts before the next (seconds)'),
});

const rollout = z
  .strictObject({
    maxSurgePercent: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(100)
      .describe(
        'New-version groups created at once, as a share of the pool (100 = blue/green) (percent)',
      ),
    healthyTimeoutSeconds: seconds(
      'A new version not healthy this long after its groups were created is rolled back',
    ).default(600),
    minReadySeconds: z
      .number()
      .int()
      .min(0)
      .max(3600)
      .default(30)
      .describe(
        'Without Traffic Manager or ports, a group running this long counts as healthy (seconds)',
      ),
    healthPath: z
      .string()
      .startsWith('/')
      .default('/healthz')
      .describe('Path probed on a group without Traffic Manager'),
    healthPort: z
      .number()
      .int()
      .min(1)
      .max(65_535)
      .optional()
      .describe('Port probed; default: the first container port'),
    canary: z
      .array(canaryStep)
      .max(10)
      .default([])
      .describe('Traffic steps before the full shift (Traffic Manager pools)'),
    drainSeconds: z
      .number()
      .int()
      .min(0)
      .max(3600)
      .default(30)
      .describe(
        'After endpoints are disabled and the DNS TTL has passed, wait this long before deleting groups (seconds)',
      ),
  })
  .prefault({})
  .describe('How a new version replaces the old one');

const follow = z
  .strictObject({
    registry: z
      .string()
      .min(1)
      .optional()
      .describe('Registry host; default: group.registry.server'),
    repository: z.string().min(1).describe('Repository whose pushes roll the pool'),
    tag: z.string().min(1).default('*').describe('Tag filter; * matches any run of characters'),
  })
  .describe('Which registry pushes become a new version of this pool');

/** One pool, as written in the pools document. */
export const poolSchema = z
  .strictObject({
    name: poolName,
    serviceBus,
    azure,
    group: groupTemplate,
    minGroups: z.number().int().min(0).max(1000).default(0).describe('Fewest groups (groups)'),
    maxGroups: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .describe('Most groups, a hard cap that bounds the bill; required (groups)'),
    scaling: scaling
      .prefault({ mode: 'drain' })
      .describe('Scaling policy: drain (default) or keda'),
    controller,
    trafficManager: trafficManager.optional(),
    follow: follow.optional(),
    rollout,
    placements: z
      .array(placement)
      .min(1)
      .max(10)
      .optional()
      .describe(
        'Sites where the groups may run, in order of preference; default: one Regular site in azure.location',
      ),
    placementStrategy: z
      .enum(['fill', 'spread'])
      .default('fill')
      .describe(
        'fill: the first site until its cap, quota or capacity runs out, then the next; spread: balance the groups across the sites',
      ),
  })
  .refine((p) => p.minGroups <= p.maxGroups, {
    message: 'minGroups must not exceed maxGroups',
    path: ['minGroups'],
  })
  .superRefine(placementProblems);

/**
 * Sites a pool cannot use, named by field: a site is given twice, or not at all (neither
 * azure.location nor placements, or both); a Spot site for groups with public ports (Spot takes
 * no inbound connection) or behind Traffic Manager; a subnet site behind Traffic Manager (its
 * endpoints need public addresses) or with `group.publicDns: true` (a subnet gives private IPs).
 */
function placementProblems(
  p: {
    azure: { location?: string | undefined };
    placements?: readonly z.output<typeof placement>[] | undefined;
    group: { containers: readonly { ports: readonly number[] }[]; publicDns?: boolean | undefined };
    trafficManager?: unknown;
  },
  ctx: z.RefinementCtx,
): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  if ((p.azure.location === undefined) === (p.placements === undefined)) {
    issue(
      ['placements'],
      'set azure.location (one site) or placements (several), not both or neither',
    );
    return;
  }
  const hasPorts = p.group.containers.some((c) => c.ports.length > 0);
  const seen = new Map<string, number>();
  (p.placements ?? []).forEach((site, i) => {
    const key = `${site.location.replace(/\s+/g, '').toLowerCase()}|${site.priority}|${site.subnetId ?? ''}`;
    const first = seen.get(key);
    if (first !== undefined) issue(['placements', i], `the same site as placements[${first}]`);
    seen.set(key, i);
    const publicIp = site.subnetId === undefined && (p.group.publicDns ?? hasPorts);
    if (site.priority === 'Spot' && publicIp) {
      issue(
        ['placements', i, 'priority'],
        'a Spot site takes no inbound connection, and the groups have public ports',
      );
    }
    if (site.priority === 'Spot' && p.trafficManager !== undefined) {
      issue(
        ['placements', i, 'priority'],
        'a pool behind Traffic Manager needs public endpoints, which Spot groups cannot have',
      );
    }
    if (site.subnetId !== undefined && p.trafficManager !== undefined) {
      issue(
        ['placements', i, 'subnetId'],
        'a pool behind Traffic Manager needs public endpoints, and a subnet gives private IPs',
      );
    }
    if (site.subnetId !== undefined && p.group.publicDns === true) {
      issue(
        ['placements', i, 'subnetId'],
        'group.publicDns asks for a public IP, and a subnet gives private IPs',
      );
    }
  });
}

/** The whole pools document. */
export const poolsDocumentSchema = z.strictObject({
  $schema: z.string().optional(),
  pools: z.array(poolSchema).min(1).max(200),
});

/** A validated pool with every default filled in. */
export type PoolSpec = z.output<typeof poolSchema>;
/** A pool as a user may write it (defaults optional). */
export type PoolSpecInput = z.input<typeof poolSchema>;
/** Scaling knobs of the drain policy. */
export type DrainScaling = z.output<typeof drainScaling>;
/** Scaling knobs of the KEDA-compatible policy. */
export type KedaScaling = z.output<typeof kedaScaling>;
/** HPA behaviour rules for one direction. */
export type HpaRules = KedaScaling['scaleUp'];
/** Controller pacing knobs. */
export type ControllerSpec = PoolSpec['controller'];
/** One site of a pool, as written (defaults filled in). */
export type Placement = NonNullable<PoolSpec['placements']>[number];
/** The group template. */
export type GroupTemplate = PoolSpec['group'];
/** A reference to an app setting holding a secret. */
export type SettingRef = z.output<typeof settingRef>;
