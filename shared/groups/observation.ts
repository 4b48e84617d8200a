import type { GroupSnapshot } from '../azure/ports';

/**
 * What observePool reads and keeps of a pool's groups, purely. A list of the resource group
 * (one ARM read per page) gives every group's tags and provisioning state; the instance view
 * (one ARM read per group) gives its containers and events. The result is stored in
 * orchestration history and re-read on every replay, so it carries only what the controller
 * decides from.
 */

/**
 * The groups whose instance view to read: provisioned ones for their health (unless the
 * controller read it recently: `skip`), and failed ones for Azure's reason, in their events.
 * A group still being created has no instance view worth a read.
 */
export function instanceViewsDue(
  listed: readonly GroupSnapshot[],
  skip: readonly string[],
): GroupSnapshot[] {
  const fresh = new Set(skip);
  return listed.filter(
    (g) =>
      (g.provisioningState === 'Succeeded' || g.provisioningState === 'Failed') &&
      !fresh.has(g.name),
  );
}

/** One instance-view read: the group as read, or as listed when the read failed. */
export interface ViewRead {
  readonly name: string;
  /** undefined: the group vanished between the list and the read. */
  readonly snapshot: GroupSnapshot | undefined;
  readonly read: boolean;
}

/**
 * The groups to report, in list order: each as its instance view showed it when that was read,
 * else as listed; a group that vanished between the list and its read is simply gone. With the
 * names whose view was read.
 */
export function assembleGroups(
  listed: readonly GroupSnapshot[],
  reads: readonly ViewRead[],
): { groups: GroupSnapshot[]; instanceViewsRead: string[] } {
  const byName = new Map(reads.map((r) => [r.name, r]));
  const groups: GroupSnapshot[] = [];
  for (const g of listed) {
    const r = byName.get(g.name);
    const snapshot = r === undefined ? g : r.snapshot;
    if (snapshot !== undefined) groups.push(slim(snapshot));
  }
  const instanceViewsRead = reads
    .filter((r) => r.read && r.snapshot !== undefined)
    .map((r) => r.name);
  return { groups, instanceViewsRead };
}

/**
 * What the controller reads of a group, and nothing more: the surge-* tags, the provisioning
 * state, the FQDN, where it runs (region, zone, priority), the containers (states, restart counts, start times), and the last five events
 * only for a group that is not running (a running group's Pulling/Started events say nothing the
 * controller uses).
 */
export function slim(g: GroupSnapshot): GroupSnapshot {
  const tags = Object.fromEntries(Object.entries(g.tags).filter(([k]) => k.startsWith('surge-')));
  const view = g.instanceView;
  const quiet = g.provisioningState === 'Succeeded' && view?.state === 'Running';
  return {
    name: g.name,
    tags,
    provisioningState: g.provisioningState,
    ...(g.fqdn !== undefined ? { fqdn: g.fqdn } : {}),
    ...(g.location !== undefined ? { location: g.location } : {}),
    ...(g.zone !== undefined ? { zone: g.zone } : {}),
    ...(g.priority !== undefined ? { priority: g.priority } : {}),
    ...(view
      ? {
          instanceView: {
            ...(view.state !== undefined ? { state: view.state } : {}),
            containers: view.containers,
            events: quiet ? [] : view.events.slice(-5),
          },
        }
      : {}),
  };
}
