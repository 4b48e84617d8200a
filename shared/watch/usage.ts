import type { RegionUsage, UsageLine } from '../azure/ports';
import { regionOf } from '../policy/placement';

/**
 * ACI quota usage, read at most once a minute per subscription and region and shared by every
 * pool placing groups there (as the depth watch shares one namespace read between pools). A read
 * is a snapshot; creates ARM accepts after it are added on top as reservations, so a pool placing
 * groups a few seconds after another one sees the quota the other just took. A reservation ends
 * when a read sent after it comes back (that read counts the group itself). A delete ARM accepted
 * gives its group and cores back the same way, so a pool scaling in frees quota for another at
 * once rather than a minute later.
 */

/** How long one usage read serves its region (ms). */
export const USAGE_READ_EVERY_MS = 60_000;

/** A region's usage as the controller is told it: the lines, and when they were read. */
export interface QuotaRead {
  /** When the read was sent (ms): every group ARM had accepted by then is in it. */
  readonly at: number;
  readonly usage: RegionUsage;
}

/** One region's last read, and the creates accepted since. */
export interface UsageEntry {
  readonly read: QuotaRead;
  readonly reserved: readonly Reservation[];
}

/**
 * A write ARM accepted: a create takes one group and its cores on the Standard or the Spot line
 * (groups 1, cores > 0); a delete gives them back (groups -1, cores ≤ 0).
 */
export interface Reservation {
  readonly at: number;
  readonly groups: number;
  readonly cores: number;
  readonly spot: boolean;
}

/** What an app instance remembers of usage (see RuntimeMemory). */
export interface UsageMemory {
  readonly entries: Map<string, UsageEntry>;
  /** Reads in flight: a pool asking meanwhile waits for the same read. */
  readonly reads: Map<string, Promise<UsageEntry>>;
  /** When a region's last read failed (ms): no new read for a minute after. */
  readonly failedAt: Map<string, number>;
}

/** Fresh, empty usage memory. */
export function newUsageMemory(): UsageMemory {
  return { entries: new Map(), reads: new Map(), failedAt: new Map() };
}

/** The key of a subscription's region: "West Europe" and "westeurope" are one. */
export function usageKey(subscriptionId: string, location: string): string {
  return `${subscriptionId.toLowerCase()}|${regionOf(location)}`;
}

/**
 * The region's usage as pools should see it: the last read, plus the creates and deletes
 * accepted since. Example: StandardCores 90/100 read, two 2-core groups created and one deleted
 * since → 92/100.
 */
export function usageSeen(entry: UsageEntry): QuotaRead {
  const { at, usage } = entry.read;
  const add = (line: UsageLine | undefined, n: number): UsageLine | undefined =>
    line && { current: line.current + n, limit: line.limit };
  const sum = (spot: boolean) =>
    entry.reserved.filter((r) => r.spot === spot).reduce((n, r) => n + r.cores, 0);
  const lines = {
    containerGroups: add(
      usage.containerGroups,
      entry.reserved.reduce((n, r) => n + r.groups, 0),
    ),
    cores: add(usage.cores, sum(false)),
    spotCores: add(usage.spotCores, sum(true)),
  };
  return {
    at,
    usage: Object.fromEntries(Object.entries(lines).filter(([, l]) => l !== undefined)),
  };
}

/** The entry after a read sent at `at`: reservations it already counts are dropped. */
export function afterRead(
  usage: RegionUsage,
  at: number,
  previous: UsageEntry | undefined,
): UsageEntry {
  return { read: { at, usage }, reserved: (previous?.reserved ?? []).filter((r) => r.at >= at) };
}

/** The entry with one more accepted create (none without a read: the next read counts it). */
export function reserve(entry: UsageEntry | undefined, r: Reservation): UsageEntry | undefined {
  return entry && { ...entry, reserved: [...entry.reserved, r] };
}

/**
 * The region's usage, read through the memory: the entry when its read is under a minute old,
 * else the read in flight, else a new read. A failed read throws, to the pool that sent it only;
 * for a minute after, pools get the stale entry (or nothing) without a read, so an identity not
 * allowed to read usage (403) costs one call a minute, not one per look.
 */
export async function sharedUsage(
  memory: UsageMemory,
  key: string,
  read: () => Promise<RegionUsage>,
  now: () => number,
): Promise<QuotaRead | undefined> {
  const entry = memory.entries.get(key);
  if (entry && now() - entry.read.at < USAGE_READ_EVERY_MS) return usageSeen(entry);
  const failedAt = memory.failedAt.get(key);
  if (failedAt !== undefined && now() - failedAt < USAGE_READ_EVERY_MS) {
    return entry && usageSeen(entry);
  }
  let inFlight = memory.reads.get(key);
  if (!inFlight) {
    const at = now();
    inFlight = read()
      .then(
        (usage) => {
          const next = afterRead(usage, at, memory.entries.get(key));
          memory.entries.set(key, next);
          memory.failedAt.delete(key);
          return next;
        },
        (e: unknown) => {
          memory.failedAt.set(key, at);
          throw e;
        },
      )
      .finally(() => memory.reads.delete(key));
    memory.reads.set(key, inFlight);
  }
  return usageSeen(await inFlight);
}

/** Records a create or delete ARM accepted in the region, for the pools that read usage next. */
export function reserveUsage(memory: UsageMemory, key: string, r: Reservation): void {
  const next = reserve(memory.entries.get(key), r);
  if (next) memory.entries.set(key, next);
}
