import type { PoolGroup } from './groups';

/**
 * Picks `count` groups to remove when the pool scales in, in this order:
 *
 * 1. groups not running yet — they hold no message, and ACI bills them while they pull images;
 * 2. groups of an older version — a rollout wants them gone anyway, so removing them now saves
 *    a later replacement;
 * 3. the youngest running groups — the oldest ones have proven healthy on this host, and the
 *    youngest were most likely added for the burst that is now over (last in, first out). ACI
 *    bills by the second, so age does not change what a group costs.
 *
 * Ties go to the higher ordinal, which keeps the names of the survivors compact. Failed and
 * deleting groups are not candidates: they are replaced or already going.
 */
export function pickVictims(
  groups: readonly PoolGroup[],
  currentVersion: string,
  count: number,
): PoolGroup[] {
  if (count <= 0) return [];
  const candidates = groups.filter((g) => g.phase === 'pending' || g.phase === 'running');
  const rank = (g: PoolGroup) =>
    g.phase === 'pending' ? 0 : g.versionId !== currentVersion ? 1 : 2;
  return [...candidates]
    .sort((a, b) => rank(a) - rank(b) || b.createdAt - a.createdAt || b.ordinal - a.ordinal)
    .slice(0, count);
}
