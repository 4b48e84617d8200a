/**
 * Traffic Manager profiles and their external endpoints (Microsoft.Network/trafficmanagerprofiles,
 * api-version 2022-04-01): what the service stores, the defaults it fills in, and the endpoint
 * monitor status model.
 *
 * Monitor status of an endpoint whose target is an emulated group's FQDN (or IP):
 * - Disabled while the endpoint is disabled; Inactive while the profile is;
 * - CheckingEndpoint for a while after it was added, re-enabled or re-targeted (`checkingMs`,
 *   drawn per change; by default one to two probing intervals);
 * - then Online once the group answers probes (from its run's healthyFrom plus one probing
 *   interval, since the next probe must see it), else Degraded;
 * - an Online endpoint whose group stops, fails or is deleted at u turns Degraded after
 *   (toleratedNumberOfFailures + 1) failed probes: at u + interval × (tolerated + 1).
 *   Worked numbers with the defaults (30 s interval, 3 tolerated): Degraded 120 s after the delete.
 */
import type { Json } from './containerGroups';
import { objectOf, arrayOf } from './containerGroups';

/** An endpoint as stored. */
export interface EndpointRecord {
  readonly name: string;
  /** The path segment type, normalized (`externalEndpoints`). */
  readonly type: string;
  /** Stored properties (what was sent, plus defaults); endpointMonitorStatus is computed. */
  properties: Json;
  /** When monitoring (re)started: creation, enable, target change. */
  checkingSince: number;
  /** How long it stays CheckingEndpoint from checkingSince (ms). */
  checkingMs: number;
}

/** A profile as stored. */
export interface ProfileRecord {
  readonly key: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  location: string;
  /** Tags as sent (undefined: none sent; GET then shows `{}`, a PUT answer leaves them out). */
  tags: Record<string, string> | undefined;
  /** Stored properties (what was sent plus the service's defaults), endpoints excluded. */
  properties: Json;
  /** Endpoints by lower-case name, in insertion order. */
  endpoints: Map<string, EndpointRecord>;
}

/** What the health model needs to know about an endpoint's target. */
export interface TargetHealth {
  /** The target is not an emulated group (and never was recently). */
  readonly unknown: boolean;
  /** When the target began answering probes (Infinity: never). */
  readonly healthyFrom: number;
  /** When it stopped answering (Infinity: still does). */
  readonly unhealthyFrom: number;
  /** Forced by the control API. */
  readonly override?: 'Online' | 'Degraded';
}

/** The profile's probing interval and tolerated failures, with the service's defaults. */
export function monitorTiming(profile: ProfileRecord): { intervalMs: number; tolerated: number } {
  const monitor = objectOf(profile.properties.monitorConfig) ?? {};
  const interval = typeof monitor.intervalInSeconds === 'number' ? monitor.intervalInSeconds : 30;
  const tolerated =
    typeof monitor.toleratedNumberOfFailures === 'number' ? monitor.toleratedNumberOfFailures : 3;
  return { intervalMs: interval * 1000, tolerated };
}

/** The endpoint monitor status at t (see the module comment for the model). */
export function endpointMonitorStatus(
  profile: ProfileRecord,
  endpoint: EndpointRecord,
  target: TargetHealth,
  unknownTargets: 'Online' | 'Degraded',
  t: number,
): string {
  if (profile.properties.profileStatus === 'Disabled') return 'Inactive';
  if (endpoint.properties.endpointStatus === 'Disabled') return 'Disabled';
  const checkedAt = endpoint.checkingSince + endpoint.checkingMs;
  if (t < checkedAt) return 'CheckingEndpoint';
  if (target.override !== undefined) return target.override;
  if (target.unknown) return unknownTargets;
  const { intervalMs, tolerated } = monitorTiming(profile);
  const onlineFrom = Math.max(checkedAt, target.healthyFrom + intervalMs);
  const degradedFrom = target.unhealthyFrom + intervalMs * (tolerated + 1);
  return t >= onlineFrom && t < degradedFrom ? 'Online' : 'Degraded';
}

/** Aggregate of endpoint statuses into profileMonitorStatus, as the service reports it. */
export function profileMonitorStatus(profileStatus: unknown, statuses: readonly string[]): string {
  if (profileStatus === 'Disabled') return 'Disabled';
  const active = statuses.filter((s) => s !== 'Disabled' && s !== 'Inactive');
  if (active.length === 0) return 'Inactive';
  if (active.includes('CheckingEndpoint')) return 'CheckingEndpoints';
  if (active.includes('Online')) return 'Online';
  return 'Degraded';
}

/** Resource id of a profile (ids spell the type `trafficManagerProfiles`, as the service does). */
function profileId(p: Pick<ProfileRecord, 'subscriptionId' | 'resourceGroup' | 'name'>): string {
  return `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}/providers/Microsoft.Network/trafficManagerProfiles/${p.name}`;
}

/** Renders an endpoint with its monitor status. */
export function renderEndpoint(profile: ProfileRecord, e: EndpointRecord, status: string): Json {
  const { endpointStatus, target, weight, priority, ...rest } = e.properties;
  return {
    id: `${profileId(profile)}/${e.type}/${e.name}`,
    name: e.name,
    type: `Microsoft.Network/trafficManagerProfiles/${e.type}`,
    properties: {
      endpointStatus,
      endpointMonitorStatus: status,
      target,
      weight,
      priority,
      ...rest,
    },
  };
}

/**
 * Renders a profile. `withTags` is false for the PUT answer when no tags were sent (the recorded
 * PUT answer has no `tags`, the GET that followed has `tags: {}`).
 */
export function renderProfile(
  p: ProfileRecord,
  endpoints: readonly Json[],
  statuses: readonly string[],
  withTags: boolean,
): Json {
  const { profileStatus, trafficRoutingMethod, dnsConfig, monitorConfig, ...rest } = p.properties;
  return {
    id: profileId(p),
    name: p.name,
    type: 'Microsoft.Network/trafficManagerProfiles',
    location: p.location,
    ...(withTags || p.tags !== undefined ? { tags: p.tags ?? {} } : {}),
    properties: {
      profileStatus,
      trafficRoutingMethod,
      dnsConfig,
      monitorConfig: {
        profileMonitorStatus: profileMonitorStatus(profileStatus, statuses),
        ...objectOf(monitorConfig),
      },
      endpoints,
      ...rest,
    },
  };
}

/**
 * The stored profile properties from a PUT body, with what the service fills in: profileStatus
 * Enabled, dnsConfig.fqdn `{relativeName}.trafficmanager.net`, the monitor defaults (30 s, 3
 * failures, 10 s timeout, as the recording shows). Endpoints are handled separately.
 */
export function profileProperties(body: Json, name: string): Json {
  const props = { ...(objectOf(body.properties) ?? {}) };
  delete props.endpoints;
  const dns = { ...(objectOf(props.dnsConfig) ?? {}) };
  const relativeName = typeof dns.relativeName === 'string' ? dns.relativeName : name;
  const monitor = { ...(objectOf(props.monitorConfig) ?? {}) };
  delete monitor.profileMonitorStatus;
  return {
    ...props,
    profileStatus: props.profileStatus ?? 'Enabled',
    dnsConfig: {
      relativeName,
      fqdn: `${relativeName.toLowerCase()}.trafficmanager.net`,
      ttl: typeof dns.ttl === 'number' ? dns.ttl : 300,
    },
    monitorConfig: {
      protocol: 'HTTP',
      port: 80,
      path: '/',
      ...monitor,
      intervalInSeconds: monitor.intervalInSeconds ?? 30,
      toleratedNumberOfFailures: monitor.toleratedNumberOfFailures ?? 3,
      timeoutInSeconds: monitor.timeoutInSeconds ?? 10,
    },
  };
}

/**
 * The stored endpoint properties from a PUT body (or a PATCH merged over the old ones), with the
 * service's defaults: endpointStatus Enabled, weight 1, priority = the lowest unused one.
 */
export function endpointProperties(
  sent: Json,
  previous: Json | undefined,
  usedPriorities: readonly number[],
): Json {
  const merged: Json = { ...(previous ?? {}), ...sent };
  delete merged.endpointMonitorStatus;
  let priority = merged.priority;
  if (typeof priority !== 'number') {
    priority = 1;
    while (usedPriorities.includes(priority as number)) priority = (priority as number) + 1;
  }
  return {
    ...merged,
    endpointStatus: merged.endpointStatus ?? 'Enabled',
    weight: typeof merged.weight === 'number' ? merged.weight : 1,
    priority,
  };
}

/** Why endpoint properties are unacceptable (400 BadRequest), or undefined. */
export function endpointProblem(props: Json): string | undefined {
  if (typeof props.target !== 'string' || props.target === '') {
    return 'The target of an external endpoint is required.';
  }
  const w = props.weight;
  if (typeof w === 'number' && (w < 1 || w > 1000 || !Number.isInteger(w))) {
    return 'Endpoint weight must be a whole number between 1 and 1000.';
  }
  const p = props.priority;
  if (typeof p === 'number' && (p < 1 || p > 1000 || !Number.isInteger(p))) {
    return 'Endpoint priority must be a whole number between 1 and 1000.';
  }
  if (
    props.endpointStatus !== undefined &&
    props.endpointStatus !== 'Enabled' &&
    props.endpointStatus !== 'Disabled'
  ) {
    return "endpointStatus must be 'Enabled' or 'Disabled'.";
  }
  return undefined;
}

/** The inline endpoints of a profile PUT body: `[{name, type, properties}]`. */
export function inlineEndpoints(body: Json): { name: string; type: string; properties: Json }[] {
  return arrayOf(objectOf(body.properties)?.endpoints).map((e) => ({
    name: typeof e.name === 'string' ? e.name : '',
    type: typeof e.type === 'string' ? e.type : '',
    properties: objectOf(e.properties) ?? {},
  }));
}

/** Normalizes an endpoint type (path segment or `Microsoft.network/TrafficManagerProfiles/X`). */
export function endpointType(raw: string): string | undefined {
  const last = raw.split('/').pop()?.toLowerCase();
  switch (last) {
    case 'externalendpoints':
      return 'externalEndpoints';
    case 'azureendpoints':
      return 'azureEndpoints';
    case 'nestedendpoints':
      return 'nestedEndpoints';
    default:
      return undefined;
  }
}
