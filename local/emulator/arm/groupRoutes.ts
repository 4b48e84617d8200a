/**
 * The container-group operations of the emulated ARM (Microsoft.ContainerInstance, any
 * api-version; the SDK sends 2023-05-01): the groups live in the World; what a group shows at a
 * moment (states, events, instance view) is computed by containerGroups.ts from its run; what can
 * refuse a create or delete is in admission.ts.
 */
import { regionKey } from '../config';
import type { EmuRequest, Reply } from '../http';
import { armError, parseJson, resourceNotFound } from '../http';
import type { ImageBehaviour } from '../images';
import type { CreateOutcome, World } from '../world';
import { capacityMessage, capacityRefusal, quotaRefusal, rateWindow } from './admission';
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

/** GET a group, with its instance view. */
export function getGroup(world: World, _req: EmuRequest, now: number, p: string[]): Reply {
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

/** Draws a new run for a group. */
function newRun(
  world: World,
  g: Pick<GroupRecord, 'key' | 'region' | 'location' | 'priority'>,
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
        ...(g.priority === 'Spot'
          ? { spotEvictionsPerHour: world.capacityFaults(g.region).spotEvictionsPerHour }
          : {}),
      },
      capacityMessage: capacityMessage(g.location, props),
    },
    world.rng.fork(`provision:${g.key}:${incarnation}:${seq}`),
  );
}

/** A PUT's definition: the request body, checked, with where it goes. */
interface Definition {
  readonly root: Json;
  readonly props: Json;
  readonly location: string;
  readonly region: string;
  readonly priority: 'Regular' | 'Spot';
  /** The zone asked for (ACI places a group in one zone at most). */
  readonly zones: readonly string[] | undefined;
  /** In a delegated subnet: a private IP, no public address or DNS name. */
  readonly subnet: boolean;
}

function readDefinition(req: EmuRequest): Definition | { reply: Reply } {
  let body: unknown;
  try {
    body = parseJson(req.body);
  } catch {
    return {
      reply: armError(
        400,
        'InvalidRequestContent',
        'The request content was invalid and could not be deserialized.',
      ),
    };
  }
  const problem = definitionProblem(body) ?? placementProblem(body as Json);
  if (problem !== undefined) return { reply: armError(400, problem.code, problem.message) };
  const root = body as Json;
  const location = String(root.location);
  const props = storedProperties(objectOf(root.properties)!);
  return {
    root,
    props,
    location,
    region: regionKey(location),
    priority: props.priority === 'Spot' ? 'Spot' : 'Regular',
    zones: Array.isArray(root.zones) ? root.zones.map(String) : undefined,
    subnet: arrayOf(props.subnetIds).length > 0,
  };
}

/**
 * What ACI refuses about where and how a group runs, before anything else: a priority other than
 * Regular or Spot; a Spot group that takes inbound connections (a public IP); a public IP in a
 * delegated subnet; more than one zone. The Spot code is ACI's documented one; the others are
 * the emulator's, named after what they refuse.
 */
function placementProblem(root: Json): { code: string; message: string } | undefined {
  const props = objectOf(root.properties) ?? {};
  const priority = props.priority;
  if (priority !== undefined && priority !== 'Regular' && priority !== 'Spot') {
    return {
      code: 'InvalidRequestContent',
      message: "properties.priority must be 'Regular' or 'Spot'.",
    };
  }
  const ip = objectOf(props.ipAddress);
  const publicIp = ip !== undefined && ip.type !== 'Private';
  if (priority === 'Spot' && publicIp) {
    return {
      code: 'SpotPriorityContainerGroupNotSupportedForInboundConnectivity',
      message:
        'Spot priority container groups do not support inbound connectivity: remove the public IP address.',
    };
  }
  if (arrayOf(props.subnetIds).length > 0 && publicIp) {
    return {
      code: 'PublicIpAddressNotSupportedInSubnet',
      message:
        "A container group in a virtual network subnet gets a private IP address: properties.ipAddress.type must be 'Private'.",
    };
  }
  const zones = root.zones;
  if (zones !== undefined && (!Array.isArray(zones) || zones.length !== 1)) {
    return {
      code: 'InvalidZones',
      message: 'A container group is deployed to one availability zone: zones must hold one zone.',
    };
  }
  return undefined;
}

/** A zone the region does not offer is refused (400). */
function zoneRefusal(world: World, d: Definition): Reply | undefined {
  const zone = d.zones?.[0];
  if (zone === undefined) return undefined;
  const offered = world.zonesOf(d.region);
  if (offered.includes(zone)) return undefined;
  const available = offered.length > 0 ? `available zones: ${offered.join(', ')}` : 'it has none';
  return armError(
    400,
    'AvailabilityZoneNotSupported',
    `Availability zone '${zone}' is not available for container groups in location '${d.location}': ${available}.`,
  );
}

/** What a group's definition makes of it, apart from its run. */
interface Shape {
  readonly tags: Record<string, string> | undefined;
  readonly cores: number;
  readonly memoryGb: number;
  readonly containerCount: number;
  readonly drainRate: number;
  readonly fqdn: string | undefined;
}

function shapeOf(d: Definition, behaviours: readonly ImageBehaviour[]): Shape {
  const cs = containersOf(d.props);
  const dnsLabel = objectOf(d.props.ipAddress)?.dnsNameLabel;
  return {
    tags: objectOf(d.root.tags) as Record<string, string> | undefined,
    cores: cs.reduce((s, c) => s + c.cpu, 0),
    memoryGb: cs.reduce((s, c) => s + c.memoryInGB, 0),
    containerCount: cs.length,
    drainRate: behaviours.reduce((s, b) => s + b.drainRate, 0),
    fqdn:
      typeof dnsLabel === 'string'
        ? `${dnsLabel.toLowerCase()}.${d.region}.azurecontainer.io`
        : undefined,
  };
}

/**
 * PUT a group: checked (definition, location, then admission.ts's create rate, the images,
 * quotas and capacity, in ACI's order), then created (201 with an async operation) or updated
 * (200; a changed spec starts a new run).
 */
export function putGroup(world: World, req: EmuRequest, now: number, p: string[]): Reply {
  const [sub = '', rg = '', name = ''] = p;
  const d = readDefinition(req);
  if ('reply' in d) return d.reply;
  const existing = world.groups.get(groupKey(sub, rg, name));
  const reply = admitAndWrite(world, req, now, { sub, rg, name }, d, existing);
  if (existing === undefined) {
    const tags = tagsOf(d.root);
    const site = world.siteOf(tags, d.region, d.priority === 'Spot');
    world.countCreate(tags?.[world.poolTag] ?? '(none)', site, createOutcome(reply));
  }
  return reply;
}

/** The checks of a PUT in ACI's order (see putGroup), then the create or the update. */
function admitAndWrite(
  world: World,
  req: EmuRequest,
  now: number,
  where: { sub: string; rg: string; name: string },
  d: Definition,
  existing: GroupRecord | undefined,
): Reply {
  const { sub, rg, name } = where;
  if (existing !== undefined && existing.region !== d.region) {
    return armError(
      409,
      'InvalidResourceLocation',
      `The resource '${name}' already exists in location '${existing.location}' in resource group '${rg}'. A resource with the same name cannot be created in location '${d.location}'. Please select a new resource name.`,
    );
  }
  const zone = zoneRefusal(world, d);
  if (zone) return zone;
  const rate = rateWindow(world, sub, d.region, 'create', now);
  if (!rate.ok) return rate.reply;
  const images = resolveImages(world, d.props, name);
  if (!images.ok) return images.reply;
  const shape = shapeOf(d, images.behaviours);
  const quota = quotaRefusal(
    world,
    { sub, region: d.region, existing, cores: shape.cores, spot: d.priority === 'Spot' },
    now,
  );
  if (quota) return quota;
  const specChanged =
    existing === undefined ||
    JSON.stringify(existing.properties) !== JSON.stringify(d.props) ||
    JSON.stringify(existing.zones) !== JSON.stringify(d.root.zones);
  const capacity = specChanged ? capacityRefusal(world, d.location, d.props) : undefined;
  if (capacity) return capacity;
  rate.add();
  const reply =
    existing === undefined
      ? createGroup(world, req, where, d, shape, images.behaviours, now)
      : updateGroup(
          world,
          req,
          existing,
          d,
          shape,
          specChanged ? images.behaviours : undefined,
          now,
        );
  return { ...reply, headers: { ...reply.headers, ...rate.headers } };
}

/**
 * How a create was answered, for the placement figures: accepted; over a quota (a quota line,
 * or the create rate limit's 429); out of capacity (409 "not available in the location"); else.
 */
function createOutcome(reply: Reply): CreateOutcome {
  if (reply.status < 300) return 'accepted';
  if (reply.status === 429) return 'quota';
  const message = (reply.json as { error?: { message?: string } } | undefined)?.error?.message;
  if (/quota/i.test(message ?? '')) return 'quota';
  if (/not available in the location/i.test(message ?? '')) return 'capacity';
  return 'other';
}

/** The tags of a request body, when it has string tags. */
function tagsOf(root: Json): Record<string, string> | undefined {
  const tags = root.tags;
  if (typeof tags !== 'object' || tags === null) return undefined;
  return Object.fromEntries(
    Object.entries(tags).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

function createGroup(
  world: World,
  req: EmuRequest,
  where: { sub: string; rg: string; name: string },
  d: Definition,
  shape: Shape,
  behaviours: readonly ImageBehaviour[],
  now: number,
): Reply {
  const key = groupKey(where.sub, where.rg, where.name);
  const incarnation = world.incarnation(key);
  const base = { key, region: d.region, location: d.location, priority: d.priority };
  const g: GroupRecord = {
    ...base,
    subscriptionId: where.sub,
    resourceGroup: where.rg,
    name: where.name,
    properties: d.props,
    identity: identityOf(world, d.root.identity, undefined),
    zones: d.root.zones,
    tags: shape.tags,
    createdAt: now,
    incarnation,
    run: newRun(world, base, d.props, behaviours, 'create', 1, incarnation, now),
    cores: shape.cores,
    memoryGb: shape.memoryGb,
    containerCount: shape.containerCount,
    drainRate: shape.drainRate,
    ip: d.subnet ? world.nextPrivateIp() : world.nextIp(),
    fqdn: d.subnet ? undefined : shape.fqdn,
    healthOverride: undefined,
  };
  world.addGroup(g);
  return {
    status: 201,
    json: renderGroup(g, now, true),
    headers: asyncOperationHeader(req, g, g.run),
  };
}

/** Tags and identity always; the rest, and a new run, only when the spec changed (`behaviours`). */
function updateGroup(
  world: World,
  req: EmuRequest,
  g: GroupRecord,
  d: Definition,
  shape: Shape,
  behaviours: readonly ImageBehaviour[] | undefined,
  now: number,
): Reply {
  world.updateGroup(g, () => {
    g.tags = shape.tags;
    g.identity = identityOf(world, d.root.identity, g.identity);
    if (behaviours === undefined) return;
    world.endRun(g, now);
    g.properties = d.props;
    g.zones = d.root.zones;
    g.location = d.location;
    g.priority = d.priority;
    g.cores = shape.cores;
    g.memoryGb = shape.memoryGb;
    g.containerCount = shape.containerCount;
    g.drainRate = shape.drainRate;
    g.fqdn = shape.fqdn;
    g.run = newRun(world, g, d.props, behaviours, 'update', g.run.seq + 1, g.incarnation, now);
  });
  const inFlight = now < g.run.endAt && g.run.stoppedAt === undefined;
  return {
    status: 200,
    json: renderGroup(g, now, true),
    headers: inFlight ? asyncOperationHeader(req, g, g.run) : {},
  };
}

export function patchGroup(world: World, req: EmuRequest, now: number, p: string[]): Reply {
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

/** DELETE a group: synchronous 200 with its last body (as recorded), within the delete rate. */
export function deleteGroup(world: World, _req: EmuRequest, now: number, p: string[]): Reply {
  const g = findGroup(world, p);
  if (g === undefined) return { status: 204 };
  const rate = rateWindow(world, g.subscriptionId, g.region, 'delete', now);
  if (!rate.ok) return rate.reply;
  rate.add();
  const last = renderGroup(g, now, true);
  world.removeGroup(g, now);
  return { status: 200, json: last, headers: rate.headers };
}

export function stopGroup(world: World, _req: EmuRequest, now: number, p: string[]): Reply {
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

export function startGroup(world: World, req: EmuRequest, now: number, p: string[]): Reply {
  return rerun(world, req, now, p, 'start');
}

export function restartGroup(world: World, req: EmuRequest, now: number, p: string[]): Reply {
  return rerun(world, req, now, p, 'restart');
}

export function listGroups(world: World, req: EmuRequest, now: number, p: string[]): Reply {
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

/** ACI's usage lines of a region: container groups, Standard cores and Spot cores, with limits. */
export function usages(world: World, _req: EmuRequest, now: number, p: string[]): Reply {
  const [sub = '', location = ''] = p;
  const region = regionKey(location);
  const limits = world.limitsFor(region);
  const line = (value: string, localizedValue: string, currentValue: number, limit: number) => ({
    unit: 'Count',
    currentValue,
    limit,
    name: { value, localizedValue },
  });
  return {
    status: 200,
    json: {
      value: [
        line(
          'ContainerGroups',
          'Container Groups',
          world.groupsInRegion(sub, region).size,
          limits.containerGroups,
        ),
        line(
          'StandardCores',
          'Standard Cores',
          world.coresInRegion(sub, region, now),
          limits.cores,
        ),
        line(
          'StandardSpotCores',
          'Standard Spot Cores',
          world.coresInRegion(sub, region, now, true),
          limits.spotCores,
        ),
      ],
    },
  };
}

export function getOperation(world: World, _req: EmuRequest, now: number, p: string[]): Reply {
  const op = world.operations.get(p[2] ?? '');
  if (op === undefined || op.group.subscriptionId.toLowerCase() !== (p[0] ?? '').toLowerCase()) {
    return armError(404, 'OperationNotFound', `The operation '${p[2] ?? ''}' was not found.`);
  }
  return { status: 200, json: renderOperation(op.group, op.run, now) };
}

export function containerLogs(world: World, _req: EmuRequest, now: number, p: string[]): Reply {
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

export function listOperations(): Reply {
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
