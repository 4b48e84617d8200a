import type { PoolSpec } from '../config/poolSpec';
import type { PoolsConfig } from '../config/pools';
import { entityPath } from '../config/pools';
import { entityMatches, namespaceShortName } from '../webhooks/eventGrid';

/**
 * Pools that drain an entity of a namespace, as push signals name them: the namespace by its
 * short name (events and alerts carry `contoso`, pools hold `contoso.servicebus.windows.net`),
 * the entity as a queue name or `topic/Subscriptions/subscription`; no entity means the whole
 * namespace. Case-insensitive, as Service Bus names are.
 */
export function poolsDraining(
  config: PoolsConfig,
  namespace: string,
  entity: string | undefined,
): PoolSpec[] {
  const ns = namespaceShortName(namespace);
  return config.pools.filter(
    (p) =>
      namespaceShortName(p.serviceBus.namespace) === ns &&
      (entity === undefined || entityMatches(entity, entityPath(p))),
  );
}
