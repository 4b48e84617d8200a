import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PoolSpecInput } from '../../shared/config/poolSpec';
import { PoolConfigError, loadPools, parsePools } from '../../shared/config/pools';
import { SETTINGS_DOC, readSettings } from '../../shared/config/settings';
import { poolsJsonSchema, renderSpecDocs } from '../../shared/config/specDocs';

/** A minimal valid pool; each case changes one thing. */
function pool(overrides: Record<string, unknown> = {}): PoolSpecInput & Record<string, unknown> {
  return {
    name: 'orders',
    serviceBus: { namespace: 'contoso.servicebus.windows.net', queue: 'orders' },
    azure: {
      subscriptionId: '00000000-0000-0000-0000-000000000000',
      resourceGroup: 'rg',
      location: 'westeurope',
    },
    group: { containers: [{ name: 'worker', image: 'contoso.azurecr.io/worker:1.0' }] },
    maxGroups: 10,
    ...overrides,
  };
}

const AZURE_NO_LOCATION = {
  subscriptionId: '00000000-0000-0000-0000-000000000000',
  resourceGroup: 'rg',
};
const SUBNET =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/workers';

/** The problems start-up reports for a document: [] when it is valid. */
function problemsOf(doc: unknown): string[] {
  try {
    parsePools(typeof doc === 'string' ? doc : JSON.stringify(doc), 'test');
    return [];
  } catch (e) {
    if (!(e instanceof PoolConfigError)) throw e;
    return e.problems.length > 0 ? [...e.problems] : [e.message];
  }
}

describe('pools document', () => {
  it('parses the shipped sample with every default filled in and frozen', () => {
    const config = parsePools(readFileSync('pools.sample.json', 'utf8'), 'pools.sample.json');
    expect([...config.byName.keys()]).toEqual(['orders', 'thumbnails']);
    const orders = config.byName.get('orders');
    expect(orders?.scaling).toEqual({
      mode: 'drain',
      targetDrainSeconds: 300,
      messagesPerSecondPerGroup: 2,
      startupSeconds: 60,
      learn: true,
      learningRate: 0.3,
      headroom: 0.1,
      activationMessages: 0,
      predictRecurringBursts: true,
      timeShareTopGroup: true,
      baselineMessagesPerSecond: 0,
      arrivalWindowSeconds: 120,
      arrivalHalfLifeSeconds: 300,
      scaleInMaxFraction: 1,
    });
    expect(config.byName.get('thumbnails')?.scaling.mode).toBe('keda');
    // Spot first (a queue worker: no ports), then Regular over three zones, then another region.
    expect(
      config.byName.get('thumbnails')?.placements?.map((p) => [p.location, p.priority]),
    ).toEqual([
      ['westeurope', 'Spot'],
      ['westeurope', 'Regular'],
      ['northeurope', 'Regular'],
    ]);
    expect(Object.isFrozen(orders)).toBe(true);
    expect(Object.isFrozen(orders?.group.containers[0])).toBe(true);
  });

  it('loads through local.settings.sample.json, as a developer would start it', () => {
    const values = (
      JSON.parse(readFileSync('local.settings.sample.json', 'utf8')) as {
        Values: Record<string, string>;
      }
    ).Values;
    const config = loadPools(values);
    expect(config.source).toBe('file pools.sample.json');
    expect(config.pools).toHaveLength(2);
    expect(readSettings(values)).toEqual({
      depthSchedule: '*/15 * * * * *',
      scaleInSchedule: '0 * * * * *',
      ensureSchedule: '30 */5 * * * *',
      armEndpoint: 'https://management.azure.com',
      serviceBusEndpoint: undefined,
      managedIdentityClientId: undefined,
      azureMaxRetries: 4,
      azureRetryDelayMs: 1000,
      azureMaxRetryDelayMs: 30000,
      telemetrySchedule: '45 * * * * *',
      telemetry: 'off',
    });
  });

  const cases: { label: string; doc: unknown; problems: string[] }[] = [
    { label: 'valid', doc: { pools: [pool()] }, problems: [] },
    {
      label: 'not JSON',
      doc: '{"pools": [',
      problems: ['pools document (test) is not valid JSON: Unexpected end of JSON input'],
    },
    {
      label: 'no pools',
      doc: { pools: [] },
      problems: ['pools: Too small: expected array to have >=1 items'],
    },
    {
      label: 'bad pool name',
      doc: { pools: [pool({ name: 'Orders_1' })] },
      problems: [
        'pool "Orders_1" (pools[0]): name: must be 1-30 lowercase letters, digits or hyphens, starting and ending with a letter or digit',
      ],
    },
    {
      label: 'zero drain target',
      doc: { pools: [pool({ scaling: { targetDrainSeconds: 0 } })] },
      problems: [
        'pool "orders" (pools[0]): scaling.targetDrainSeconds: Too small: expected number to be >=1',
      ],
    },
    {
      label: 'unknown scaling mode',
      doc: { pools: [pool({ scaling: { mode: 'magic' } })] },
      problems: [
        "pool \"orders\" (pools[0]): scaling.mode: Invalid discriminator value. Expected 'drain' | 'keda'",
      ],
    },
    {
      label: 'typo in a knob',
      doc: { pools: [pool({ scaling: { mode: 'keda', messageCount: 5 } })] },
      problems: ['pool "orders" (pools[0]): scaling: Unrecognized key: "messageCount"'],
    },
    {
      label: 'maxGroups missing',
      doc: { pools: [pool({ maxGroups: undefined })] },
      problems: ['pool "orders" (pools[0]): maxGroups: required (number)'],
    },
    {
      label: 'min above max',
      doc: { pools: [pool({ minGroups: 5, maxGroups: 2 })] },
      problems: ['pool "orders" (pools[0]): minGroups: minGroups must not exceed maxGroups'],
    },
    {
      label: 'queue and topic both',
      doc: {
        pools: [
          pool({
            serviceBus: {
              namespace: 'a.servicebus.windows.net',
              queue: 'q',
              topic: 't',
              subscription: 's',
            },
          }),
        ],
      },
      problems: [
        'pool "orders" (pools[0]): serviceBus: set either queue, or topic and subscription',
      ],
    },
    {
      label: 'cpu out of range in the second container',
      doc: {
        pools: [
          pool({
            group: {
              containers: [
                { name: 'worker', image: 'w:1' },
                { name: 'sidecar', image: 's:1', cpu: 8 },
              ],
            },
          }),
        ],
      },
      problems: [
        'pool "orders" (pools[0]): group.containers[1].cpu: Too big: expected number to be <=4',
      ],
    },
    {
      label: 'volume mount without volume',
      doc: {
        pools: [
          pool({
            group: {
              containers: [
                {
                  name: 'worker',
                  image: 'w:1',
                  volumeMounts: [{ name: 'data', mountPath: '/data' }],
                },
              ],
            },
          }),
        ],
      },
      problems: [
        'pool "orders" (pools[0]): group.containers[0].volumeMounts[0].name: no volume named "data"',
      ],
    },
    {
      label: 'registry with neither identity nor user',
      doc: {
        pools: [
          pool({
            group: {
              containers: [{ name: 'worker', image: 'w:1' }],
              registry: { server: 'r.azurecr.io' },
            },
          }),
        ],
      },
      problems: [
        'pool "orders" (pools[0]): group.registry: set either identity or username (with password)',
      ],
    },
    {
      label: 'duplicate names and a shared queue',
      doc: { pools: [pool(), pool({ name: 'orders' }), pool({ name: 'other' })] },
      problems: [
        'pool "orders" (pools[1]): name: duplicate of pools[0]',
        'pool "orders" (pools[1]): serviceBus: drains the same entity as pool "orders"; one pool per queue',
        'pool "other" (pools[2]): serviceBus: drains the same entity as pool "orders"; one pool per queue',
      ],
    },
    {
      label: 'problem in the second pool names it',
      doc: {
        pools: [
          pool(),
          pool({
            name: 'b',
            serviceBus: { namespace: 'x.servicebus.windows.net', queue: 'b' },
            minGroups: -1,
          }),
        ],
      },
      problems: ['pool "b" (pools[1]): minGroups: Too small: expected number to be >=0'],
    },
    {
      label: 'placements: several sites, Spot and a subnet, for a queue worker without ports',
      doc: {
        pools: [
          pool({
            azure: AZURE_NO_LOCATION,
            placements: [
              { location: 'westeurope', zones: ['1', '2', '3'], priority: 'Spot' },
              { location: 'westeurope', subnetId: SUBNET },
              { location: 'northeurope', maxGroups: 20 },
            ],
            placementStrategy: 'spread',
          }),
        ],
      },
      problems: [],
    },
    {
      label: 'placements and azure.location both',
      doc: { pools: [pool({ placements: [{ location: 'westeurope' }] })] },
      problems: [
        'pool "orders" (pools[0]): placements: set azure.location (one site) or placements (several), not both or neither',
      ],
    },
    {
      label: 'neither placements nor azure.location',
      doc: { pools: [pool({ azure: AZURE_NO_LOCATION })] },
      problems: [
        'pool "orders" (pools[0]): placements: set azure.location (one site) or placements (several), not both or neither',
      ],
    },
    {
      label: 'a site twice, a zone twice, a zone that does not exist, a subnet that is not one',
      doc: {
        pools: [
          pool({
            azure: AZURE_NO_LOCATION,
            placements: [
              { location: 'westeurope', zones: ['1', '1'] },
              { location: 'West Europe', zones: ['4'] },
              { location: 'northeurope', subnetId: 'workers' },
            ],
          }),
        ],
      },
      problems: [
        'pool "orders" (pools[0]): placements[0].zones: a zone is listed twice',
        'pool "orders" (pools[0]): placements[1].zones[0]: Invalid option: expected one of "1"|"2"|"3"',
        'pool "orders" (pools[0]): placements[2].subnetId: must be a subnet resource id (…/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet})',
      ],
    },
    {
      label: 'the same site twice (region, priority and subnet)',
      doc: {
        pools: [
          pool({
            azure: AZURE_NO_LOCATION,
            placements: [{ location: 'westeurope' }, { location: 'West Europe', zones: ['1'] }],
          }),
        ],
      },
      problems: ['pool "orders" (pools[0]): placements[1]: the same site as placements[0]'],
    },
    {
      label: 'Spot for groups with public ports, or behind Traffic Manager; a subnet behind it too',
      doc: {
        pools: [
          pool({
            azure: AZURE_NO_LOCATION,
            group: {
              containers: [{ name: 'web', image: 'contoso.azurecr.io/web:1.0', ports: [80] }],
            },
            trafficManager: { profile: 'orders-tm' },
            placements: [
              { location: 'westeurope', priority: 'Spot' },
              { location: 'northeurope', subnetId: SUBNET },
            ],
          }),
        ],
      },
      problems: [
        'pool "orders" (pools[0]): placements[0].priority: a Spot site takes no inbound connection, and the groups have public ports',
        'pool "orders" (pools[0]): placements[0].priority: a pool behind Traffic Manager needs public endpoints, which Spot groups cannot have',
        'pool "orders" (pools[0]): placements[1].subnetId: a pool behind Traffic Manager needs public endpoints, and a subnet gives private IPs',
      ],
    },
    {
      label: 'a subnet site for groups that ask for public DNS',
      doc: {
        pools: [
          pool({
            azure: AZURE_NO_LOCATION,
            group: {
              containers: [{ name: 'worker', image: 'contoso.azurecr.io/worker:1.0' }],
              publicDns: true,
            },
            placements: [{ location: 'westeurope', subnetId: SUBNET }],
          }),
        ],
      },
      problems: [
        'pool "orders" (pools[0]): placements[0].subnetId: group.publicDns asks for a public IP, and a subnet gives private IPs',
      ],
    },
    {
      label: 'unnamed pool is named by index',
      doc: { pools: [pool({ name: undefined })] },
      problems: ['pools[0]: name: required (string)'],
    },
  ];

  it.each(cases)('$label', ({ doc, problems }) => {
    expect(problemsOf(doc)).toEqual(problems);
  });

  it('names the pool and field of a secret whose app setting is not set', () => {
    const doc = JSON.stringify({
      pools: [
        pool({
          group: {
            containers: [
              {
                name: 'worker',
                image: 'w:1',
                secureEnvironment: { DB: { fromSetting: 'ORDERS_DB' } },
              },
            ],
          },
        }),
      ],
    });
    expect(() => loadPools({ SURGE_POOLS: doc })).toThrow(
      'pool "orders" (pools[0]): group.containers[0].secureEnvironment.DB: app setting ORDERS_DB is not set',
    );
    expect(loadPools({ SURGE_POOLS: doc, ORDERS_DB: 'x' }).pools).toHaveLength(1);
  });

  it.each([
    { label: 'neither setting', env: {}, message: 'no pools configured: set SURGE_POOLS_FILE' },
    {
      label: 'both settings',
      env: { SURGE_POOLS: '{}', SURGE_POOLS_FILE: 'x.json' },
      message: 'set only one of',
    },
    {
      label: 'missing file',
      env: { SURGE_POOLS_FILE: 'nope.json' },
      message: 'cannot read pools document (file nope.json)',
    },
  ])('refuses $label', ({ env, message }) => {
    expect(() => loadPools(env)).toThrow(message);
  });
});

describe('settings', () => {
  it.each([
    {
      label: 'five-field cron',
      env: { SURGE_DEPTH_SCHEDULE: '*/15 * * * *' },
      message: 'SURGE_DEPTH_SCHEDULE: "*/15 * * * *" is not a six-field NCRONTAB schedule',
    },
    {
      label: 'http endpoint',
      env: { SURGE_ARM_ENDPOINT: 'http://localhost:1' },
      message: 'SURGE_ARM_ENDPOINT: must be https',
    },
    {
      label: 'retries not a number',
      env: { SURGE_AZURE_MAX_RETRIES: 'many' },
      message: 'SURGE_AZURE_MAX_RETRIES: "many" must be a whole number from 0 to 10',
    },
    {
      label: 'an exporter the local host does not have',
      env: { SURGE_TELEMETRY_EXPORTER: 'jaeger' },
      message:
        'SURGE_TELEMETRY_EXPORTER: "jaeger" is not one of console, otlp (leave it unset for Azure Monitor)',
    },
  ])('refuses $label', ({ env, message }) => {
    expect(() => readSettings(env)).toThrow(message);
  });
});

describe('where telemetry goes', () => {
  it.each([
    { label: 'nowhere by default', env: {}, expected: 'off' },
    {
      label: 'Azure Monitor with a connection string',
      env: {
        APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=x;IngestionEndpoint=https://x/',
      },
      expected: 'azureMonitor',
    },
    {
      label: 'the local exporter wins over a connection string',
      env: {
        APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=x',
        SURGE_TELEMETRY_EXPORTER: 'otlp',
      },
      expected: 'otlp',
    },
    {
      label: 'a blank connection string is none',
      env: { APPLICATIONINSIGHTS_CONNECTION_STRING: ' ' },
      expected: 'off',
    },
  ])('$label', ({ label, env, expected }) => {
    expect(readSettings(env).telemetry, label).toBe(expected);
  });
});

describe('generated reference', () => {
  it('docs/pool-spec.md and pools.schema.json match the schema (run `npm run docs:spec` after changing it)', () => {
    expect(readFileSync('docs/pool-spec.md', 'utf8')).toBe(renderSpecDocs());
    expect(JSON.parse(readFileSync('pools.schema.json', 'utf8'))).toEqual(poolsJsonSchema());
  });
});

describe('the settings list', () => {
  it('names exactly the app settings the code reads (infra/ is checked against this list)', () => {
    const read = new Set<string>();
    const recording = new Proxy<Record<string, string | undefined>>(
      { SURGE_POOLS_FILE: 'pools.sample.json', ORDERS_DB_PASSWORD: 'x' },
      {
        get(target, key) {
          if (typeof key === 'string') read.add(key);
          return target[key as string];
        },
      },
    );
    readSettings(recording);
    loadPools(recording);
    read.delete('ORDERS_DB_PASSWORD'); // a pool's own secret setting, named in the pools document
    expect([...read].sort()).toEqual(SETTINGS_DOC.map((s) => s.name).sort());
  });
});
