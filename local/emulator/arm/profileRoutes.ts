/**
 * The Traffic Manager operations of the emulated ARM (Microsoft.Network/trafficmanagerprofiles):
 * profiles and their endpoints, kept in the World; each endpoint's monitor status is computed by
 * trafficManager.ts from the health of its target and the profile's monitor timing.
 */
import type { EmuRequest, Reply } from '../http';
import { armError, parseJson, resourceNotFound } from '../http';
import { sample } from '../random';
import type { World } from '../world';
import type { Json } from './containerGroups';
import { objectOf } from './containerGroups';
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

export function getProfile(world: World, _req: EmuRequest, now: number, p: string[]): Reply {
  const profile = findProfile(world, p);
  return profile === undefined
    ? resourceNotFound(PROFILE_TYPE, p[2] ?? '', p[1] ?? '')
    : { status: 200, json: renderFullProfile(world, profile, now, true) };
}

export function putProfile(world: World, req: EmuRequest, now: number, p: string[]): Reply {
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

export function patchProfile(world: World, req: EmuRequest, now: number, p: string[]): Reply {
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

export function deleteProfile(world: World, _req: EmuRequest, _now: number, p: string[]): Reply {
  const profile = findProfile(world, p);
  if (profile === undefined) return { status: 204 };
  world.profiles.delete(profile.key);
  // The recording: 200 with an empty body.
  return { status: 200 };
}

export function listProfiles(world: World, _req: EmuRequest, now: number, p: string[]): Reply {
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

export function getEndpoint(world: World, _req: EmuRequest, now: number, p: string[]): Reply {
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

export function putEndpoint(world: World, req: EmuRequest, now: number, p: string[]): Reply {
  return writeEndpoint(world, req, now, p, false);
}

export function patchEndpoint(world: World, req: EmuRequest, now: number, p: string[]): Reply {
  return writeEndpoint(world, req, now, p, true);
}

export function deleteEndpoint(world: World, _req: EmuRequest, _now: number, p: string[]): Reply {
  const ctx = endpointContext(world, p);
  if ('status' in ctx) return ctx.status === 404 ? { status: 204 } : ctx;
  const deleted = ctx.profile.endpoints.delete(ctx.name.toLowerCase());
  return deleted ? { status: 200, json: {} } : { status: 204 };
}

export function nameAvailability(world: World, req: EmuRequest, _now: number, _p: string[]): Reply {
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
