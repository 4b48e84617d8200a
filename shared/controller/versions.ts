import type { PoolSpec } from '../config/poolSpec';
import { isLive } from '../policy/groups';
import type { PoolVersion } from '../policy/version';
import { specVersion, versionHash } from '../policy/version';
import type { Look } from './fleet';
import type { RolloutScene, RolloutStep } from './rollout';
import { startRollout, stepRollout, takePush } from './rollout';
import type { Push } from './signal';
import type { PlanSlice, Retiring, VersionsSlice } from './state';

/**
 * Stage 3, versions: which version new groups get, and the rollout's next step. The stable
 * version is the spec's on first sight; after that an edit of the spec's images rolls out like a
 * registry push, pushes start (or supersede) rollouts, and the rollout in progress advances by
 * one step over the groups it concerns.
 */

/** What the versions stage decided. */
export interface VersionsOutcome {
  readonly versions: VersionsSlice;
  /** The stable version after this look: what new groups get. */
  readonly stable: PoolVersion;
  /** Versions whose groups must go: superseded, rolled back or bad (never the stable one). */
  readonly doomed: ReadonlySet<string>;
  /** The rollout's step (creates, probes, groups to retire, a rollback). */
  readonly step: Omit<RolloutStep, 'versions' | 'note'>;
  /** Groups retiring after this step: those already retiring, then those the rollout retires now. */
  readonly retiring: readonly Retiring[];
  /** One line per thing that happened, for the decision's reason. */
  readonly notes: readonly string[];
}

/** Adopts spec edits, takes the waiting pushes in and steps the rollout. */
export function advanceVersions(
  versions: VersionsSlice,
  look: Look,
  input: { readonly pushes: readonly Push[]; readonly plan: PlanSlice },
): VersionsOutcome {
  const { spec, now } = look;
  const adopted = adoptSpecVersion(versions, spec, now);
  const notes = adopted.note ? [adopted.note] : [];
  const abandoned = adopted.abandoned ? [adopted.abandoned] : [];
  let next: VersionsSlice = adopted.versions;
  for (const push of input.pushes) {
    const taken = takePush(next, spec, push, now);
    next = taken.versions;
    notes.push(taken.note);
    if (taken.abandoned) abandoned.push(taken.abandoned);
  }
  const stable = adopted.stable;
  const bad = next.badVersions.map((b) => b.id);
  const doomed = new Set([...abandoned, ...bad].filter((id) => id !== stable.id));
  const {
    versions: stepped,
    note,
    ...step
  } = stepRollout(next, sceneOf(next, look, input.plan, doomed));
  const rolledBack = step.rollback?.version;
  if (rolledBack !== undefined && rolledBack !== stable.id) doomed.add(rolledBack);
  const retired = step.retire.map((g) => ({ name: g.name, until: now + look.retireMs }));
  return {
    versions: stepped,
    stable: stepped.version ?? stable,
    doomed,
    step,
    retiring: [...input.plan.retiring, ...retired],
    notes: note ? [...notes, note] : notes,
  };
}

/** The groups the rollout concerns: the target's, and the others that set how many it needs. */
function sceneOf(
  versions: VersionsSlice,
  { spec, view, now }: Look,
  plan: PlanSlice,
  doomed: ReadonlySet<string>,
): RolloutScene {
  const targetId = versions.rollout?.target.id;
  const retiring = new Set(plan.retiring.map((r) => r.name));
  const others = view.groups.filter(
    (g) =>
      isLive(g) && g.versionId !== targetId && !retiring.has(g.name) && !doomed.has(g.versionId),
  );
  const targets = view.groups.filter((g) => g.phase !== 'deleting' && g.versionId === targetId);
  return { spec, others, targets, profile: view.profile, probes: plan.probes, now };
}

/**
 * The stable version on first sight of the pool is the spec's. After that the controller's own
 * version wins (a rollout pins a digest the spec never names), but an edit of the spec's images
 * rolls out like a push.
 */
function adoptSpecVersion(
  versions: VersionsSlice,
  spec: PoolSpec,
  now: number,
): { versions: VersionsSlice; stable: PoolVersion; note?: string; abandoned?: string } {
  const fromSpec = specVersion(spec);
  const stable = versions.version;
  if (stable === undefined) {
    return {
      versions: { ...versions, version: fromSpec, specVersion: fromSpec },
      stable: fromSpec,
    };
  }
  if (versions.specVersion === undefined) {
    return { versions: { ...versions, specVersion: fromSpec }, stable };
  }
  if (sameImages(versions.specVersion, fromSpec)) return { versions, stable };
  // Only a sidecar changed: the primary's digest/tag is the same, so tell the versions apart.
  const id =
    fromSpec.id === stable.id && !sameImages(fromSpec, stable)
      ? `${fromSpec.id}~${versionHash(JSON.stringify(fromSpec.images))}`
      : fromSpec.id;
  const target = { ...fromSpec, id };
  const seen = { ...versions, specVersion: fromSpec };
  if (sameImages(target, stable)) return { versions: seen, stable };
  const previous = versions.rollout;
  return {
    versions: { ...seen, rollout: startRollout(target, stable, `spec:${id}`, spec, now) },
    stable,
    note: `the pool spec's images changed: rolling out ${id}`,
    ...(previous ? { abandoned: previous.target.id } : {}),
  };
}

function sameImages(a: PoolVersion, b: PoolVersion): boolean {
  const keys = Object.keys(a.images);
  return (
    keys.length === Object.keys(b.images).length && keys.every((k) => a.images[k] === b.images[k])
  );
}
