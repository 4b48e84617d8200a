import type { PoolGroup } from './groups';
import type { Site } from './placement';
import { siteScore } from './placement';

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
 * deleting groups are not candidates: they are replaced or already going. With several sites,
 * between the version and the age comes the site (placement.ts `siteScore`): under fill the
 * least preferred site's groups go first, under spread the fullest site's, one at a time.
 */
export function pickVictims(
  groups: readonly PoolGroup[],
  currentVersion: string,
  count: number,
  placement?: VictimPlacement,
): PoolGroup[] {
  if (count <= 0) return [];
  const candidates = groups.filter((g) => g.phase === 'pending' || g.phase === 'running');
  const rank = (g: PoolGroup) =>
    g.phase === 'pending' ? 0 : g.versionId !== currentVersion ? 1 : 2;
  const younger = (a: PoolGroup, b: PoolGroup) =>
    b.createdAt - a.createdAt || b.ordinal - a.ordinal;
  if (placement === undefined) {
    return [...candidates].sort((a, b) => rank(a) - rank(b) || younger(a, b)).slice(0, count);
  }
  // With sites the order depends on what is left (spread balances), so pick one at a time.
  const left = new Map<string | undefined, number>();
  for (const g of candidates) left.set(g.site, (left.get(g.site) ?? 0) + 1);
  const score = (g: PoolGroup) =>
    siteScore(placement.strategy, placement.siteOf(g.site), left.get(g.site) ?? 0);
  const chosen: PoolGroup[] = [];
  const remaining = [...candidates];
  while (chosen.length < count && remaining.length > 0) {
    let best = 0;
    for (let i = 1; i < remaining.length; i++) {
      const a = remaining[i] as PoolGroup;
      const b = remaining[best] as PoolGroup;
      if ((rank(a) - rank(b) || score(b) - score(a) || younger(a, b)) < 0) best = i;
    }
    const [victim] = remaining.splice(best, 1) as [PoolGroup];
    left.set(victim.site, (left.get(victim.site) ?? 1) - 1);
    chosen.push(victim);
  }
  return chosen;
}

/** The pool's sites, for a scale-in that takes them into account (see siteScore). */
export interface VictimPlacement {
  readonly strategy: 'fill' | 'spread';
  readonly siteOf: (key: string | undefined) => Site | undefined;
}
