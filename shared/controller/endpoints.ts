import type { EndpointSnapshot, ProfileSnapshot } from '../azure/ports';
import type { PoolGroup } from '../policy/groups';
import type { RemoveEndpointInput, SetEndpointInput } from './activities';

/** Weight of an endpoint at full traffic; canary weights are set relative to it. */
const BASE_WEIGHT = 100;

/**
 * The weight that gives `n` target endpoints `percent` of the traffic next to `o` endpoints at
 * BASE_WEIGHT: n·w / (n·w + o·100) = p/100 → w = 100·o·p / (n·(100 − p)), kept within Traffic
 * Manager's 1–1000. Example: 4 old, 4 new, 10 % → w = 100·4·10/(4·90) = 11, a share of 9.9 %.
 * At 0 % the target still gets weight 1 (Traffic Manager only monitors enabled endpoints).
 */
export function canaryWeight(old: number, target: number, percent: number): number {
  if (target === 0) return 1;
  if (old === 0 || percent >= 100) return BASE_WEIGHT;
  const w = Math.round((BASE_WEIGHT * old * percent) / (target * (100 - percent)));
  return Math.min(1000, Math.max(1, w));
}

/** Endpoint writes that make the profile match the pool. */
export interface EndpointPlan {
  readonly set: readonly SetEndpointInput[];
  readonly remove: readonly RemoveEndpointInput[];
}

/**
 * What the pool's endpoints should be: one per running group with an FQDN, named after it —
 * stable groups at BASE_WEIGHT, rollout targets at their canary weight, retiring groups disabled —
 * and no endpoint for a group that is gone or being deleted. Only endpoints named like the
 * pool's groups are touched: the profile may front other things too.
 */
export function planEndpoints(input: {
  readonly pool: string;
  readonly profile: ProfileSnapshot;
  readonly groups: readonly PoolGroup[];
  /** Groups deleted in this iteration. */
  readonly deleting: ReadonlySet<string>;
  readonly retiring: ReadonlySet<string>;
  /** The rollout's target version id and the share it gets, when a rollout is in progress. */
  readonly target?: { readonly id: string; readonly percent: number };
}): EndpointPlan {
  const { pool, profile, groups, deleting, retiring, target } = input;
  const serving = groups.filter(
    (g) => g.phase === 'running' && g.fqdn !== undefined && !deleting.has(g.name),
  );
  const stableCount = serving.filter(
    (g) => !retiring.has(g.name) && g.versionId !== target?.id,
  ).length;
  const targetCount = serving.filter((g) => g.versionId === target?.id).length;
  const targetWeight = target
    ? canaryWeight(stableCount, targetCount, target.percent)
    : BASE_WEIGHT;
  const observed = new Map(
    profile.endpoints.filter((e) => ownedBy(pool, e.name)).map((e) => [e.name, e]),
  );
  const set: SetEndpointInput[] = [];
  for (const g of serving) {
    const existing = observed.get(g.name);
    const enabled = !retiring.has(g.name);
    const weight = !enabled
      ? (existing?.weight ?? BASE_WEIGHT)
      : g.versionId === target?.id
        ? targetWeight
        : BASE_WEIGHT;
    const desired = { pool, name: g.name, target: g.fqdn as string, weight, enabled };
    if (!existing || differs(existing, desired)) set.push(desired);
  }
  const keep = new Set(serving.map((g) => g.name));
  const pending = new Set(
    groups.filter((g) => g.phase === 'pending' && !deleting.has(g.name)).map((g) => g.name),
  );
  const remove = [...observed.keys()]
    .filter((name) => !keep.has(name) && !pending.has(name))
    .map((name) => ({ pool, name }));
  return { set, remove };
}

function differs(e: EndpointSnapshot, d: SetEndpointInput): boolean {
  return e.target !== d.target || e.weight !== d.weight || e.enabled !== d.enabled;
}

/** Endpoints Surge manages for a pool are named like its groups: `{pool}-{8 hex}-{ordinal}`. */
export function ownedBy(pool: string, endpoint: string): boolean {
  return (
    endpoint.startsWith(`${pool}-`) && /^[0-9a-f]{8}-\d{1,4}$/.test(endpoint.slice(pool.length + 1))
  );
}
