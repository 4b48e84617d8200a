/**
 * Every way the emulated ARM and ACI refuse a request before it changes anything, in one place:
 * at ARM's front door, injected errors, the per-principal token buckets (429 with Retry-After)
 * and random 5xx; at ACI, the create and delete rate windows, the regional quotas (container
 * groups, cores) and the capacity faults of a region. The handlers call them in the order the
 * services apply them, which is also the order in which they draw from the fault stream.
 */
import { regionKey } from '../config';
import type { EmuRequest, Reply } from '../http';
import { armError } from '../http';
import type { World } from '../world';
import type { GroupRecord, Json } from './containerGroups';
import { containersOf, phaseAt } from './containerGroups';

/** What a route does to the ARM budget. */
export type ArmKind = 'read' | 'write' | 'delete';

const REMAINING_HEADER: Readonly<Record<ArmKind, string>> = {
  read: 'x-ms-ratelimit-remaining-subscription-reads',
  write: 'x-ms-ratelimit-remaining-subscription-writes',
  delete: 'x-ms-ratelimit-remaining-subscription-deletes',
};

/** An error injected by the control API (or a scenario) for the next request of its kind. */
export function injectedError(world: World, kind: ArmKind): Reply | undefined {
  const i = world.armErrors.findIndex(
    (e) => (e.error.kind ?? 'any') === 'any' || e.error.kind === kind,
  );
  if (i < 0) return undefined;
  const slot = world.armErrors[i]!;
  slot.left--;
  if (slot.left <= 0) world.armErrors.splice(i, 1);
  const e = slot.error;
  const code =
    e.code ??
    (e.status === 429 ? 'TooManyRequests' : e.status >= 500 ? 'InternalServerError' : 'BadRequest');
  return armError(e.status, code, e.message ?? `Injected by the Surge emulator (${e.status}).`, {
    ...(e.retryAfterSeconds !== undefined ? { 'Retry-After': String(e.retryAfterSeconds) } : {}),
  });
}

/**
 * One token from the bucket of the request's subscription (or the tenant) and principal (the
 * bearer token stands for it): the remaining-budget header, or ARM's 429.
 */
export function takeArmToken(
  world: World,
  req: EmuRequest,
  token: string,
  kind: ArmKind,
  now: number,
): { ok: true; headers: Record<string, string> } | { ok: false; reply: Reply } {
  const sub = /^\/subscriptions\/([^/]+)/i.exec(req.path)?.[1]?.toLowerCase() ?? '(tenant)';
  const taken = world.takeArmToken(`${sub}|${token}`, kind, now);
  if (taken.ok) return { ok: true, headers: { [REMAINING_HEADER[kind]]: String(taken.remaining) } };
  return {
    ok: false,
    reply: armError(
      429,
      'TooManyRequests',
      `Number of '${kind}' requests for subscription '${sub}' actor '${principalLabel(token)}' exceeded. Please try again after '${taken.retryAfterSeconds}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling`,
      { 'Retry-After': String(taken.retryAfterSeconds) },
    ),
  };
}

/** ARM's random 5xx (faults.armServerErrorRate): half timeouts, half internal errors. */
export function randomServerError(
  world: World,
  headers: Record<string, string>,
): Reply | undefined {
  if (!world.faultsRng.chance(world.faults.armServerErrorRate)) return undefined;
  return world.faultsRng.chance(0.5)
    ? armError(503, 'ServerTimeout', 'The server operation timed out. Please try again.', headers)
    : armError(
        500,
        'InternalServerError',
        'Encountered internal server error. Please try again.',
        headers,
      );
}

/** A short, non-secret label for a principal (never the token itself). */
function principalLabel(token: string): string {
  let h = 0;
  for (let i = 0; i < token.length; i++) h = (Math.imul(h, 31) + token.charCodeAt(i)) >>> 0;
  return `principal-${h.toString(16).padStart(8, '0')}`;
}

/** A create or delete admitted by ACI's rate windows: count it, and the headers to send. */
export interface Admitted {
  /** Counts the operation in its window (once it will happen). */
  readonly add: () => void;
  readonly headers: Record<string, string>;
}

/**
 * ACI's create or delete rate limit per subscription and region (two sliding windows, five
 * minutes and an hour): admitted, or 429 with the seconds until a slot frees.
 */
export function rateWindow(
  world: World,
  sub: string,
  region: string,
  operation: 'create' | 'delete',
  now: number,
): ({ ok: true } & Admitted) | { ok: false; reply: Reply } {
  const limits = world.limits;
  const window = world.windows(sub, region, operation);
  const rate =
    operation === 'create'
      ? window.check(now, limits.createsPer5Min, limits.createsPerHour)
      : window.check(now, limits.deletesPer5Min, limits.deletesPerHour);
  if (!rate.ok) {
    return {
      ok: false,
      reply: armError(
        429,
        'TooManyRequests',
        `The ${operation} rate limit of ${rate.limit} container groups per ${rate.window} for subscription '${sub}' in region '${region}' was exceeded. Please retry after ${rate.retryAfterSeconds} seconds.`,
        { 'Retry-After': String(rate.retryAfterSeconds) },
      ),
    };
  }
  return {
    ok: true,
    add: () => window.add(now),
    headers: {
      'x-ms-ratelimit-remaining-subscription-resource-requests-pt5m': String(rate.remaining5Min),
      'x-ms-ratelimit-remaining-subscription-resource-requests-pt1h': String(rate.remainingHour),
    },
  };
}

/**
 * The regional quotas a create or update must fit: one more container group (for a new one), and
 * its cores beside every other group's in the region, on the Standard or the Spot line (an update
 * replaces the cores its running group holds). Each region's lines are its own where configured.
 * Example: 100 StandardCores, 98 used, a 4-core group → 409 naming StandardCores.
 */
export function quotaRefusal(
  world: World,
  group: {
    sub: string;
    region: string;
    existing: GroupRecord | undefined;
    cores: number;
    spot: boolean;
  },
  now: number,
): Reply | undefined {
  const { sub, region, existing, cores, spot } = group;
  const limits = world.limitsFor(region);
  if (existing === undefined) {
    const count = world.groupsInRegion(sub, region).size;
    if (count + 1 > limits.containerGroups) {
      return quotaError('ContainerGroups', region, limits.containerGroups, count, 1);
    }
  }
  const holdsNow =
    existing !== undefined && !['Stopped', 'Failed'].includes(phaseAt(existing.run, now));
  const holds = holdsNow && (existing.priority === 'Spot') === spot ? existing.cores : 0;
  const used = world.coresInRegion(sub, region, now, spot) - holds;
  const line = spot ? 'StandardSpotCores' : 'StandardCores';
  const limit = spot ? limits.spotCores : limits.cores;
  if (used + cores > limit) return quotaError(line, region, limit, used, cores);
  return undefined;
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

/** A region out of capacity at the moment of a create (faults.syncCapacityRate of the region). */
export function capacityRefusal(world: World, location: string, props: Json): Reply | undefined {
  const rate = world.capacityFaults(regionKey(location)).syncCapacityRate;
  if (!world.faultsRng.chance(rate)) return undefined;
  return armError(409, 'ServiceUnavailable', capacityMessage(location, props));
}

/** ACI's words for a region without capacity for a group. */
export function capacityMessage(location: string, props: Json): string {
  const cs = containersOf(props);
  const cpu = cs.reduce((s, c) => s + c.cpu, 0);
  const mem = cs.reduce((s, c) => s + c.memoryInGB, 0);
  return `The requested resource is not available in the location '${location}' at this moment. Please retry with a different resource request or in another location. Resource requested: '${cpu}' CPU '${mem}' GB memory '${String(props.osType)}' OS`;
}
