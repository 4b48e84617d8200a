/**
 * Which pool an Azure request was for, counted at the transport (the in-process HttpClient the
 * SDK clients send through), so the report can show ARM and Service Bus calls per pool. A request
 * that serves several pools at once — a list of a resource group several pools share, the depth
 * watch's one read of a namespace — is counted as `shared`: per-pool figures plus `shared` add up
 * to the emulator's own totals (a test checks it).
 *
 * Rules, from the request alone:
 * - a container group path `…/containerGroups/{name}`: the pool whose name the group's starts with
 *   (`{pool}-{8 hex}-{n}`, see shared/policy/version.ts);
 * - a list of `…/resourceGroups/{rg}/…/containerGroups`: the one pool in that resource group;
 * - a Traffic Manager profile path: the one pool that names that profile;
 * - Service Bus `/{queue}` or `/{topic}/Subscriptions/{sub}` (Host = namespace): the pool draining
 *   that entity; a namespace feed (`/$Resources/…`): the one pool in that namespace.
 */
import type { HttpClient, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import type { PoolSpec } from '../../shared/config/poolSpec';
import { entityPath } from '../../shared/config/pools';

/** Azure calls of one pool (or of several at once: `shared`). */
export interface AzureCalls {
  armReads: number;
  armWrites: number;
  armDeletes: number;
  arm429: number;
  arm5xx: number;
  serviceBusAdmin: number;
  /** Service Bus administration calls answered with a 5xx (server busy). */
  serviceBus5xx: number;
}

/** Zeroed counters. */
export function noCalls(): AzureCalls {
  return {
    armReads: 0,
    armWrites: 0,
    armDeletes: 0,
    arm429: 0,
    arm5xx: 0,
    serviceBusAdmin: 0,
    serviceBus5xx: 0,
  };
}

/** The label of requests that concern more than one pool (or none). */
export const SHARED = '(shared)';

const GROUP_NAME = /^(.+)-[0-9a-f]{8}-\d+$/;

function unique<T>(items: readonly T[]): T | undefined {
  return items.length === 1 ? items[0] : undefined;
}

/** Decides which pool a request concerns. */
export function poolAttributor(pools: readonly PoolSpec[]) {
  const names = new Set(pools.map((p) => p.name));
  const lower = (s: string | undefined) => (s ?? '').toLowerCase();
  const namespaceOf = (p: PoolSpec) => lower(p.serviceBus.namespace).replace(/:\d+$/, '');
  return (url: string, hostHeader: string | undefined): string => {
    const { pathname, host } = new URL(url);
    const requestHost = lower(hostHeader ?? host).replace(/:\d+$/, '');
    const sbPools = pools.filter((p) => namespaceOf(p) === requestHost);
    if (sbPools.length > 0 || requestHost.endsWith('.servicebus.windows.net')) {
      const entity = lower(decodeURIComponent(pathname).replace(/^\/+/, ''));
      if (entity.startsWith('$')) return unique(sbPools)?.name ?? SHARED;
      return sbPools.find((p) => lower(entityPath(p)) === entity)?.name ?? SHARED;
    }
    const path = decodeURIComponent(pathname);
    const group = /\/containerGroups\/([^/]+)/i.exec(path)?.[1];
    if (group !== undefined) {
      const pool = GROUP_NAME.exec(group)?.[1];
      return pool !== undefined && names.has(pool) ? pool : SHARED;
    }
    const profile = /\/trafficmanagerprofiles\/([^/]+)/i.exec(path)?.[1];
    if (profile !== undefined) {
      return (
        unique(pools.filter((p) => lower(p.trafficManager?.profile) === lower(profile)))?.name ??
        SHARED
      );
    }
    const rg = /\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i.exec(path);
    if (rg !== null && /\/containerGroups\/?$/i.test(path)) {
      return (
        unique(
          pools.filter(
            (p) =>
              lower(p.azure.subscriptionId) === lower(rg[1]) &&
              lower(p.azure.resourceGroup) === lower(rg[2]),
          ),
        )?.name ?? SHARED
      );
    }
    return SHARED;
  };
}

/**
 * Wraps a transport so that every request is counted for its pool (see the module comment):
 * reads, writes, deletes, 429s and 5xx for ARM, calls for Service Bus — the same classification
 * as the emulator's counters (GET/HEAD read, DELETE delete, anything else a write).
 */
export function countingTransport(
  inner: HttpClient,
  pools: readonly PoolSpec[],
  counts: Map<string, AzureCalls>,
): HttpClient {
  const attribute = poolAttributor(pools);
  const namespaces = new Set(pools.map((p) => p.serviceBus.namespace.toLowerCase()));
  return {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const hostHeader = request.headers.get('host');
      const pool = attribute(request.url, hostHeader);
      const c = counts.get(pool) ?? noCalls();
      counts.set(pool, c);
      const host = (hostHeader ?? new URL(request.url).host).toLowerCase().replace(/:\d+$/, '');
      const serviceBus = namespaces.has(host) || host.endsWith('.servicebus.windows.net');
      const response = await inner.sendRequest(request);
      if (serviceBus) {
        c.serviceBusAdmin++;
        if (response.status >= 500) c.serviceBus5xx++;
      } else {
        const method = request.method.toUpperCase();
        if (method === 'GET' || method === 'HEAD') c.armReads++;
        else if (method === 'DELETE') c.armDeletes++;
        else c.armWrites++;
        if (response.status === 429) c.arm429++;
        if (response.status >= 500) c.arm5xx++;
      }
      return response;
    },
  };
}
