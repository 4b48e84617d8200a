import type { RegionUsage } from '../azure/ports';
import type { PoolSpec } from '../config/poolSpec';
import { closeSite, holdsCreates, noBackoff } from '../policy/backoff';
import type { PoolGroup } from '../policy/groups';
import { isLive } from '../policy/groups';
import type { RegionBudget, Site, SiteChoice } from '../policy/placement';
import { budgetOf, placeCreates, sitesOf } from '../policy/placement';
import type { QuotaRead } from '../watch/usage';
import type { Look, SiteLesson } from './fleet';
import type { PlacementSlice, SiteHealth } from './state';
import type { ScaleOutcome } from './scale';
import type { VersionsOutcome } from './versions';

/**
 * Stage 5, placement: which site each create goes to (shared/policy/placement.ts decides), and
 * what the controller knows of each site's health. A quota refusal marks a site full until a
 * usage read sent after it shows room; a capacity refusal or a group failed for capacity closes
 * the site at once for a backoff that doubles (30 s, 60 s …), and the next site takes the creates
 * at once; when the backoff ends the site takes one create per decision (a probe) until a group
 * starts there, which resets its count (see afterLesson). An evicted Spot group is replaced in its
 * site (one eviction is Spot's nature), but an eviction within maxFailureBackoffSeconds of the
 * last closes the site the same way. A refused create is not sent again blindly: while no site
 * has room, no create is sent at all.
 */

/** What the placement stage decided. */
export interface PlacementOutcome {
  readonly placement: PlacementSlice;
  /** Sites of the stable version's creates, then of the rollout's. */
  readonly stable: readonly SiteChoice[];
  readonly rollout: readonly SiteChoice[];
  /** Why fewer creates were placed than asked for. */
  readonly held?: string;
}

/** Places the stable creates the scale stage asks for, then the rollout's (see module comment). */
export function placeGroups(
  slice: PlacementSlice,
  look: Look,
  input: { readonly scale: ScaleOutcome; readonly versions: VersionsOutcome },
): PlacementOutcome {
  const { spec, view, now } = look;
  const { scale, versions } = input;
  const sites = sitesOf(spec);
  const placement = learnSites(slice, look);
  const rolloutCount =
    versions.versions.rollout && versions.step.creates > 0 && !scale.backedOff
      ? versions.step.creates
      : 0;
  const count = scale.creates + rolloutCount;
  if (count === 0) return { placement, stable: [], rollout: [] };
  const placed = placeCreates(
    {
      sites,
      strategy: spec.placementStrategy,
      live: liveBySite(view.groups),
      budgets: budgetsOf(view.quota),
      ...siteGates(sites, placement.sites, now),
      groupCores: coresOf(spec),
    },
    count,
  );
  const stable = placed.choices.slice(0, scale.creates);
  const rollout = placed.choices.slice(scale.creates);
  const held = placed.held && `${placed.choices.length} of ${count} creates placed: ${placed.held}`;
  return { placement, stable, rollout, ...(held ? { held } : {}) };
}

/** The slice after a look (see healthAfterLook). */
export function learnSites(slice: PlacementSlice, look: Look): PlacementSlice {
  return { sites: healthAfterLook(slice, sitesOf(look.spec), look) };
}

/**
 * The sites' health after a look: what the groups taught (see the module comment), and a full
 * site open again once its region shows room in a usage read sent after the refusal — or, when
 * no such read came (usage unreadable), after maxFailureBackoffSeconds, to try again.
 */
function healthAfterLook(
  slice: PlacementSlice,
  sites: readonly Site[],
  { spec, view, now }: Look,
): Record<string, SiteHealth> {
  const health: Record<string, SiteHealth> = { ...slice.sites };
  for (const lesson of view.siteLessons) {
    const h = health[lesson.site] ?? { backoff: noBackoff };
    health[lesson.site] = afterLesson(h, lesson, spec, now);
  }
  for (const site of sites) {
    const h = health[site.key];
    if (h?.full && reopens(h.full.since, view.quota[site.region], site, spec, now)) {
      const { full: _full, ...rest } = h;
      health[site.key] = rest;
    }
  }
  return health;
}

/**
 * A site's health after one lesson. A start resets the backoff, unless the site evicted a group
 * within maxFailureBackoffSeconds (a Spot site that keeps evicting stays suspect however fast
 * its replacements start). A capacity failure closes the site; an eviction closes it only when
 * it repeats within that window. Example (defaults): evictions at 10:00 and 10:04 → closed
 * 10:04–10:04:30; another at 10:06 → closed until 10:07.
 */
function afterLesson(h: SiteHealth, lesson: SiteLesson, spec: PoolSpec, now: number): SiteHealth {
  const windowMs = spec.controller.maxFailureBackoffSeconds * 1000;
  const recentEviction = h.lastEviction !== undefined && now - h.lastEviction < windowMs;
  if (lesson.kind === 'started') return recentEviction ? h : { ...h, backoff: noBackoff };
  const closes = lesson.kind === 'capacity' || recentEviction;
  return {
    ...h,
    backoff: closes ? closeSite(h.backoff, spec.controller, now) : h.backoff,
    last: lesson.reason,
    ...(lesson.kind === 'evicted' ? { lastEviction: now } : {}),
  };
}

/** True when a site full since `since` may take creates again (see healthAfterLook). */
function reopens(
  since: number,
  read: QuotaRead | undefined,
  site: Site,
  spec: PoolSpec,
  now: number,
): boolean {
  if (read !== undefined && read.at > since) return hasRoomFor(read.usage, site, spec);
  return now - since >= spec.controller.maxFailureBackoffSeconds * 1000;
}

function hasRoomFor(usage: RegionUsage, site: Site, spec: PoolSpec): boolean {
  const groups = usage.containerGroups;
  const cores = site.priority === 'Spot' ? usage.spotCores : usage.cores;
  return (
    (groups === undefined || groups.current + 1 <= groups.limit) &&
    (cores === undefined || cores.current + coresOf(spec) <= cores.limit)
  );
}

/**
 * What each site's health lets through now, with why: `closed` sites take no create (full after a
 * quota refusal, or unavailable while a capacity backoff runs); `probing` sites, whose backoff is
 * over but whose last group has not started since, take one create per decision (see
 * PlacementInput.probing).
 */
function siteGates(
  sites: readonly Site[],
  health: Readonly<Record<string, SiteHealth>>,
  now: number,
): { closed: Map<string, string>; probing: Map<string, string> } {
  const closed = new Map<string, string>();
  const probing = new Map<string, string>();
  for (const site of sites) {
    const h = health[site.key];
    if (h === undefined) continue;
    const failures = `${h.backoff.failures} capacity failure(s)`;
    if (h.full) {
      closed.set(site.key, `${site.key} full (quota ${h.full.line} refused a create)`);
    } else if (holdsCreates(h.backoff, now)) {
      const until = new Date(h.backoff.until).toISOString();
      closed.set(site.key, `${site.key} unavailable until ${until} after ${failures}`);
    } else if (h.backoff.failures > 0) {
      probing.set(site.key, `${site.key} probing with one create after ${failures}`);
    }
  }
  return { closed, probing };
}

/** Live groups per site, and per zone within it. */
function liveBySite(
  groups: readonly PoolGroup[],
): Map<string, { count: number; zones: Record<string, number> }> {
  const live = new Map<string, { count: number; zones: Record<string, number> }>();
  for (const g of groups) {
    if (!isLive(g) || g.site === undefined) continue;
    const here = live.get(g.site) ?? { count: 0, zones: {} };
    here.count += 1;
    if (g.zone !== undefined) here.zones[g.zone] = (here.zones[g.zone] ?? 0) + 1;
    live.set(g.site, here);
  }
  return live;
}

function budgetsOf(quota: Readonly<Record<string, QuotaRead>>): Map<string, RegionBudget> {
  return new Map(Object.entries(quota).map(([region, q]) => [region, budgetOf(q.usage)]));
}

/** Cores of one group of the pool: the sum over its containers. */
export function coresOf(spec: Pick<PoolSpec, 'group'>): number {
  return spec.group.containers.reduce((n, c) => n + c.cpu, 0);
}

/**
 * The slice after ARM refused a create in a site: for a quota, the site is full (the line named
 * in Azure's message, e.g. StandardCores); for capacity, it backs off.
 */
export function refusedIn(
  slice: PlacementSlice,
  site: string,
  refusal: { readonly kind: 'quota' | 'capacity'; readonly message: string },
  spec: Pick<PoolSpec, 'controller'>,
  now: number,
): PlacementSlice {
  const h = slice.sites[site] ?? { backoff: noBackoff };
  const next: SiteHealth =
    refusal.kind === 'quota'
      ? { ...h, full: { since: now, line: quotaLine(refusal.message) }, last: refusal.message }
      : { ...h, backoff: closeSite(h.backoff, spec.controller, now), last: refusal.message };
  return { sites: { ...slice.sites, [site]: next } };
}

/** The quota line an ACI refusal names ("… quota 'StandardCores' exceeded …"), or "quota". */
function quotaLine(message: string): string {
  return /quota '([^']+)'/i.exec(message)?.[1] ?? 'quota';
}
