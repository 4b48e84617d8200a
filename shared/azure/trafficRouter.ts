/**
 * The TrafficRouter port over @azure/arm-trafficmanager (api-version 2022-04-01). Profile reads and
 * endpoint writes are synchronous in Traffic Manager, so the SDK's plain methods send one request each.
 */
import { TrafficManagerManagementClient } from '@azure/arm-trafficmanager';
import type { Endpoint, Profile } from '@azure/arm-trafficmanager';
import { isNotFound, toAzureError } from './classify';
import { armClientsBySubscription } from './pipeline';
import type { AzureClientOptions } from './pipeline';
import type { EndpointSnapshot, ProfileSnapshot, TrafficRouter } from './ports';

/** Surge only manages external endpoints: targets are ACI groups' FQDNs. */
const EXTERNAL = 'ExternalEndpoints';

/** Builds the TrafficRouter port; one SDK client per subscription id, created on first use. */
export function createTrafficRouter(options: AzureClientOptions): TrafficRouter {
  const clientFor = armClientsBySubscription(
    options,
    (subscriptionId, clientOptions) =>
      new TrafficManagerManagementClient(options.credential, subscriptionId, clientOptions),
  );

  return {
    async getProfile(ref) {
      try {
        const profile = await clientFor(ref.subscriptionId).profiles.get(
          ref.resourceGroup,
          ref.profile,
        );
        return toProfileSnapshot(profile);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw toAzureError(error);
      }
    },

    async putEndpoint(ref, wanted) {
      try {
        const saved = await clientFor(ref.subscriptionId).endpoints.createOrUpdate(
          ref.resourceGroup,
          ref.profile,
          EXTERNAL,
          wanted.name,
          {
            target: wanted.target,
            endpointStatus: wanted.enabled ? 'Enabled' : 'Disabled',
            weight: wanted.weight,
          },
        );
        return toEndpointSnapshot(saved, wanted.name);
      } catch (error) {
        throw toAzureError(error);
      }
    },

    async deleteEndpoint(ref, name) {
      try {
        await clientFor(ref.subscriptionId).endpoints.delete(
          ref.resourceGroup,
          ref.profile,
          EXTERNAL,
          name,
        );
      } catch (error) {
        // Already gone (or the whole profile is): what the caller wanted.
        if (isNotFound(error)) return;
        throw toAzureError(error);
      }
    },
  };
}

/**
 * Maps an SDK Profile to a ProfileSnapshot. Pure. Only external endpoints are kept: the type
 * arrives as `Microsoft.Network/trafficManagerProfiles/externalEndpoints` (lower-case e in
 * responses, upper-case in requests), so it is compared without case.
 */
function toProfileSnapshot(profile: Profile): ProfileSnapshot {
  const fqdn = profile.dnsConfig?.fqdn;
  return {
    routingMethod: profile.trafficRoutingMethod ?? 'Unknown',
    // ARM always returns dnsConfig.ttl. Were it missing, 300 s errs on the long side for a
    // rollout that waits one TTL for resolvers to forget a removed endpoint.
    ttlSeconds: profile.dnsConfig?.ttl ?? 300,
    ...(fqdn !== undefined ? { fqdn } : {}),
    endpoints: (profile.endpoints ?? [])
      .filter((e) => (e.type ?? '').toLowerCase().endsWith('/externalendpoints'))
      .map((e) => toEndpointSnapshot(e, e.name ?? '')),
  };
}

/**
 * Maps an SDK Endpoint to an EndpointSnapshot. Pure. The service fills `weight: 1` when none was
 * sent, so a missing weight reads as 1.
 */
function toEndpointSnapshot(endpoint: Endpoint, name: string): EndpointSnapshot {
  const monitorStatus = endpoint.endpointMonitorStatus;
  return {
    name: endpoint.name ?? name,
    target: endpoint.target ?? '',
    weight: endpoint.weight ?? 1,
    enabled: endpoint.endpointStatus === 'Enabled',
    ...(monitorStatus !== undefined ? { monitorStatus } : {}),
  };
}
