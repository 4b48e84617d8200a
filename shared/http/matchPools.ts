import type { PoolSpec } from '../config/poolSpec';
import type { PoolsConfig } from '../config/pools';
import { entityPath } from '../config/pools';
import type { ImagePush } from '../webhooks/acr';
import { tagMatches } from '../webhooks/acr';
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

/**
 * Pools that follow a pushed image: the pool's follow filter names the registry (default: the
 * group template's registry), the repository and a tag filter. Registry hosts compare
 * case-insensitively; a push by digest alone only matches the `*` tag filter.
 */
export function poolsFollowing(config: PoolsConfig, push: ImagePush): PoolSpec[] {
  return config.pools.filter((p) => {
    const follow = p.follow;
    if (!follow) return false;
    const registry = (follow.registry ?? p.group.registry?.server ?? '').toLowerCase();
    return (
      registry === push.registry &&
      follow.repository === push.repository &&
      tagMatches(follow.tag, push.tag)
    );
  });
}
