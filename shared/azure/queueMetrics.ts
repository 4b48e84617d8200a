/**
 * The QueueMetrics port over ServiceBusAdministrationClient (@azure/service-bus 7.9.x, ATOM API
 * 2021-05).
 *
 * Two things about that client shape this adapter:
 * - Its constructor builds its pipeline with createPipelineFromOptions and hands ServiceClient only
 *   `{pipeline}`, so the `httpClient` option it accepts is silently ignored. The AdminClient
 *   subclass below sends through the given transport by overriding ServiceClient.sendRequest, the
 *   one method every admin call goes through.
 * - It always builds `https://{namespace}/…` URLs. The endpoint override is a pipeline policy
 *   (serviceBusEndpointPolicy) that moves each request to the configured origin and keeps the
 *   namespace in the Host header.
 */
import { ServiceBusAdministrationClient } from '@azure/service-bus';
import type { QueueRuntimeProperties } from '@azure/service-bus';
import type { TokenCredential } from '@azure/core-auth';
import type {
  HttpClient,
  PipelinePolicy,
  PipelineRequest,
  PipelineResponse,
} from '@azure/core-rest-pipeline';
import { isNotFound, toAzureError } from './classify';
import { useSurgeRetry } from './pipeline';
import type { AzureRetryOptions, AzureTlsOptions } from './pipeline';
import type { EntityDepth, QueueMetrics } from './ports';

/** How the Service Bus adapter reaches the administration API. */
export interface QueueMetricsOptions {
  readonly credential: TokenCredential;
  /**
   * An https origin (e.g. https://127.0.0.1:8443) to send every administration request to instead
   * of the namespace host; the namespace travels in the Host header. Undefined in Azure.
   */
  readonly serviceBusEndpoint?: string;
  readonly retry: AzureRetryOptions;
  /** Replaces only the transport, as for the ARM adapters (tests). */
  readonly httpClient?: HttpClient;
  /** Extra TLS trust (a local emulator's CA), as for the ARM adapters. */
  readonly tls?: AzureTlsOptions;
}

/** Entries per listing page: the most the service returns in one feed. */
const PAGE_SIZE = 100;

/** `topic/Subscriptions/subscription`, the entity path Service Bus itself uses. */
const SUBSCRIPTION_PATH = /^(.+)\/Subscriptions\/([^/]+)$/i;

/** Builds the QueueMetrics port; one administration client per namespace, created on first use. */
export function createQueueMetrics(options: QueueMetricsOptions): QueueMetrics {
  const clients = new Map<string, ServiceBusAdministrationClient>();
  // Built once, so a bad origin fails when the port is built rather than on the first read.
  const endpointPolicy =
    options.serviceBusEndpoint !== undefined
      ? serviceBusEndpointPolicy(options.serviceBusEndpoint)
      : undefined;

  function clientFor(namespace: string): ServiceBusAdministrationClient {
    const key = namespace.toLowerCase();
    let client = clients.get(key);
    if (client === undefined) {
      client = new AdminClient(namespace, options.credential, options.httpClient, options.tls);
      useSurgeRetry(client.pipeline, options.retry);
      if (endpointPolicy !== undefined) client.pipeline.addPolicy(endpointPolicy);
      clients.set(key, client);
    }
    return client;
  }

  return {
    listQueues(namespace) {
      // Each page is one GET `$Resources/Queues?$top=100[&$skip=n]`; the SDK asks for the next
      // page only while the feed carries a rel="next" link.
      return depthsOf(
        () => clientFor(namespace).listQueuesRuntimeProperties().byPage({ maxPageSize: PAGE_SIZE }),
        (q) => queueDepth(q.name, q),
      );
    },

    listSubscriptions(namespace, topic) {
      return depthsOf(
        () =>
          clientFor(namespace)
            .listSubscriptionsRuntimeProperties(topic)
            .byPage({ maxPageSize: PAGE_SIZE }),
        (sub) => subscriptionDepth(sub.topicName, sub.subscriptionName, sub),
      );
    },

    async get(namespace, entity) {
      const sub = SUBSCRIPTION_PATH.exec(entity);
      try {
        const client = clientFor(namespace);
        if (sub !== null) {
          const [, topic = '', subscription = ''] = sub;
          const s = await client.getSubscriptionRuntimeProperties(topic, subscription);
          return subscriptionDepth(topic, subscription, s);
        }
        return queueDepth(entity, await client.getQueueRuntimeProperties(entity));
      } catch (error) {
        // A missing entity answers 200 with an empty feed; the SDK throws MessageEntityNotFoundError.
        if (isNotFound(error)) return undefined;
        throw toAzureError(error);
      }
    },
  };
}

/** Every entry of a paged listing, as a depth; an SDK error becomes an AzureError. */
async function depthsOf<T>(
  pages: () => AsyncIterable<T[]>,
  depth: (entry: T) => EntityDepth,
): Promise<EntityDepth[]> {
  try {
    const depths: EntityDepth[] = [];
    for await (const page of pages()) for (const entry of page) depths.push(depth(entry));
    return depths;
  } catch (error) {
    throw toAzureError(error);
  }
}

/** A queue's depth. */
function queueDepth(
  entity: string,
  q: Pick<
    QueueRuntimeProperties,
    'activeMessageCount' | 'deadLetterMessageCount' | 'scheduledMessageCount'
  >,
): EntityDepth {
  return {
    entity,
    active: q.activeMessageCount,
    deadLetter: q.deadLetterMessageCount,
    scheduled: q.scheduledMessageCount,
  };
}

/**
 * A subscription's depth. `scheduled` is 0: Service Bus keeps scheduled messages in the topic until
 * their time comes, so a subscription never holds any (and the SDK does not report the count).
 */
function subscriptionDepth(
  topic: string,
  subscription: string,
  counts: { activeMessageCount: number; deadLetterMessageCount: number },
): EntityDepth {
  return {
    entity: `${topic}/Subscriptions/${subscription}`,
    active: counts.activeMessageCount,
    deadLetter: counts.deadLetterMessageCount,
    scheduled: 0,
  };
}

/**
 * A pipeline policy that sends every request to `origin` (an https origin such as
 * https://127.0.0.1:8443) and puts the host it was meant for in the Host header, as a
 * TLS-terminating proxy in front of many namespaces would see it: one local emulator then serves
 * every namespace. Idempotent, so a retry passing through again changes nothing.
 *
 * Note for emulator set-ups: Node derives the TLS server name (SNI) and the certificate check from
 * the Host header, so the emulator's certificate must be valid for the namespace host names
 * (e.g. a SAN of *.servicebus.windows.net) and trusted through NODE_EXTRA_CA_CERTS.
 */
export function serviceBusEndpointPolicy(origin: string): PipelinePolicy {
  const target = new URL(origin);
  if (target.protocol !== 'https:') {
    // The bearer-token policy refuses http, so an http origin could never carry a token anyway.
    throw new Error(`serviceBusEndpoint must be an https origin, got ${target.protocol}`);
  }
  return {
    name: 'surgeServiceBusEndpointPolicy',
    sendRequest(request: PipelineRequest, next) {
      const url = new URL(request.url);
      if (url.host !== target.host || url.protocol !== target.protocol) {
        request.headers.set('Host', url.host);
        url.protocol = target.protocol;
        url.host = target.host;
        request.url = url.toString();
      }
      return next(request);
    },
  };
}

/**
 * ServiceBusAdministrationClient that sends through a given transport. Every admin call ends in
 * ServiceClient.sendRequest(request) → pipeline.sendRequest(httpClient, request); overriding that
 * public method is the narrowest way in, since the constructor drops the httpClient option.
 */
class AdminClient extends ServiceBusAdministrationClient {
  readonly #transport: HttpClient | undefined;

  constructor(
    namespace: string,
    credential: TokenCredential,
    transport: HttpClient | undefined,
    tls: AzureTlsOptions | undefined,
  ) {
    // The constructor does honour pipeline options such as tlsOptions (unlike httpClient).
    super(namespace, credential, tls ? { tlsOptions: { ca: tls.ca } } : {});
    this.#transport = transport;
  }

  override sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    return this.#transport === undefined
      ? super.sendRequest(request)
      : this.pipeline.sendRequest(this.#transport, request);
  }
}
