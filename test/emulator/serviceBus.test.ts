/**
 * Service Bus administration through the real ServiceBusAdministrationClient and Surge's
 * QueueMetrics: runtime properties with CountDetails, list paging, subscriptions, the not-found
 * answers, several namespaces on one emulator, and the faults (5xx, missing CountDetails, 401).
 */
import { afterEach, describe, it } from 'vitest';
import { ServiceClient } from '@azure/core-client';
import { serviceBusEndpointPolicy } from '../../shared/azure/queueMetrics';
import { toFailure } from '../../shared/azure/errors';
import type { Emulator, EmulatorConfig } from '../../local/emulator';
import { adminClient, emulator, expectResult, ports, send } from './helpers';

const ORDERS = 'orders.servicebus.windows.net';
const BILLING = 'billing.servicebus.windows.net';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(config: EmulatorConfig = {}) {
  emu = await emulator({
    serviceBus: {
      namespaces: [
        { name: ORDERS, queues: ['orders', 'returns'], topics: { events: ['audit', 'mail'] } },
        { name: 'billing', queues: ['orders'] },
      ],
    },
    ...config,
  });
  return emu;
}

describe('runtime properties', () => {
  it('queue depth with CountDetails, per namespace, through the port and the SDK', async () => {
    const e = await start();
    e.control.enqueue(ORDERS, 'orders', 42);
    e.control.setCounts(ORDERS, 'orders', { deadLetter: 3, scheduled: 5 });
    e.control.enqueue(BILLING, 'orders', 7);
    const p = ports(e);
    const sdk = await adminClient(e, ORDERS).getQueueRuntimeProperties('orders');
    expectResult(
      'depths',
      {
        orders: await p.queueMetrics.get(ORDERS, 'orders'),
        billing: await p.queueMetrics.get(BILLING, 'orders'),
        sdk: [
          sdk.activeMessageCount,
          sdk.deadLetterMessageCount,
          sdk.scheduledMessageCount,
          sdk.totalMessageCount,
          sdk.sizeInBytes,
        ],
      },
      {
        orders: { entity: 'orders', active: 42, deadLetter: 3, scheduled: 5 },
        billing: { entity: 'orders', active: 7, deadLetter: 0, scheduled: 0 },
        sdk: [42, 3, 5, 50, 50 * 1024],
      },
    );
  });

  it('a missing entity: 200 with an empty feed, which the port reads as undefined', async () => {
    const e = await start();
    const p = ports(e);
    let sdkCode: string | undefined;
    try {
      await adminClient(e, ORDERS).getQueueRuntimeProperties('nope');
    } catch (error) {
      sdkCode = (error as { code?: string }).code;
    }
    expectResult(
      'missing',
      {
        queue: await p.queueMetrics.get(ORDERS, 'nope'),
        sub: await p.queueMetrics.get(ORDERS, 'events/Subscriptions/nope'),
        sdkCode,
      },
      { queue: undefined, sub: undefined, sdkCode: 'MessageEntityNotFoundError' },
    );
  });

  it('subscriptions: runtime properties and list', async () => {
    const e = await start();
    e.control.enqueue(ORDERS, 'events', 5); // a topic: every subscription gets a copy
    e.control.enqueue(ORDERS, 'events/Subscriptions/audit', 1);
    const p = ports(e);
    expectResult(
      'subscriptions',
      {
        list: await p.queueMetrics.listSubscriptions(ORDERS, 'events'),
        one: await p.queueMetrics.get(ORDERS, 'events/Subscriptions/audit'),
      },
      {
        list: [
          { entity: 'events/Subscriptions/audit', active: 6, deadLetter: 0, scheduled: 0 },
          { entity: 'events/Subscriptions/mail', active: 5, deadLetter: 0, scheduled: 0 },
        ],
        one: { entity: 'events/Subscriptions/audit', active: 6, deadLetter: 0, scheduled: 0 },
      },
    );
  });
});

describe('lists page with $skip/$top and rel="next"', () => {
  it('152 queues: the port reads two pages (100 and 52); the SDK pages by 40', async () => {
    const e = await start();
    for (let i = 0; i < 150; i++)
      e.control.createEntity(ORDERS, 'queue', `q-${String(i).padStart(3, '0')}`);
    e.control.resetCounters();
    const depths = await ports(e).queueMetrics.listQueues(ORDERS);
    const portCalls = e.control.counters().byOperation['serviceBus.listQueues'];
    const pages: number[] = [];
    for await (const page of adminClient(e, ORDERS)
      .listQueuesRuntimeProperties()
      .byPage({ maxPageSize: 40 })) {
      pages.push(page.length);
    }
    expectResult(
      'paging',
      {
        count: depths.length,
        first: depths[0]?.entity,
        last: depths[depths.length - 1]?.entity,
        portCalls,
        sdkPages: pages,
      },
      { count: 152, first: 'orders', last: 'returns', portCalls: 2, sdkPages: [40, 40, 40, 32] },
    );
  });
});

describe('entities created through the SDK', () => {
  it('create, exists, delete, delete again', async () => {
    const e = await start();
    const admin = adminClient(e, 'fresh.servicebus.windows.net');
    const created = await admin.createQueue('work', { maxDeliveryCount: 3, lockDuration: 'PT30S' });
    const codes: (string | undefined)[] = [];
    for (const attempt of [
      () => admin.createQueue('work'),
      () => admin.deleteQueue('work'),
      () => admin.deleteQueue('work'),
    ]) {
      try {
        await attempt();
        codes.push('ok');
      } catch (error) {
        codes.push((error as { code?: string }).code);
      }
    }
    await admin.createTopic('t');
    await admin.createSubscription('t', 's', { maxDeliveryCount: 2 });
    const sub = await admin.getSubscription('t', 's');
    expectResult(
      'lifecycle',
      {
        created: [created.name, created.maxDeliveryCount, created.lockDuration],
        codes,
        sub: [sub.topicName, sub.subscriptionName, sub.maxDeliveryCount],
      },
      {
        created: ['work', 3, 'PT30S'],
        codes: ['MessageEntityAlreadyExistsError', 'ok', 'MessageEntityNotFoundError'],
        sub: ['t', 's', 2],
      },
    );
  });
});

describe('faults', () => {
  it('heavy polling without CountDetails: the SDK cannot parse it, the port reports transient', async () => {
    const e = await start({ faults: { omitCountDetailsRate: 1 } });
    let failure: unknown;
    try {
      await ports(e).queueMetrics.get(ORDERS, 'orders');
    } catch (error) {
      failure = toFailure(error);
    }
    expectResult('omitted', (failure as { kind?: string }).kind, 'transient');
  });

  it('503 server busy is retried by the pipeline and counted', async () => {
    const e = await start({ faults: { serviceBusServerErrorRate: 1 } });
    let failure: unknown;
    try {
      await ports(e, { SURGE_AZURE_MAX_RETRIES: '1' }).queueMetrics.get(ORDERS, 'orders');
    } catch (error) {
      failure = toFailure(error);
    }
    expectResult(
      '503',
      {
        failure: [(failure as { kind?: string }).kind, (failure as { status?: number }).status],
        served: e.control.counters().serviceBus5xx,
      },
      { failure: ['transient', 503], served: 2 },
    );
  });

  it('a request without Authorization gets 401 MissingToken', async () => {
    const e = await start();
    const anonymous = new ServiceClient({ tlsOptions: { ca: e.caCertPem } });
    anonymous.pipeline.removePolicy({ name: 'deserializationPolicy' });
    anonymous.pipeline.addPolicy(serviceBusEndpointPolicy(e.serviceBusEndpoint));
    const answer = await send(anonymous, 'GET', `https://${ORDERS}/orders?api-version=2021-05`);
    expectResult(
      '401',
      {
        status: answer.status,
        code: /<Code>401<\/Code><Detail>MissingToken: /.test(answer.text),
        counted: e.control.counters().serviceBusUnauthorized,
      },
      { status: 401, code: true, counted: 1 },
    );
  });
});
