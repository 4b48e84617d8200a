/**
 * The ARM operations the emulator serves, by path: container groups (Microsoft.ContainerInstance,
 * any api-version; the SDK sends 2023-05-01) and Traffic Manager (Microsoft.Network
 * trafficmanagerprofiles). Paths compare without case, as ARM's do. server.ts has already checked
 * the token, charged the token bucket and counted the request; these handlers do the rest.
 */
import { regionKey } from '../config';
import type { EmuRequest, Reply } from '../http';
import { armError, parseJson, resourceNotFound } from '../http';
import type { ImageBehaviour } from '../images';
import type { World } from '../world';
import type { GroupRecord, GroupRun, Json } from './containerGroups';
import {
  arrayOf,
  containersOf,
  definitionProblem,
  drawRun,
  isoMs,
  objectOf,
  phaseAt,
  renderGroup,
  renderOperation,
  storedProperties,
} from './containerGroups';
import type { EndpointRecord, ProfileRecord } from './trafficManager';
import {
  endpointMonitorStatus,
  endpointProblem,
  endpointProperties,
  endpointType,
  inlineEndpoints,
  monitorTiming,
  profileProperties,
  renderEndpoint,
  renderProfile,
} from './trafficManager';
import { sample } from '../random';

/** What a route does to the ARM budget. */
export type ArmKind = 'read' | 'write' | 'delete';

/** One ARM route. */
export interface ArmRoute {
  readonly method: string;
  readonly pattern: RegExp;
  /** Counter name, e.g. `containerGroups.get`. */
  readonly operation: string;
  readonly handle: (world: World, req: EmuRequest, now: number, params: string[]) => Reply;
}

const SUB = '/subscriptions/([^/]+)';
const RG = '/resourceGroups/([^/]+)';
const ACI = '/providers/Microsoft\\.ContainerInstance';
const TM = '/providers/Microsoft\\.Network/trafficmanagerprofiles';
const route = (
  method: string,
  path: string,
  operation: string,
  handle: ArmRoute['handle'],
): ArmRoute => ({ method, pattern: new RegExp(`^${path}/?$`, 'i'), operation, handle });

/** Every ARM route, most specific first. */
export const ARM_ROUTES: readonly ArmRoute[] = [
  route(
    'GET',
    `/providers/Microsoft\\.ContainerInstance/operations`,
    'operations.list',
    listOperations,
  ),
  route('GET', `${SUB}${ACI}/containerGroups`, 'containerGroups.list', listGroups),
  route('GET', `${SUB}${ACI}/locations/([^/]+)/usages`, 'location.listUsage', usages),
  route('GET', `${SUB}${ACI}/locations/([^/]+)/operations/([^/]+)`, 'operations.get', getOperation),
  route(
    'GET',
    `${SUB}${RG}${ACI}/containerGroups`,
    'containerGroups.listByResourceGroup',
    listGroups,
  ),
  route('GET', `${SUB}${RG}${ACI}/containerGroups/([^/]+)`, 'containerGroups.get', getGroup),
  route(
    'PUT',
    `${SUB}${RG}${ACI}/containerGroups/([^/]+)`,
    'containerGroups.createOrUpdate',
    putGroup,
  ),
  route('PATCH', `${SUB}${RG}${ACI}/containerGroups/([^/]+)`, 'containerGroups.update', patchGroup),
  route(
    'DELETE',
    `${SUB}${RG}${ACI}/containerGroups/([^/]+)`,
    'containerGroups.delete',
    deleteGroup,
  ),
  route(
    'POST',
    `${SUB}${RG}${ACI}/containerGroups/([^/]+)/start`,
    'containerGroups.start',
    startGroup,
  ),
  route(
    'POST',
    `${SUB}${RG}${ACI}/containerGroups/([^/]+)/stop`,
    'containerGroups.stop',
    stopGroup,
  ),
  route(
    'POST',
    `${SUB}${RG}${ACI}/containerGroups/([^/]+)/restart`,
    'containerGroups.restart',
    restartGroup,
  ),
  route(
    'GET',
    `${SUB}${RG}${ACI}/containerGroups/([^/]+)/outboundNetworkDependenciesEndpoints`,
    'containerGroups.getOutboundNetworkDependenciesEndpoints',
    () => ({ status: 200, json: [] }),
  ),
  route(
    'GET',
    `${SUB}${RG}${ACI}/containerGroups/([^/]+)/containers/([^/]+)/logs`,
    'containers.listLogs',
    containerLogs,
  ),
  route(
    'POST',
    `/providers/Microsoft\\.Network/checkTrafficManagerNameAvailability`,
    'profiles.checkTrafficManagerRelativeDnsNameAvailability',
    nameAvailability,
  ),
  route(
    'POST',
    `${SUB}/providers/Microsoft\\.Network/checkTrafficManagerNameAvailabilityV2`,
    'profiles.checkTrafficManagerNameAvailabilityV2',
    (w, r, n, p) => nameAvailability(w, r, n, p.slice(1)),
  ),
  route('GET', `${SUB}${TM}`, 'profiles.listBySubscription', listProfiles),
  route('GET', `${SUB}${RG}${TM}`, 'profiles.listByResourceGroup', listProfiles),
  route('GET', `${SUB}${RG}${TM}/([^/]+)`, 'profiles.get', getProfile),
  route('PUT', `${SUB}${RG}${TM}/([^/]+)`, 'profiles.createOrUpdate', putProfile),
  route('PATCH', `${SUB}${RG}${TM}/([^/]+)`, 'profiles.update', patchProfile),
  route('DELETE', `${SUB}${RG}${TM}/([^/]+)`, 'profiles.delete', deleteProfile),
  route('GET', `${SUB}${RG}${TM}/([^/]+)/([^/]+)/([^/]+)`, 'endpoints.get', getEndpoint),
  route('PUT', `${SUB}${RG}${TM}/([^/]+)/([^/]+)/([^/]+)`, 'endpoints.createOrUpdate', putEndpoint),
  route('PATCH', `${SUB}${RG}${TM}/([^/]+)/([^/]+)/([^/]+)`, 'endpoints.update', patchEndpoint),
  route('DELETE', `${SUB}${RG}${TM}/([^/]+)/([^/]+)/([^/]+)`, 'endpoints.delete', deleteEndpoint),
];

/** The budget kind of a method: GET reads, DELETE deletes, the rest writes. */
export function armKind(method: string): ArmKind {
  if (method === 'GET' || method === 'HEAD') return 'read';
  if (method === 'DELETE') return 'delete';
  return 'write';
}

/** Finds the route of a request: the route and its decoded path parameters, or undefined. */
export function matchArm(
  method: string,
  path: string,
): { route: ArmRoute; params: string[] } | undefined {
  for (const r of ARM_ROUTES) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(path);
    if (m !== null) return { route: r, params: m.slice(1).map((p) => safeDecode(p)) };
  }
  return undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// ---------------------------------------------------------------------------------------------
// Container groups

const GROUP_TYPE = 'Microsoft.ContainerInstance/containerGroups';

function groupKey(sub: string, rg: string, name: string): string {
  return `${sub}/${rg}/${name}`.toLowerCase();
}

function findGroup(world: World, p: string[]): GroupRecord | undefined {
  const [sub = '', rg = '', name = ''] = p;
  return world.groups.get(groupKey(sub, rg, name));
}

function notFoundGroup(p: string[]): Reply {
  return resourceNotFound(GROUP_TYPE, p[2] ?? '', p[1] ?? '');
}

/** `Azure-AsyncOperation` of a run (ACI's operations live under the subscription and region). */
function asyncOperationHeader(
  req: EmuRequest,
  g: GroupRecord,
  run: GroupRun,
): Record<string, string> {
  return {
    'Azure-AsyncOperation': `${req.origin}/subscriptions/${g.subscriptionId}/providers/Microsoft.ContainerInstance/locations/${g.region}/operations/${run.opId}?api-version=2018-06-01`,
  };
}

function getGroup(world: World, _req: EmuRequest, now: number, p: string[]): Reply {
  const g = findGroup(world, p);
  return g === undefined ? notFoundGroup(p) : { status: 200, json: renderGroup(g, now, true) };
}

/** Images a definition references (containers and init containers) with their behaviour. */
function resolveImages(
  world: World,
  props: Json,
  groupName: string,
): { ok: true; behaviours: ImageBehaviour[] } | { ok: false; reply: Reply } {
  const servers = new Set(
    arrayOf(props.imageRegistryCredentials).flatMap((c) =>
      typeof c.server === 'string' ? [c.server.toLowerCase()] : [],
    ),
  );
  const behaviours: ImageBehaviour[] = [];
  const all = [...arrayOf(props.containers), ...arrayOf(props.initContainers)];
  for (const [i, c] of all.entries()) {
    const sent = objectOf(c.properties)?.image;
    const image = typeof sent === 'string' ? sent : '';
    let behaviour = world.images.lookup(image);
    if (behaviour === undefined && world.unknownImages === 'allow') {
      world.images.push(image);
      behaviour = world.images.lookup(image);
    }
    const inaccessible =
      behaviour === undefined || (behaviour.private && !servers.has(world.images.serverOf(image)));
    if (inaccessible) {
      return {
        ok: false,
        reply: armError(
          400,
          'InaccessibleImage',
          `The image '${image}' in container group '${groupName}' is not accessible. Please check the image and registry credential.`,
        ),
      };
    }
    // Init containers run to completion before the others: they do not drain.
    if (i < arrayOf(props.containers).length && behaviour !== undefined) behaviours.push(behaviour);
  }
  return { ok: true, behaviours };
}

/** The managed identity block as the service returns it: the system identity's ids filled in. */
function identityOf(world: World, sent: unknown, previous: Json | undefined): Json | undefined {
  const id = objectOf(sent);
  if (id === undefined || typeof id.type !== 'string' || id.type === 'None') return undefined;
  const out: Json = { ...id };
  if (/SystemAssigned/i.test(id.type)) {
    out.principalId =
      typeof previous?.principalId === 'string' ? previous.principalId : world.idsRng.uuid();
    out.tenantId = world.tenantId;
  }
  // User-assigned identities are echoed as sent: the service fills their principalId and
  // clientId too, but no recording shows it, and Surge never reads them.
  return out;
}

function capacityMessage(location: string, props: Json): string {
  const cs = containersOf(props);
  const cpu = cs.reduce((s, c) => s + c.cpu, 0);
  const mem = cs.reduce((s, c) => s + c.memoryInGB, 0);
  return `The requested resource is not available in the location '${location}' at this moment. Please retry with a different resource request or in another location. Resource requested: '${cpu}' CPU '${mem}' GB memory '${String(props.osType)}' OS`;
}

/** Draws a new run for a group. */
function newRun(
  world: World,
  g: Pick<GroupRecord, 'key' | 'region' | 'location'>,
  props: Json,
  behaviours: readonly ImageBehaviour[],
  kind: GroupRun['kind'],
  seq: number,
  incarnation: number,
  now: number,
): GroupRun {
  const hasAzureFile = arrayOf(props.volumes).some((v) => objectOf(v.azureFile) !== undefined);
  return drawRun(
    {
      seq,
      kind,
      opId: world.idsRng.uuid(),
      now,
      pending: world.pendingFor(g.region),
      images: behaviours,
      hasAzureFile,
      faults: {
        asyncCapacityRate: world.capacityFaults(g.region).asyncCapacityRate,
        mountFailureRate: world.faults.mountFailureRate,
        slowProvisioningRate: world.faults.slowProvisioningRate,
        slowProvisioningFactor: world.faults.slowProvisioningFactor,
      },
      capacityMessage: capacityMessage(g.location, props),
    },
    world.rng.fork(`provision:${g.key}:${incarnation}:${seq}`),
  );
}

function putGroup(world: World, req: EmuRequest, now: number, p: string[]): Reply {
  const [sub = '', rg = '', name = ''] = p;
  let body: unknown;
  try {
    body = parseJson(req.body);
  } catch {
    return armError(
      400,
      'InvalidRequestContent',
      'The request content was invalid and could not be deserialized.',
    );
  }
  const problem = definitionProblem(body);
  if (problem !== undefined) return armError(400, problem.code, problem.message);
  const root = body as Json;
  const location = String(root.location);
  const region = regionKey(location);
  const props = storedProperties(objectOf(root.properties)!);
  const key = groupKey(sub, rg, name);
  const existing = world.groups.get(key);
  if (existing !== undefined && existing.region !== region) {
    return armError(
      409,
      'InvalidResourceLocation',
      `The resource '${name}' already exists in location '${existing.location}' in resource group '${rg}'. A resource with the same name cannot be created in location '${location}'. Please select a new resource name.`,
    );
  }
  const window = world.windows(sub, region, 'create');
  const rate = window.check(now, world.limits.createsPer5Min, world.limits.createsPerHour);
  if (!rate.ok) {
    return armError(
      429,
      'TooManyRequests',
      `The create rate limit of ${rate.limit} container groups per ${rate.window} for subscription '${sub}' in region '${region}' was exceeded. Please retry after ${rate.retryAfterSeconds} seconds.`,
      { 'Retry-After': String(rate.retryAfterSeconds) },
    );
  }
  const images = resolveImages(world, props, name);
  if (!images.ok) return images.reply;
  const cs = containersOf(props);
  const cores = cs.reduce((s, c) => s + c.cpu, 0);
  const memoryGb = cs.reduce((s, c) => s + c.memoryInGB, 0);
  if (existing === undefined) {
    const count = world.groupsInRegion(sub, region).size;
    if (count + 1 > world.limits.containerGroupsPerRegion) {
      return quotaError('ContainerGroups', region, world.limits.containerGroupsPerRegion, count, 1);
    }
  }
  const holds =
    existing !== undefined && !['Stopped', 'Failed'].includes(phaseAt(existing.run, now))
      ? existing.cores
      : 0;
  const used = world.coresInRegion(sub, region, now) - holds;
  if (used + cores > world.limits.coresPerRegion) {
    return quotaError('StandardCores', region, world.limits.coresPerRegion, used, cores);
  }
  const specChanged =
    existing === undefined ||
    JSON.stringify(existing.properties) !== JSON.stringify(props) ||
    JSON.stringify(existing.zones) !== JSON.stringify(root.zones);
  if (specChanged && world.faultsRng.chance(world.capacityFaults(region).syncCapacityRate)) {
    return armError(409, 'ServiceUnavailable', capacityMessage(location, props));
  }
  window.add(now);
  const rateHeaders = {
    'x-ms-ratelimit-remaining-subscription-resource-requests-pt5m': String(rate.remaining5Min),
    'x-ms-ratelimit-remaining-subscription-resource-requests-pt1h': String(rate.remainingHour),
  };
  const tags = objectOf(root.tags) as Record<string, string> | undefined;
  const dnsLabel = objectOf(props.ipAddress)?.dnsNameLabel;
  const fqdn =
    typeof dnsLabel === 'string'
      ? `${dnsLabel.toLowerCase()}.${region}.azurecontainer.io`
      : undefined;
  const drainRate = images.behaviours.reduce((s, b) => s + b.drainRate, 0);
  if (existing === undefined) {
    const incarnation = world.incarnation(key);
    const base = { key, region, location };
    const g: GroupRecord = {
      ...base,
      subscriptionId: sub,
      resourceGroup: rg,
      name,
      properties: props,
      identity: identityOf(world, root.identity, undefined),
      zones: root.zones,
      tags,
      createdAt: now,
      incarnation,
      run: newRun(world, base, props, images.behaviours, 'create', 1, incarnation, now),
      cores,
      memoryGb,
      containerCount: cs.length,
      drainRate,
      ip: world.nextIp(),
      fqdn,
      healthOverride: undefined,
    };
    world.addGroup(g);
    return {
      status: 201,
      json: renderGroup(g, now, true),
      headers: { ...asyncOperationHeader(req, g, g.run), ...rateHeaders },
    };
  }
  const g = existing;
  world.updateGroup(g, () => {
    g.tags = tags;
    g.identity = identityOf(world, root.identity, g.identity);
    if (!specChanged) return;
    world.endRun(g, now);
    g.properties = props;
    g.zones = root.zones;
    g.location = location;
    g.cores = cores;
    g.memoryGb = memoryGb;
    g.containerCount = cs.length;
    g.drainRate = drainRate;
    g.fqdn = fqdn;
    g.run = newRun(world, g, props, images.behaviours, 'update', g.run.seq + 1, g.incarnation, now);
  });
  const inFlight = now < g.run.endAt && g.run.stoppedAt === undefined;
  return {
    status: 200,
    json: renderGroup(g, now, true),
    headers: { ...(inFlight ? asyncOperationHeader(req, g, g.run) : {}), ...rateHeaders },
  };
}

function quotaError(
  quota: string,
  region: string,
  limit: number,
  usage: number,
  requested: number,
): Reply {
  return armError(
    409,
    'ServiceUnavailable',
    `Resource type 'Microsoft.ContainerInstance/containerGroups' container group quota '${quota}' exceeded in region '${region}'. Limit: '${limit}', Usage: '${usage}' Requested: '${requested}'.`,
  );
}

function patchGroup(world: World, req: EmuRequest, now: number, p: string[]): Reply {
  const g = findGroup(world, p);
  if (g === undefined) return notFoundGroup(p);
  let body: unknown;
  try {
    body = parseJson(req.body);
  } catch {
    return armError(
      400,
      'InvalidRequestContent',
      'The request content was invalid and could not be deserialized.',
    );
  }
  const tags = objectOf(objectOf(body)?.tags);
  // PATCH updates tags only (the SDK's Resource model carries nothing else that ACI applies).
  if (tags !== undefined) world.updateGroup(g, () => (g.tags = tags as Record<string, string>));
  return { status: 200, json: renderGroup(g, now, true) };
}

function deleteGroup(world: World, _req: EmuRequest, now: number, p: string[]): Reply {
  const g = findGroup(world, p);
  if (g === undefined) return { status: 204 };
  const window = world.windows(g.subscriptionId, g.region, 'delete');
  const rate = window.check(now, world.limits.deletesPer5Min, world.limits.deletesPerHour);
  if (!rate.ok) {
    return armError(
      429,
      'TooManyRequests',
      `The delete rate limit of ${rate.limit} container groups per ${rate.window} for subscription '${g.subscriptionId}' in region '${g.region}' was exceeded. Please retry after ${rate.retryAfterSeconds} seconds.`,
      { 'Retry-After': String(rate.retryAfterSeconds) },
    );
  }
  window.add(now);
  // The recording answers a synchronous 200 with the group's last body.
  const last = renderGroup(g, now, true);
  world.removeGroup(g, now);
  return {
    status: 200,
    json: last,
    headers: {
      'x-ms-ratelimit-remaining-subscription-resource-requests-pt5m': String(rate.remaining5Min),
      'x-ms-ratelimit-remaining-subscription-resource-requests-pt1h': String(rate.remainingHour),
    },
  };
}

function stopGroup(world: World, _req: EmuRequest, now: number, p: string[]): Reply {
  const g = findGroup(world, p);
  if (g === undefined) return notFoundGroup(p);
  // Synchronous (204 only in the specification): containers stop, compute and billing end.
  world.updateGroup(g, () => world.endRun(g, now));
  return { status: 204 };
}

/** Start (after a stop or failure) and restart both provision a new run of the group. */
function rerun(
  world: World,
  req: EmuRequest,
  now: number,
  p: string[],
  kind: 'start' | 'restart',
): Reply {
  const g = findGroup(world, p);
  if (g === undefined) return notFoundGroup(p);
  const phase = phaseAt(g.run, now);
  if (kind === 'start' && phase !== 'Stopped' && phase !== 'Failed') return { status: 204 };
  const images = resolveImages(world, g.properties, g.name);
  if (!images.ok) return images.reply;
  world.updateGroup(g, () => {
    world.endRun(g, now);
    g.run = newRun(
      world,
      g,
      g.properties,
      images.behaviours,
      kind,
      g.run.seq + 1,
      g.incarnation,
      now,
    );
  });
  // Start is long-running (202 + operation); restart answers 204 at once (the 2025-09-01
  // example), while the containers restart in place behind it.
  return kind === 'start'
    ? { status: 202, headers: asyncOperationHeader(req, g, g.run) }
    : { status: 204 };
}

function startGroup(world: World, req: EmuRequest, now: number, p: string[]): Reply {
  return rerun(world, req, now, p, 'start');
}

function restartGroup(world: World, req: EmuRequest, now: number, p: string[]): Reply {
  return rerun(world, req, now, p, 'restart');
}

function listGroups(world: World, req: EmuRequest, now: number, p: string[]): Reply {
  const [sub = '', rg] = p;
  const prefix = (rg === undefined ? `${sub}/` : `${sub}/${rg}/`).toLowerCase();
  // Keys are sorted: the groups under the prefix are one run, found by binary search.
  const keys = world.sortedGroupKeys();
  const all = keys.slice(lowerBound(keys, prefix), lowerBound(keys, `${prefix}\uffff`));
  const skip = Math.max(0, Number(req.query.get('$skipToken') ?? '0') || 0);
  const page = all.slice(skip, skip + world.armPageSize).flatMap((k) => {
    const g = world.groups.get(k);
    return g === undefined ? [] : [g];
  });
  const next = skip + world.armPageSize;
  const apiVersion = req.query.get('api-version') ?? '2023-05-01';
  return {
    status: 200,
    json: {
      value: page.map((g) => renderGroup(g, now, false)),
      ...(next < all.length
        ? {
            nextLink: `${req.origin}${req.path}?api-version=${encodeURIComponent(apiVersion)}&$skipToken=${next}`,
          }
        : {}),
    },
  };
}

/** First index whose key is >= `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function usages(world: World, _req: EmuRequest, now: number, p: string[]): Reply {
  const [sub = '', location = ''] = p;
  const region = regionKey(location);
  return {
    status: 200,
    json: {
      value: [
        {
          unit: 'Count',
          currentValue: world.groupsInRegion(sub, region).size,
          limit: world.limits.containerGroupsPerRegion,
          name: { value: 'ContainerGroups', localizedValue: 'Container Groups' },
        },
        {
          unit: 'Count',
          currentValue: world.coresInRegion(sub, region, now),
          limit: world.limits.coresPerRegion,
          name: { value: 'StandardCores', localizedValue: 'Standard Cores' },
        },
      ],
    },
  };
}

function getOperation(world: World, _req: EmuRequest, now: number, p: string[]): Reply {
  const op = world.operations.get(p[2] ?? '');
  if (op === undefined || op.group.subscriptionId.toLowerCase() !== (p[0] ?? '').toLowerCase()) {
    return armError(404, 'OperationNotFound', `The operation '${p[2] ?? ''}' was not found.`);
  }
  return { status: 200, json: renderOperation(op.group, op.run, now) };
}

function containerLogs(world: World, _req: EmuRequest, now: number, p: string[]): Reply {
  const g = findGroup(world, p);
  if (g === undefined) return notFoundGroup(p);
  const container = containersOf(g.properties).find(
    (c) => c.name.toLowerCase() === (p[3] ?? '').toLowerCase(),
  );
  if (container === undefined) {
    return armError(
      404,
      'ContainerNotFound',
      `The container '${p[3] ?? ''}' was not found in container group '${g.name}'.`,
    );
  }
  const phase = phaseAt(g.run, now);
  const started = phase === 'Running' || phase === 'Warming';
  return {
    status: 200,
    json: {
      content: started
        ? `${isoMs(g.run.endAt)} ${container.name}: started (${container.image})\n`
        : '',
    },
  };
}

function listOperations(): Reply {
  const op = (name: string, operation: string, description: string) => ({
    name,
    display: {
      provider: 'Microsoft Container Instance',
      resource: 'Container Group',
      operation,
      description,
    },
    origin: 'User',
  });
  return {
    status: 200,
    json: {
      value: [
        op(
          'Microsoft.ContainerInstance/containerGroups/read',
          'Get Container Groups',
          'Get all container groups.',
        ),
        op(
          'Microsoft.ContainerInstance/containerGroups/write',
          'Create or Update Container Groups',
          'Create or update a specific container group.',
        ),
        op(
          'Microsoft.ContainerInstance/containerGroups/delete',
          'Delete Container Groups',
          'Delete the specific container group.',
        ),
        op(
          'Microsoft.ContainerInstance/containerGroups/start/action',
          'Start Container Groups',
          'Starts a specific container group.',
        ),
        op(
          'Microsoft.ContainerInstance/containerGroups/stop/action',
          'Stop Container Groups',
          'Stops a specific container group.',
        ),
        op(
          'Microsoft.ContainerInstance/containerGroups/restart/action',
          'Restart Container Groups',
          'Restarts a specific container group.',
        ),
      ],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Traffic Manager

const PROFILE_TYPE = 'Microsoft.Network/trafficManagerProfiles';

function profileKey(sub: string, rg: string, name: string): string {
  return `${sub}/${rg}/${name}`.toLowerCase();
}

function findProfile(world: World, p: string[]): ProfileRecord | undefined {
  const [sub = '', rg = '', name = ''] = p;
  return world.profiles.get(profileKey(sub, rg, name));
}

function statusOf(world: World, profile: ProfileRecord, e: EndpointRecord, now: number): string {
  const target = typeof e.properties.target === 'string' ? e.properties.target : '';
  return endpointMonitorStatus(profile, e, world.targetHealth(target), world.tmUnknownTargets, now);
}

function renderFullProfile(
  world: World,
  profile: ProfileRecord,
  now: number,
  withTags: boolean,
): Json {
  const endpoints = [...profile.endpoints.values()];
  const statuses = endpoints.map((e) => statusOf(world, profile, e, now));
  return renderProfile(
    profile,
    endpoints.map((e, i) => renderEndpoint(profile, e, statuses[i] ?? 'CheckingEndpoint')),
    statuses,
    withTags,
  );
}

/** Draws how long an endpoint stays CheckingEndpoint after a (re)start of monitoring. */
function checkingMs(world: World, profile: ProfileRecord, name: string, now: number): number {
  const rng = world.rng.fork(`tm:${profile.key}/${name.toLowerCase()}@${now}`);
  if (world.tmChecking !== undefined) return sample(world.tmChecking, rng);
  const { intervalMs } = monitorTiming(profile);
  return intervalMs * (1 + rng.next());
}

/** Creates or updates an endpoint record; returns a 400 message on invalid input. */
function upsertEndpoint(
  world: World,
  profile: ProfileRecord,
  name: string,
  type: string,
  sent: Json,
  now: number,
  merge: boolean,
): { record: EndpointRecord; created: boolean } | { problem: string } {
  const key = name.toLowerCase();
  const previous = profile.endpoints.get(key);
  const used = [...profile.endpoints.values()]
    .filter((e) => e !== previous)
    .flatMap((e) => (typeof e.properties.priority === 'number' ? [e.properties.priority] : []));
  const props = endpointProperties(sent, merge ? previous?.properties : undefined, used);
  const problem = endpointProblem(props);
  if (problem !== undefined) return { problem };
  const restart =
    previous === undefined ||
    previous.properties.target !== props.target ||
    (previous.properties.endpointStatus === 'Disabled' && props.endpointStatus === 'Enabled');
  const record: EndpointRecord = {
    name: previous?.name ?? name,
    type,
    properties: props,
    checkingSince: restart || previous === undefined ? now : previous.checkingSince,
    checkingMs:
      restart || previous === undefined
        ? checkingMs(world, profile, name, now)
        : previous.checkingMs,
  };
  profile.endpoints.set(key, record);
  return { record, created: previous === undefined };
}

function getProfile(world: World, _req: EmuRequest, now: number, p: string[]): Reply {
  const profile = findProfile(world, p);
  return profile === undefined
    ? resourceNotFound(PROFILE_TYPE, p[2] ?? '', p[1] ?? '')
    : { status: 200, json: renderFullProfile(world, profile, now, true) };
}

function putProfile(world: World, req: EmuRequest, now: number, p: string[]): Reply {
  const [sub = '', rg = '', name = ''] = p;
  const parsed = requestObject(req);
  if ('error' in parsed) return parsed.error;
  const body = parsed.body;
  const props = objectOf(body.properties);
  if (props === undefined || typeof props.trafficRoutingMethod !== 'string') {
    return armError(
      400,
      'BadRequest',
      'A traffic routing method is required (properties.trafficRoutingMethod).',
    );
  }
  const key = profileKey(sub, rg, name);
  const previous = world.profiles.get(key);
  const profile: ProfileRecord = {
    key,
    subscriptionId: previous?.subscriptionId ?? sub,
    resourceGroup: previous?.resourceGroup ?? rg,
    name: previous?.name ?? name,
    location: typeof body.location === 'string' ? body.location : 'global',
    tags: objectOf(body.tags) as Record<string, string> | undefined,
    properties: profileProperties(body, name),
    endpoints: new Map(),
  };
  for (const e of inlineEndpoints(body)) {
    const type = endpointType(e.type);
    if (type === undefined)
      return armError(400, 'BadRequest', `Unknown endpoint type '${e.type}'.`);
    // An endpoint kept across the PUT keeps its monitoring history.
    const kept = previous?.endpoints.get(e.name.toLowerCase());
    if (kept !== undefined) profile.endpoints.set(kept.name.toLowerCase(), kept);
    const result = upsertEndpoint(world, profile, e.name, type, e.properties, now, false);
    if ('problem' in result) return armError(400, 'BadRequest', result.problem);
  }
  world.profiles.set(key, profile);
  return {
    status: previous === undefined ? 201 : 200,
    json: renderFullProfile(world, profile, now, profile.tags !== undefined),
  };
}

function patchProfile(world: World, req: EmuRequest, now: number, p: string[]): Reply {
  const profile = findProfile(world, p);
  if (profile === undefined) return resourceNotFound(PROFILE_TYPE, p[2] ?? '', p[1] ?? '');
  const parsed = requestObject(req);
  if ('error' in parsed) return parsed.error;
  const body = parsed.body;
  const sent = objectOf(body.properties) ?? {};
  const merged: Json = { ...profile.properties };
  for (const [k, v] of Object.entries(sent)) {
    if (k === 'endpoints') continue;
    const inner = objectOf(v);
    merged[k] =
      inner !== undefined && objectOf(merged[k]) !== undefined
        ? { ...objectOf(merged[k]), ...inner }
        : v;
  }
  profile.properties = profileProperties({ properties: merged }, profile.name);
  if (objectOf(body.tags) !== undefined)
    profile.tags = objectOf(body.tags) as Record<string, string>;
  if (Array.isArray(sent.endpoints)) {
    const before = profile.endpoints;
    profile.endpoints = new Map();
    for (const e of inlineEndpoints({ properties: sent })) {
      const type = endpointType(e.type) ?? 'externalEndpoints';
      const kept = before.get(e.name.toLowerCase());
      if (kept !== undefined) profile.endpoints.set(kept.name.toLowerCase(), kept);
      const result = upsertEndpoint(world, profile, e.name, type, e.properties, now, true);
      if ('problem' in result) return armError(400, 'BadRequest', result.problem);
    }
  }
  return { status: 200, json: renderFullProfile(world, profile, now, true) };
}

function deleteProfile(world: World, _req: EmuRequest, _now: number, p: string[]): Reply {
  const profile = findProfile(world, p);
  if (profile === undefined) return { status: 204 };
  world.profiles.delete(profile.key);
  // The recording: 200 with an empty body.
  return { status: 200 };
}

function listProfiles(world: World, _req: EmuRequest, now: number, p: string[]): Reply {
  const [sub = '', rg] = p;
  const prefix = (rg === undefined ? `${sub}/` : `${sub}/${rg}/`).toLowerCase();
  const value = [...world.profiles.values()]
    .filter((profile) => profile.key.startsWith(prefix))
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((profile) => renderFullProfile(world, profile, now, true));
  return { status: 200, json: { value } };
}

function endpointContext(
  world: World,
  p: string[],
): { profile: ProfileRecord; type: string; name: string } | Reply {
  const profile = findProfile(world, p);
  if (profile === undefined) return resourceNotFound(PROFILE_TYPE, p[2] ?? '', p[1] ?? '');
  const type = endpointType(p[3] ?? '');
  if (type === undefined)
    return armError(400, 'BadRequest', `Unknown endpoint type '${p[3] ?? ''}'.`);
  return { profile, type, name: p[4] ?? '' };
}

function getEndpoint(world: World, _req: EmuRequest, now: number, p: string[]): Reply {
  const ctx = endpointContext(world, p);
  if ('status' in ctx) return ctx;
  const e = ctx.profile.endpoints.get(ctx.name.toLowerCase());
  if (e === undefined || e.type !== ctx.type) {
    return resourceNotFound(`${PROFILE_TYPE}/${ctx.type}`, ctx.name, p[1] ?? '');
  }
  return {
    status: 200,
    json: renderEndpoint(ctx.profile, e, statusOf(world, ctx.profile, e, now)),
  };
}

function writeEndpoint(
  world: World,
  req: EmuRequest,
  now: number,
  p: string[],
  merge: boolean,
): Reply {
  const ctx = endpointContext(world, p);
  if ('status' in ctx) return ctx;
  const parsed = requestObject(req);
  if ('error' in parsed) return parsed.error;
  const body = parsed.body;
  const existing = ctx.profile.endpoints.get(ctx.name.toLowerCase());
  if (merge && existing === undefined) {
    return resourceNotFound(`${PROFILE_TYPE}/${ctx.type}`, ctx.name, p[1] ?? '');
  }
  const result = upsertEndpoint(
    world,
    ctx.profile,
    ctx.name,
    ctx.type,
    objectOf(body.properties) ?? {},
    now,
    merge,
  );
  if ('problem' in result) return armError(400, 'BadRequest', result.problem);
  return {
    status: result.created ? 201 : 200,
    json: renderEndpoint(
      ctx.profile,
      result.record,
      statusOf(world, ctx.profile, result.record, now),
    ),
  };
}

function putEndpoint(world: World, req: EmuRequest, now: number, p: string[]): Reply {
  return writeEndpoint(world, req, now, p, false);
}

function patchEndpoint(world: World, req: EmuRequest, now: number, p: string[]): Reply {
  return writeEndpoint(world, req, now, p, true);
}

function deleteEndpoint(world: World, _req: EmuRequest, _now: number, p: string[]): Reply {
  const ctx = endpointContext(world, p);
  if ('status' in ctx) return ctx.status === 404 ? { status: 204 } : ctx;
  const deleted = ctx.profile.endpoints.delete(ctx.name.toLowerCase());
  return deleted ? { status: 200, json: {} } : { status: 204 };
}

function nameAvailability(world: World, req: EmuRequest, _now: number, _p: string[]): Reply {
  let body: Json | undefined;
  try {
    body = objectOf(parseJson(req.body));
  } catch {
    body = undefined;
  }
  const name = typeof body?.name === 'string' ? body.name : '';
  const type = typeof body?.type === 'string' ? body.type : PROFILE_TYPE;
  const taken = [...world.profiles.values()].some((profile) => {
    const dns = objectOf(profile.properties.dnsConfig);
    const relative = dns?.relativeName;
    return typeof relative === 'string' && relative.toLowerCase() === name.toLowerCase();
  });
  return {
    status: 200,
    json: taken
      ? {
          name,
          type,
          nameAvailable: false,
          reason: 'AlreadyExists',
          message: `${name}.trafficmanager.net is already taken. Please try a different relative DNS name.`,
        }
      : { name, type, nameAvailable: true },
  };
}

/** The request body as a JSON object, or ARM's 400 for a body that is not one. */
function requestObject(req: EmuRequest): { body: Json } | { error: Reply } {
  let body: Json | undefined;
  try {
    body = objectOf(parseJson(req.body));
  } catch {
    body = undefined;
  }
  return body === undefined
    ? {
        error: armError(
          400,
          'BadRequest',
          'The request content was invalid and could not be deserialized.',
        ),
      }
    : { body };
}
