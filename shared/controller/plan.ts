import type { AzureFailure } from '../azure/errors';
import type { PoolSpec } from '../config/poolSpec';
import type { PoolGroup } from '../policy/groups';
import type { SiteChoice } from '../policy/placement';
import { sitesOf } from '../policy/placement';
import { isLive } from '../policy/groups';
import type { PoolVersion } from '../policy/version';
import { freeNames } from '../policy/version';
import type {
  CreateGroupInput,
  DeleteGroupInput,
  ProbeGroupInput,
  ProbeResult,
  RemoveEndpointInput,
  SetEndpointInput,
  WriteResult,
} from './activities';
import { planEndpoints } from './endpoints';
import type { FleetView, Look } from './fleet';
import { REMOVED_SITE, refusedCreate, sitesOfLive, versionsOf } from './fleet';
import { withError, withRefusedCreate } from './log';
import { targetShare } from './rollout';
import type { ScaleOutcome } from './scale';
import type { PlacementOutcome } from './placement';
import { coresOf, refusedIn } from './placement';
import type { GroupCounts, LookedState, PlanSlice } from './state';
import type { VersionsOutcome } from './versions';

/**
 * Stage 6, plan: the writes that take the pool from what the look saw to what the stages above
 * decided — deletes first (they free quota for the creates), then creates, HTTP probes and
 * Traffic Manager endpoint changes — and what they leave to follow up: groups retiring (traffic
 * off, deleted once DNS has moved on), probe answers, and the counts as planned.
 */

/** A write the controller asks an activity to make. */
export type ControllerAction =
  | { readonly kind: 'create'; readonly input: CreateGroupInput }
  | { readonly kind: 'delete'; readonly input: DeleteGroupInput }
  | { readonly kind: 'setEndpoint'; readonly input: SetEndpointInput }
  | { readonly kind: 'removeEndpoint'; readonly input: RemoveEndpointInput }
  | { readonly kind: 'probe'; readonly input: ProbeGroupInput };

/** What the plan stage reads besides the look. */
export interface PlanInput {
  readonly versions: VersionsOutcome;
  readonly scale: ScaleOutcome;
  readonly placement: PlacementOutcome;
}

/** The writes, and the slice they leave. */
export interface Planned {
  readonly plan: PlanSlice;
  readonly actions: readonly ControllerAction[];
  readonly creates: number;
  readonly deletes: number;
}

/** Plans the writes (see the module comment). */
export function planWrites(plan: PlanSlice, look: Look, input: PlanInput): Planned {
  const { spec, view, now } = look;
  const { versions, scale } = input;
  const deletes = plannedDeletes(look, versions);
  const present = new Set(view.groups.map((g) => g.name));
  const retiring = versions.retiring.filter((r) => present.has(r.name) && !deletes.has(r.name));
  for (const r of retiring) if (r.until <= now) deletes.add(r.name, 'retired: traffic drained');
  const stillRetiring = retiring.filter((r) => !deletes.has(r.name));
  const probes = Object.entries(plan.probes).filter(([n]) => present.has(n) && !deletes.has(n));
  // Behind Traffic Manager a victim's traffic goes off first; it is deleted once DNS moved on.
  const victimsRetire = spec.trafficManager
    ? scale.victims.map((v) => ({ name: v.name, until: now + look.retireMs }))
    : [];
  if (!spec.trafficManager) for (const v of scale.victims) deletes.add(v.name, 'scale-in');
  const deleted = new Set(deletes.list.map((d) => d.name));
  const creates = plannedCreates(look, input);
  return {
    plan: {
      counts: plannedCounts(view, deleted, creates),
      retiring: [...stillRetiring, ...victimsRetire],
      probes: Object.fromEntries(probes),
    },
    actions: [
      ...deletes.list.map((input): ControllerAction => ({ kind: 'delete', input })),
      ...creates,
      ...probesOf(spec, versions),
      ...endpointWrites(look, input, deleted),
    ],
    creates: creates.length,
    deletes: deletes.list.length,
  };
}

/** Deletes in the order they are planned, each group at most once, with the quota each frees. */
class Deletes {
  readonly list: DeleteGroupInput[] = [];
  readonly #names = new Set<string>();
  readonly #frees: (name: string) => DeleteGroupInput['frees'];
  constructor(
    private readonly pool: string,
    look: Look,
  ) {
    this.#frees = quotaFreed(look);
  }
  add(name: string, reason: string): void {
    if (this.#names.has(name)) return;
    this.#names.add(name);
    const frees = this.#frees(name);
    this.list.push({ pool: this.pool, name, reason, ...(frees ? { frees } : {}) });
  }
  has(name: string): boolean {
    return this.#names.has(name);
  }
}

/**
 * The quota a group's delete frees, by name: one container group in its site's region, and its
 * cores unless it failed (a failed or evicted group no longer holds any). Undefined for a group
 * whose site is unknown (foreign, or of a site removed from the spec).
 */
function quotaFreed({ spec, view }: Look): (name: string) => DeleteGroupInput['frees'] {
  const sites = new Map(sitesOf(spec).map((s) => [s.key, s]));
  const groups = new Map(view.groups.map((g) => [g.name, g]));
  return (name) => {
    const g = groups.get(name);
    const site = g?.site === undefined ? undefined : sites.get(g.site);
    if (g === undefined || site === undefined) return undefined;
    const cores = g.phase === 'failed' ? 0 : coresOf(spec);
    return { location: site.location, cores, spot: site.priority === 'Spot' };
  };
}

/** Deletes that do not wait for anything: foreign groups, failed ones, doomed versions. */
function plannedDeletes(look: Look, versions: VersionsOutcome): Deletes {
  const { spec, view } = look;
  const deletes = new Deletes(spec.name, look);
  for (const f of view.foreign) deletes.add(f.name, `foreign: ${f.reason}`);
  for (const g of view.groups) {
    if (g.phase === 'failed') deletes.add(g.name, `failed: ${g.reason ?? 'unknown'}`);
  }
  const rollback = versions.step.rollback;
  for (const g of view.groups) {
    if (g.phase === 'deleting' || !versions.doomed.has(g.versionId)) continue;
    const why =
      rollback?.version === g.versionId
        ? `rollback: ${rollback.reason}`
        : `abandoned version ${g.versionId}`;
    deletes.add(g.name, why);
  }
  return deletes;
}

/** Creates where the placement stage put them: the stable version's, then the rollout's. */
function plannedCreates(
  { spec, view, now }: Look,
  { versions, placement }: PlanInput,
): ControllerAction[] {
  const createdAt = new Date(now).toISOString();
  const create = (version: PoolVersion, sites: readonly SiteChoice[]): ControllerAction[] =>
    freeNames(spec.name, version.id, view.listed, sites.length).map((name, i) => ({
      kind: 'create',
      input: { pool: spec.name, name, version, createdAt, site: sites[i] as SiteChoice },
    }));
  const rollout = versions.versions.rollout;
  const rolloutCreates = rollout ? create(rollout.target, placement.rollout) : [];
  return [...create(versions.stable, placement.stable), ...rolloutCreates];
}

/** HTTP probes of the rollout's running targets that have an address. */
function probesOf(spec: PoolSpec, versions: VersionsOutcome): ControllerAction[] {
  return versions.step.probe.flatMap((g): ControllerAction[] =>
    g.fqdn ? [{ kind: 'probe', input: { pool: spec.name, name: g.name, fqdn: g.fqdn } }] : [],
  );
}

/** Endpoint writes that make the Traffic Manager profile match the pool, when it has one. */
function endpointWrites(
  { spec, view }: Look,
  { versions, scale }: PlanInput,
  deleted: ReadonlySet<string>,
): ControllerAction[] {
  if (!view.profile) return [];
  // Retiring groups, those the rollout retires now and scale-in victims have their traffic off.
  const retiring = new Set(versions.retiring.map((r) => r.name));
  if (spec.trafficManager) for (const v of scale.victims) retiring.add(v.name);
  const rollout = versions.versions.rollout;
  const plan = planEndpoints({
    pool: spec.name,
    profile: view.profile,
    groups: view.groups,
    deleting: deleted,
    retiring,
    ...(rollout
      ? { target: { id: rollout.target.id, percent: targetShare(versions.versions, spec) } }
      : {}),
  });
  return [
    ...plan.set.map((input): ControllerAction => ({ kind: 'setEndpoint', input })),
    ...plan.remove.map((input): ControllerAction => ({ kind: 'removeEndpoint', input })),
  ];
}

/**
 * The groups as planned: the writes are sent next, and the status (and the next wake-up, which
 * polls sooner while groups are pending) should reflect them; a refused create is taken back.
 */
function plannedCounts(
  view: FleetView,
  deleted: ReadonlySet<string>,
  creates: readonly ControllerAction[],
): GroupCounts {
  const survivors = view.groups.filter((g: PoolGroup) => isLive(g) && !deleted.has(g.name));
  const running = survivors.filter((g) => g.phase === 'running').length;
  const byVersion = versionsOf(survivors);
  const bySite = sitesOfLive(survivors);
  for (const c of creates) {
    if (c.kind !== 'create') continue;
    byVersion[c.input.version.id] = (byVersion[c.input.version.id] ?? 0) + 1;
    const site = c.input.site?.site ?? REMOVED_SITE;
    bySite[site] = (bySite[site] ?? 0) + 1;
  }
  return {
    running,
    pending: survivors.length - running + creates.length,
    failed: 0,
    deleting: view.counts.deleting + deleted.size,
    foreign: 0,
    byVersion,
    bySite,
  };
}

/** A paused pool's plan slice: nothing written, the groups as seen. */
export function holdPlan(plan: PlanSlice, view: FleetView): PlanSlice {
  return { ...plan, counts: view.counts };
}

/**
 * Folds the results of a wave into the state: probe answers are kept for the health check;
 * failed writes are shown in the status, and a refused create is taken back out of the planned
 * counts and closes its site (a quota or capacity refusal: another site may take the create at
 * once) or backs the pool's creates off (any other refusal).
 */
export function recordResults(
  state: LookedState,
  actions: readonly ControllerAction[],
  results: readonly (WriteResult | ProbeResult)[],
  now: number,
): LookedState {
  let next = state;
  actions.forEach((action, i) => {
    const result = results[i];
    if (result === undefined) return;
    if (action.kind === 'probe') {
      if (!('detail' in result)) return;
      const { ok, detail } = result;
      const probes = { ...next.plan.probes, [action.input.name]: { ok, at: now, detail } };
      next = { ...next, plan: { ...next.plan, probes } };
      return;
    }
    // Only a refused write carries a failure (probes answer with a detail instead).
    if (!('failure' in result)) return;
    const during = `${action.kind} ${action.input.name}`;
    next = { ...next, log: withError(next.log, { at: now, during, ...result.failure }) };
    if (action.kind === 'create') {
      next = { ...next, log: withRefusedCreate(next.log, result.failure.kind) };
      next = afterRefusedCreate(next, action.input, result.failure, now);
    }
  });
  return next;
}

/** The state after ARM refused a create (see recordResults). */
function afterRefusedCreate(
  state: LookedState,
  input: CreateGroupInput,
  failure: AzureFailure,
  now: number,
): LookedState {
  const site = input.site?.site;
  const { kind, message } = failure;
  const plan = { ...state.plan, counts: withoutCreate(state.plan.counts, input) };
  if (site !== undefined && (kind === 'quota' || kind === 'capacity')) {
    const spec = state.fleet.spec;
    return {
      ...state,
      placement: refusedIn(state.placement, site, { kind, message }, spec, now),
      plan,
    };
  }
  return { ...state, fleet: refusedCreate(state.fleet, now), plan };
}

/** Takes a create that ARM refused back out of the planned counts. */
function withoutCreate(
  counts: GroupCounts | undefined,
  input: CreateGroupInput,
): GroupCounts | undefined {
  if (!counts) return counts;
  return {
    ...counts,
    pending: Math.max(0, counts.pending - 1),
    byVersion: minusOne(counts.byVersion, input.version.id),
    bySite: minusOne(counts.bySite, input.site?.site ?? REMOVED_SITE),
  };
}

/** The counts with one less under `key` (and without the key once none is left). */
function minusOne(
  counts: Readonly<Record<string, number>>,
  key: string,
): Readonly<Record<string, number>> {
  const left = (counts[key] ?? 1) - 1;
  const { [key]: _gone, ...others } = counts;
  return left > 0 ? { ...others, [key]: left } : others;
}
