import type { PoolSpec } from '../config/poolSpec';
import type { PoolGroup } from '../policy/groups';
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
import { refusedCreate, versionsOf } from './fleet';
import { withError } from './log';
import { targetShare } from './rollout';
import type { ScaleOutcome } from './scale';
import type { GroupCounts, LookedState, PlanSlice } from './state';
import type { VersionsOutcome } from './versions';

/**
 * Stage 5, plan: the writes that take the pool from what the look saw to what the stages above
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

/** Deletes in the order they are planned, each group at most once. */
class Deletes {
  readonly list: DeleteGroupInput[] = [];
  readonly #names = new Set<string>();
  constructor(private readonly pool: string) {}
  add(name: string, reason: string): void {
    if (this.#names.has(name)) return;
    this.#names.add(name);
    this.list.push({ pool: this.pool, name, reason });
  }
  has(name: string): boolean {
    return this.#names.has(name);
  }
}

/** Deletes that do not wait for anything: foreign groups, failed ones, doomed versions. */
function plannedDeletes({ spec, view }: Look, versions: VersionsOutcome): Deletes {
  const deletes = new Deletes(spec.name);
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

/** Creates: the stable version's, then the rollout's (both held by a failure backoff). */
function plannedCreates(
  { spec, view, now }: Look,
  { versions, scale }: PlanInput,
): ControllerAction[] {
  const createdAt = new Date(now).toISOString();
  const create = (version: PoolVersion, count: number): ControllerAction[] =>
    freeNames(spec.name, version.id, view.listed, count).map((name) => ({
      kind: 'create',
      input: { pool: spec.name, name, version, createdAt },
    }));
  const rollout = versions.versions.rollout;
  const rolloutCreates =
    rollout && versions.step.creates > 0 && !scale.backedOff
      ? create(rollout.target, versions.step.creates)
      : [];
  return [...create(versions.stable, scale.creates), ...rolloutCreates];
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
  for (const c of creates) {
    if (c.kind === 'create')
      byVersion[c.input.version.id] = (byVersion[c.input.version.id] ?? 0) + 1;
  }
  return {
    running,
    pending: survivors.length - running + creates.length,
    failed: 0,
    deleting: view.counts.deleting + deleted.size,
    foreign: 0,
    byVersion,
  };
}

/** A paused pool's plan slice: nothing written, the groups as seen. */
export function holdPlan(plan: PlanSlice, view: FleetView): PlanSlice {
  return { ...plan, counts: view.counts };
}

/**
 * Folds the results of a wave into the state: probe answers are kept for the health check;
 * failed writes are shown in the status, and a refused create backs creates off and is taken
 * back out of the planned counts.
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
      next = {
        ...next,
        fleet: refusedCreate(next.fleet, now),
        plan: { ...next.plan, counts: withoutCreate(next.plan.counts, action.input.version.id) },
      };
    }
  });
  return next;
}

/** Takes a create that ARM refused back out of the planned counts. */
function withoutCreate(counts: GroupCounts | undefined, version: string): GroupCounts | undefined {
  if (!counts) return counts;
  const left = (counts.byVersion[version] ?? 1) - 1;
  const { [version]: _refused, ...others } = counts.byVersion;
  return {
    ...counts,
    pending: Math.max(0, counts.pending - 1),
    byVersion: left > 0 ? { ...others, [version]: left } : others,
  };
}
