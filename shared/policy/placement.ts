import type { RegionUsage } from '../azure/ports';
import type { PoolSpec } from '../config/poolSpec';
import { versionHash } from './version';

/**
 * Where a pool's groups run, purely. A pool has one or more sites — a region, maybe zones, a
 * priority (Regular or Spot), maybe a delegated subnet, maybe a cap — in order of preference.
 * Creates go to sites with room: `fill` takes the first site until its cap, its quota or its
 * capacity runs out, then the next; `spread` balances the groups across sites. Within a site with
 * zones, each create goes to the zone with the fewest of the pool's groups (skew at most one).
 * Quota is read, not guessed: a region's free groups and cores (Regular or Spot line) are a budget
 * the creates of one decision draw from, shared by the pool's sites in that region.
 */

/** A site of a pool, with its place in the order of preference. */
export interface Site {
  /** Stable id, written as the surge-site tag: `westeurope`, `westeurope-spot`, `westeurope-1a2b`. */
  readonly key: string;
  readonly index: number;
  readonly location: string;
  /** The location normalized: `West Europe` → `westeurope`. */
  readonly region: string;
  readonly zones: readonly string[];
  readonly priority: 'Regular' | 'Spot';
  readonly maxGroups?: number;
  readonly subnetId?: string;
}

/** Where one new group goes. */
export interface SiteChoice {
  readonly site: string;
  readonly location: string;
  readonly priority: 'Regular' | 'Spot';
  readonly zone?: string;
  readonly subnetId?: string;
}

/** Tag naming the site a group was placed in. */
export const TAG_SITE = 'surge-site';

/** A location as a region key: "West Europe", "westeurope" and "WestEurope" are one region. */
export function regionOf(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}

/** The pool's sites: its placements, or one Regular site in azure.location. */
export function sitesOf(spec: Pick<PoolSpec, 'azure' | 'placements'>): Site[] {
  const placements = spec.placements ?? [
    { location: spec.azure.location ?? '', priority: 'Regular' as const },
  ];
  return placements.map((p, index) => {
    const region = regionOf(p.location);
    const spot = p.priority === 'Spot' ? '-spot' : '';
    const subnet = p.subnetId !== undefined ? `-${versionHash(p.subnetId).slice(0, 4)}` : '';
    return {
      key: `${region}${spot}${subnet}`,
      index,
      location: p.location,
      region,
      zones: p.zones ?? [],
      priority: p.priority,
      ...(p.maxGroups !== undefined ? { maxGroups: p.maxGroups } : {}),
      ...(p.subnetId !== undefined ? { subnetId: p.subnetId } : {}),
    };
  });
}

/**
 * The site a group runs in: the one its surge-site tag names; for a group created before sites
 * (no tag), the first site in its region with its priority; undefined when none matches (a site
 * removed from the spec).
 */
export function siteOfGroup(
  sites: readonly Site[],
  group: { readonly tag?: string; readonly location?: string; readonly priority?: 'Spot' },
): Site | undefined {
  if (group.tag !== undefined) return sites.find((s) => s.key === group.tag);
  if (group.location === undefined) return sites.length === 1 ? sites[0] : undefined;
  const region = regionOf(group.location);
  const priority = group.priority ?? 'Regular';
  return sites.find((s) => s.region === region && s.priority === priority);
}

/** A quota line as a budget: what is in use (drawn down as creates are placed) and the limit. */
export interface BudgetLine {
  current: number;
  readonly limit: number;
}

/** Free quota of a region: one budget per line. */
export interface RegionBudget {
  groups?: BudgetLine;
  cores?: BudgetLine;
  spotCores?: BudgetLine;
}

/** A region's budget from its usage (a line the region does not report sets no cap). */
export function budgetOf(usage: RegionUsage): RegionBudget {
  return {
    ...(usage.containerGroups ? { groups: { ...usage.containerGroups } } : {}),
    ...(usage.cores ? { cores: { ...usage.cores } } : {}),
    ...(usage.spotCores ? { spotCores: { ...usage.spotCores } } : {}),
  };
}

/** What placing creates looks at. */
export interface PlacementInput {
  readonly sites: readonly Site[];
  readonly strategy: 'fill' | 'spread';
  /** Live groups of the pool per site key, and per zone within each. */
  readonly live: ReadonlyMap<string, { count: number; zones: Readonly<Record<string, number>> }>;
  /** Quota budgets per region (absent: unknown, no cap). */
  readonly budgets: ReadonlyMap<string, RegionBudget>;
  /** Sites that take no creates now, with why (full, unavailable). */
  readonly closed: ReadonlyMap<string, string>;
  /**
   * Sites open again after capacity failures, with why: each takes one create per decision (a
   * probe) until a group starts there, so a region still out of capacity refuses one create, not
   * a wave. Example: 12 creates, westeurope probing, fill → 1 in westeurope, 11 in northeurope.
   */
  readonly probing: ReadonlyMap<string, string>;
  /** Cores of one group of the pool. */
  readonly groupCores: number;
}

/** Creates placed, in order, and why the rest could not be (when some could not). */
export interface Placed {
  readonly choices: readonly SiteChoice[];
  readonly held?: string;
}

/**
 * Places `count` creates (see the module comment). Budgets and counts are drawn down as creates
 * are placed, so one decision never plans more than the quota holds. Example: fill over
 * westeurope (StandardCores 100/96 used) and northeurope, 4 creates of 2-core groups → 2 in
 * westeurope, 2 in northeurope.
 */
export function placeCreates(input: PlacementInput, count: number): Placed {
  const live = new Map(
    [...input.live].map(([k, v]) => [k, { count: v.count, zones: { ...v.zones } }]),
  );
  const budgets = new Map([...input.budgets].map(([k, v]) => [k, copyBudget(v)]));
  const choices: SiteChoice[] = [];
  while (choices.length < count) {
    const open = input.sites.filter((s) => hasRoom(input, s, live, budgets, choices) === undefined);
    const site = pickSite(input.strategy, open, live);
    if (site === undefined) {
      return { choices, held: heldReason(input, live, budgets, choices) };
    }
    const here = live.get(site.key) ?? { count: 0, zones: {} };
    const zone = pickZone(site, here.zones);
    here.count += 1;
    if (zone !== undefined) here.zones[zone] = (here.zones[zone] ?? 0) + 1;
    live.set(site.key, here);
    draw(budgets.get(site.region), site, input.groupCores);
    choices.push({
      site: site.key,
      location: site.location,
      priority: site.priority,
      ...(zone !== undefined ? { zone } : {}),
      ...(site.subnetId !== undefined ? { subnetId: site.subnetId } : {}),
    });
  }
  return { choices };
}

/** Why a site takes no create now, or undefined when it has room. */
function hasRoom(
  input: PlacementInput,
  site: Site,
  live: ReadonlyMap<string, { count: number }>,
  budgets: ReadonlyMap<string, RegionBudget>,
  placed: readonly SiteChoice[],
): string | undefined {
  const closed = input.closed.get(site.key);
  if (closed !== undefined) return closed;
  const probing = input.probing.get(site.key);
  if (probing !== undefined && placed.some((c) => c.site === site.key)) return probing;
  const count = live.get(site.key)?.count ?? 0;
  if (site.maxGroups !== undefined && count >= site.maxGroups) {
    return `${site.key} at its maxGroups ${site.maxGroups}`;
  }
  const budget = budgets.get(site.region);
  if (budget === undefined) return undefined;
  const groups = budget.groups;
  if (groups && groups.current + 1 > groups.limit) return capped('ContainerGroups', groups, site);
  const line = site.priority === 'Spot' ? budget.spotCores : budget.cores;
  const name = site.priority === 'Spot' ? 'StandardSpotCores' : 'StandardCores';
  if (line && line.current + input.groupCores > line.limit) return capped(name, line, site);
  return undefined;
}

function capped(line: string, usage: BudgetLine, site: Site): string {
  return `capped by quota ${line} ${round(usage.current)}/${usage.limit} in ${site.region}`;
}

/** fill: the first site with room; spread: the one with the fewest groups (ties: the first). */
function pickSite(
  strategy: 'fill' | 'spread',
  open: readonly Site[],
  live: ReadonlyMap<string, { count: number }>,
): Site | undefined {
  if (strategy === 'fill') return open[0];
  let best: Site | undefined;
  for (const s of open) {
    const n = live.get(s.key)?.count ?? 0;
    if (best === undefined || n < (live.get(best.key)?.count ?? 0)) best = s;
  }
  return best;
}

/** The zone with the fewest of the site's groups (ties: the first listed), or none. */
function pickZone(site: Site, zones: Readonly<Record<string, number>>): string | undefined {
  let best: string | undefined;
  for (const z of site.zones) {
    if (best === undefined || (zones[z] ?? 0) < (zones[best] ?? 0)) best = z;
  }
  return best;
}

function draw(budget: RegionBudget | undefined, site: Site, cores: number): void {
  if (budget === undefined) return;
  if (budget.groups) budget.groups.current += 1;
  const line = site.priority === 'Spot' ? budget.spotCores : budget.cores;
  if (line) line.current += cores;
}

function copyBudget(b: RegionBudget): RegionBudget {
  return {
    ...(b.groups ? { groups: { ...b.groups } } : {}),
    ...(b.cores ? { cores: { ...b.cores } } : {}),
    ...(b.spotCores ? { spotCores: { ...b.spotCores } } : {}),
  };
}

/** Why no site has room: each site's reason, in order of preference, once. */
function heldReason(
  input: PlacementInput,
  live: ReadonlyMap<string, { count: number }>,
  budgets: ReadonlyMap<string, RegionBudget>,
  placed: readonly SiteChoice[],
): string {
  const reasons = input.sites.map(
    (s) => hasRoom(input, s, live, budgets, placed) ?? `${s.key} open`,
  );
  return [...new Set(reasons)].join('; ');
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * How much a group's site wants it gone at scale-in, larger first: under fill, the least
 * preferred sites' groups (a site no longer in the spec first of all); under spread, the groups
 * of the site with the most groups now (ties: the least preferred site).
 */
export function siteScore(
  strategy: 'fill' | 'spread',
  site: Site | undefined,
  groupsInSite: number,
): number {
  if (site === undefined) return Number.POSITIVE_INFINITY;
  return strategy === 'fill' ? site.index : groupsInSite * 1000 + site.index;
}

/** The choice that puts a group in a site (and its first zone, if it has zones). */
export function choiceOf(site: Site): SiteChoice {
  const zone = site.zones[0];
  return {
    site: site.key,
    location: site.location,
    priority: site.priority,
    ...(zone !== undefined ? { zone } : {}),
    ...(site.subnetId !== undefined ? { subnetId: site.subnetId } : {}),
  };
}
