import type { HpaRules, KedaScaling } from '../config/poolSpec';

/**
 * The `keda` scaling policy: the numbers KEDA's Azure Service Bus scaler and the Kubernetes
 * HorizontalPodAutoscaler (HPA) would produce for the same queue, so that users moving from KEDA
 * see the same group counts. One decision runs, in order (see docs/policy-keda.md):
 *
 * 1. KEDA activation — the pool is active while ActiveMessageCount > activationMessages.
 *    At 0 groups the HPA is switched off; KEDA jumps to max(minGroups, 1) when active.
 * 2. KEDA cooldown — inactive for cooldownSeconds (or never active) with minGroups 0: to zero.
 * 3. HPA metric — AverageValue external metric: ceil(active / messagesPerGroup), unless
 *    active / (messagesPerGroup × current) is within the tolerance of 1.
 * 4. HPA stabilization — current clamped between the lowest recommendation of the scale-up
 *    window and the highest of the scale-down window.
 * 5. HPA rate policies and bounds — at most the scale-up limit and maxGroups, at least the
 *    scale-down limit and max(minGroups, 1).
 *
 * Everything is a pure function of its input: time arrives as `now` (ms since epoch) and what
 * has to be remembered between decisions travels in `KedaMemory`, plain JSON data.
 *
 * Where floating point decides an integer (the Percent policies, the tolerance band) the code
 * uses the very IEEE-754 operations of the Go code, so the same inputs round the same way: a
 * 10 Percent scale-up of 50 groups is ceil(50 × 1.1) = ceil(55.00000000000001) = 56 in both.
 */

/** One unstabilized HPA recommendation and when it was made. */
export interface TimedRecommendation {
  /** When the recommendation was made (ms since epoch). */
  readonly at: number;
  /** The metric's recommendation, before stabilization, rate limits and bounds (groups). */
  readonly replicas: number;
}

/** One applied scale change, as the rate policies count it. */
export interface ScaleEvent {
  /** When the change was applied (ms since epoch). */
  readonly at: number;
  /** Groups added (> 0) or removed (< 0). */
  readonly delta: number;
}

/** What the KEDA policy remembers between decisions (plain JSON data; it survives the controller's continueAsNew). */
export interface KedaMemory {
  /** Unstabilized recommendations with their time (ms since epoch), oldest first; pruned to the longest stabilization window. */
  readonly recommendations: readonly TimedRecommendation[];
  /** Changes actually applied, for rate policies: delta > 0 added, < 0 removed; pruned to the longest policy period. */
  readonly scaleEvents: readonly ScaleEvent[];
  /** Last time the depth was above activationMessages, ms since epoch; undefined if never. */
  readonly lastActiveAt?: number;
}

/** A KEDA memory that has seen nothing yet: no recommendation, no scale event, never active. */
export const emptyKedaMemory: KedaMemory = Object.freeze({
  recommendations: Object.freeze([]),
  scaleEvents: Object.freeze([]),
});

/** What one KEDA decision is made from. */
export interface KedaInput {
  /** The pool's `scaling` block (mode keda), defaults filled in. */
  readonly spec: KedaScaling;
  /** Time of the decision (ms since epoch). */
  readonly now: number;
  /** Groups the pool counts now (live, not failed). */
  readonly current: number;
  /** The entity's ActiveMessageCount. */
  readonly active: number;
  /** The pool's minGroups. */
  readonly minGroups: number;
  /** The pool's maxGroups. */
  readonly maxGroups: number;
  /** What the previous decisions left behind. */
  readonly memory: KedaMemory;
}

/** The KEDA policy's answer. */
export interface KedaDecision {
  /** Groups the pool should have. */
  readonly desired: number;
  /** One sentence with the numbers behind it, shown to users in the pool status, e.g. "HPA: ceil(37 active / 5 per group) = 8, limited to 8 by scale-up policy (4 Pods per 15 s, 100 Percent per 15 s, select Max) from 4". */
  readonly reason: string;
  /** With this decision's recommendation recorded and lastActiveAt updated. */
  readonly memory: KedaMemory;
}

/** One rate policy of a direction (Pods or Percent per period). */
type HpaPolicy = HpaRules['policies'][number];

const MS_PER_SECOND = 1000;

/**
 * Kubernetes carries metric values as milli-units (int64), so 8.6 messages is 8600 and a target
 * of 4.4 is 4400. Dividing those integers gives the same double as Go: 21 messages at 0.7 per
 * group is 21000 / 700 = 30 exactly, where 21 / 0.7 is 30.000000000000004 and ceil would make it 31.
 */
function milli(value: number): number {
  return Math.round(value * 1000);
}

/** The metric's recommendation and, for the reason, the ratio that decided it. */
interface MetricRecommendation {
  readonly replicas: number;
  /** usage / (target × current); undefined at 0 groups, where there is no ratio. */
  readonly ratio?: number;
  readonly withinTolerance: boolean;
}

function metricRecommendation(
  current: number,
  usage: number,
  targetPerGroup: number,
  tolerance: number,
): MetricRecommendation {
  const usageMilli = milli(usage);
  // A target below half a milli-message would round to 0 and divide by zero; 1 milli is the floor.
  const targetMilli = Math.max(1, milli(targetPerGroup));
  // 37 active at 5 per group: ceil(37000 / 5000) = ceil(7.4) = 8 groups.
  const proposal = Math.ceil(usageMilli / targetMilli);
  if (current <= 0) return { replicas: proposal, withinTolerance: false };
  const ratio = usageMilli / (targetMilli * current);
  // Both ends are inside the band, as in k8s' Tolerances.isWithin: with tolerance 0.1, 10 groups
  // at 5 per group keep 10 for 45 (ratio 0.9) to 55 (ratio 1.1) messages; 56 asks for 12.
  const withinTolerance = 1 - tolerance <= ratio && ratio <= 1 + tolerance;
  return { replicas: withinTolerance ? current : proposal, ratio, withinTolerance };
}

/**
 * The HPA's recommendation for an AverageValue external metric (GetExternalPerPodMetricReplicas):
 * ratio = usage / (targetPerGroup × current); when |ratio − 1| ≤ tolerance the count stays at
 * `current`, else it is ceil(usage / targetPerGroup). At 0 groups there is no ratio and the answer
 * is ceil(usage / targetPerGroup). Values are compared as milli-units, like Kubernetes quantities.
 *
 * Examples: (1, 8.6, 4.4, 0.1) → ratio 1.95 → ceil(1.95) = 2; (3, 8.6, 2.15, 0.1) → ratio 1.33 →
 * ceil(4) = 4; (3, 8.6, 2.9, 0.1) → ratio 0.99, within tolerance → 3.
 */
export function hpaReplicas(
  current: number,
  usage: number,
  targetPerGroup: number,
  tolerance: number,
): number {
  return metricRecommendation(current, usage, targetPerGroup, tolerance).replicas;
}

/** The outcome of the stabilization step. */
export interface Stabilization {
  /** `current` clamped into [upRecommendation, downRecommendation]. */
  readonly replicas: number;
  /** Lowest recommendation in the scale-up window, this one included: scaling up goes no higher. */
  readonly upRecommendation: number;
  /** Highest recommendation in the scale-down window, this one included: scaling down goes no lower. */
  readonly downRecommendation: number;
}

/**
 * The HPA's stabilization (stabilizeRecommendationWithBehaviors). A recommendation counts for a
 * window when it is younger than the window (at > now − window; one exactly window-old is out),
 * and `recommendation` (made now) always counts. Scaling up is held to the lowest recommendation
 * of the scale-up window, scaling down to the highest of the scale-down window:
 * result = min(max(current, upRecommendation), downRecommendation).
 *
 * Example: current 20, recommendation 0, a recommendation of 12 made 100 s ago, scale-down window
 * 300 s → downRecommendation 12 → 12: the pool shrinks only as far as the last 5 minutes justify.
 *
 * @param history earlier recommendations (this one not included), any order
 */
export function stabilize(
  current: number,
  recommendation: number,
  history: readonly TimedRecommendation[],
  upWindowSeconds: number,
  downWindowSeconds: number,
  now: number,
): Stabilization {
  const upCutoff = now - upWindowSeconds * MS_PER_SECOND;
  const downCutoff = now - downWindowSeconds * MS_PER_SECOND;
  let upRecommendation = recommendation;
  let downRecommendation = recommendation;
  for (const r of history) {
    if (r.at > upCutoff) upRecommendation = Math.min(upRecommendation, r.replicas);
    if (r.at > downCutoff) downRecommendation = Math.max(downRecommendation, r.replicas);
  }
  const replicas = Math.min(Math.max(current, upRecommendation), downRecommendation);
  return { replicas, upRecommendation, downRecommendation };
}

/**
 * Groups at the start of a policy period (getReplicasChangePerPeriod): current minus what was
 * added plus what was removed by the changes younger than the period (at > now − period).
 * Example: 8 groups now, +4 applied 10 s ago, period 15 s → the period started at 4.
 */
export function periodStart(
  current: number,
  events: readonly ScaleEvent[],
  periodSeconds: number,
  now: number,
): number {
  const cutoff = now - periodSeconds * MS_PER_SECOND;
  let changed = 0;
  for (const e of events) if (e.at > cutoff) changed += e.delta;
  return current - changed;
}

/** What one policy allows, for the limit and for the reason. */
interface Proposal {
  readonly policy: HpaPolicy;
  readonly start: number;
  readonly proposed: number;
}

function proposeUp(start: number, policy: HpaPolicy): number {
  if (policy.type === 'Pods') return start + policy.value;
  // Rounded up so that a small percentage still adds a group: 10 % of 3 is ceil(3.3) = 4.
  return Math.ceil(start * (1 + policy.value / 100));
}

function proposeDown(start: number, policy: HpaPolicy): number {
  // A policy can remove at most every group; k8s lets the proposal go negative, which the
  // minimum (≥ 1) then overrides, so clamping at 0 changes no decision.
  if (policy.type === 'Pods') return Math.max(0, start - policy.value);
  // Rounded down so that a small percentage still removes a group: 10 % off 3 is floor(2.7) = 2.
  return Math.max(0, Math.floor(start * (1 - policy.value / 100)));
}

function proposals(
  current: number,
  events: readonly ScaleEvent[],
  rules: HpaRules,
  now: number,
  propose: (start: number, policy: HpaPolicy) => number,
): Proposal[] {
  return rules.policies.map((policy) => {
    const start = periodStart(current, events, policy.periodSeconds, now);
    return { policy, start, proposed: propose(start, policy) };
  });
}

/**
 * The most groups the scale-up policies allow now (calculateScaleUpLimitWithScalingRules).
 * Each policy proposes from its period start: Pods start + value, Percent
 * ceil(start × (1 + value/100)); select Max takes the largest proposal, Min the smallest,
 * Disabled allows no scale-up. Never below `current`: a used-up allowance holds, never shrinks.
 *
 * Example (defaults 4 Pods and 100 Percent per 15 s, Max): 10 groups, nothing added in the last
 * 15 s → max(10 + 4, ceil(10 × 2)) = 20; 1 group → max(5, 2) = 5.
 */
export function scaleUpLimit(
  current: number,
  events: readonly ScaleEvent[],
  rules: HpaRules,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const values = proposals(current, events, rules, now, proposeUp).map((p) => p.proposed);
  const selected = rules.selectPolicy === 'Min' ? Math.min(...values) : Math.max(...values);
  return Math.max(current, selected);
}

/**
 * The fewest groups the scale-down policies allow now (calculateScaleDownLimitWithBehaviors).
 * Each policy proposes from its period start: Pods start − value, Percent
 * floor(start × (1 − value/100)); select Max takes the largest change (the smallest count), Min
 * the smallest change (the largest count), Disabled allows no scale-down. Never above `current`.
 *
 * Example (2 Pods and 50 Percent per 60 s): 10 groups, nothing removed in the last 60 s →
 * Max: min(8, 5) = 5; Min: max(8, 5) = 8.
 */
export function scaleDownLimit(
  current: number,
  events: readonly ScaleEvent[],
  rules: HpaRules,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const values = proposals(current, events, rules, now, proposeDown).map((p) => p.proposed);
  const selected = rules.selectPolicy === 'Min' ? Math.max(...values) : Math.min(...values);
  return Math.min(current, selected);
}

/**
 * Records a scale change that was actually applied (from → to) at `now`, for the rate policies.
 *
 * Changes from or to zero are KEDA's (its activation jump and its scale to zero), not the HPA's,
 * and the HPA never counts them against its policies: after 0 → 1 the next decision may still
 * add max(1 + 4, 1 × 2) = 5 groups with the default policies, as it would under KEDA. They are
 * therefore not recorded. Events older than the longest policy period of either direction are
 * dropped: no policy can count them again.
 */
export function recordKedaScale(
  memory: KedaMemory,
  spec: KedaScaling,
  now: number,
  from: number,
  to: number,
): KedaMemory {
  const kept = pruneEvents(memory.scaleEvents, spec, now);
  const hpaChange = from !== to && from > 0 && to > 0;
  return {
    ...memory,
    scaleEvents: hpaChange ? [...kept, { at: now, delta: to - from }] : kept,
  };
}

/** Decide the desired group count. */
export function kedaDecide(input: KedaInput): KedaDecision {
  const { spec, now, current, active, minGroups, memory } = input;
  const isActive = active > spec.activationMessages;
  const lastActiveAt = isActive ? now : memory.lastActiveAt;
  // The HPA seeds its history with the current count the first time it sees a target
  // (recordInitialRecommendation), so a fresh start cannot scale down before the scale-down
  // window has seen real recommendations: 10 groups, empty queue, empty memory → stays 10.
  const history: readonly TimedRecommendation[] =
    memory.recommendations.length > 0 ? memory.recommendations : [{ at: now, replicas: current }];
  const remember = (recommendations: readonly TimedRecommendation[]): KedaMemory => {
    const next: KedaMemory = {
      recommendations: pruneRecommendations(recommendations, spec, now),
      scaleEvents: pruneEvents(memory.scaleEvents, spec, now),
    };
    return lastActiveAt === undefined ? next : { ...next, lastActiveAt };
  };
  const activity = isActive
    ? `${active} active > activationMessages ${spec.activationMessages}`
    : `${active} active ≤ activationMessages ${spec.activationMessages}`;

  if (current <= 0) {
    // The HPA is switched off at zero replicas; only KEDA moves the pool from here.
    const desired = isActive ? Math.max(minGroups, 1) : minGroups;
    const reason = isActive
      ? `KEDA activation: ${activity}, scaling from zero to max(minGroups ${minGroups}, 1) = ${desired}`
      : desired > 0
        ? `KEDA: ${activity}, scaling from zero to minGroups ${desired}`
        : `KEDA: ${activity}, staying at zero`;
    return { desired, reason, memory: remember(history) };
  }

  // Under KEDA the HPA keeps running while KEDA waits out the cooldown, so its recommendation is
  // recorded even when KEDA's scale to zero decides.
  const hpa = hpaDecide(input, history);
  const next = remember(hpa.recommendations);
  if (minGroups === 0 && !isActive) {
    const coolUntil =
      lastActiveAt === undefined ? undefined : lastActiveAt + spec.cooldownSeconds * MS_PER_SECOND;
    if (coolUntil === undefined) {
      return {
        desired: 0,
        reason: `KEDA: ${activity} and never active, scaling to zero without a cooldown`,
        memory: next,
      };
    }
    const idle = seconds(now - (lastActiveAt ?? now));
    if (coolUntil <= now) {
      return {
        desired: 0,
        reason: `KEDA cooldown: ${activity} for ${idle} s ≥ cooldownSeconds ${spec.cooldownSeconds}, scaling to zero`,
        memory: next,
      };
    }
    return {
      desired: hpa.desired,
      reason: `${hpa.reason}; KEDA cooldown: ${activity} for ${idle} s of cooldownSeconds ${spec.cooldownSeconds} before zero`,
      memory: next,
    };
  }
  return { desired: hpa.desired, reason: hpa.reason, memory: next };
}

/** The HPA's part of a decision at current > 0, and the recommendations to remember. */
function hpaDecide(
  input: KedaInput,
  history: readonly TimedRecommendation[],
): { desired: number; reason: string; recommendations: readonly TimedRecommendation[] } {
  const { spec, now, current, active, minGroups, maxGroups } = input;
  // KEDA gives the HPA minReplicas max(minReplicaCount, 1): 0 ↔ 1 is KEDA's business.
  const hpaMin = Math.max(minGroups, 1);
  // Outside the bounds the HPA goes straight to the bound, without metric or behaviour.
  if (current > maxGroups) {
    return {
      desired: maxGroups,
      reason: `HPA: current ${current} is above maxGroups ${maxGroups}, scaling to ${maxGroups}`,
      recommendations: history,
    };
  }
  if (current < hpaMin) {
    return {
      desired: hpaMin,
      reason: `HPA: current ${current} is below the minimum max(minGroups ${minGroups}, 1) = ${hpaMin}, scaling to ${hpaMin}`,
      recommendations: history,
    };
  }

  const metric = metricRecommendation(current, active, spec.messagesPerGroup, spec.tolerance);
  const parts: string[] = [
    metric.withinTolerance
      ? `HPA: ${active} active / (${num(spec.messagesPerGroup)} per group × ${current}) = ${num(metric.ratio ?? 0)} is within tolerance ${num(spec.tolerance)}, keeping ${current}`
      : `HPA: ceil(${active} active / ${num(spec.messagesPerGroup)} per group) = ${metric.replicas}`,
  ];
  const recommendation = metric.replicas;

  const stable = stabilize(
    current,
    recommendation,
    history,
    spec.scaleUp.stabilizationSeconds,
    spec.scaleDown.stabilizationSeconds,
    now,
  );
  if (stable.replicas < recommendation) {
    parts.push(
      `stabilized to ${stable.replicas} (lowest recommendation in the ${spec.scaleUp.stabilizationSeconds} s scale-up window: ${stable.upRecommendation})`,
    );
  } else if (stable.replicas > recommendation) {
    parts.push(
      `stabilized to ${stable.replicas} (highest recommendation in the ${spec.scaleDown.stabilizationSeconds} s scale-down window: ${stable.downRecommendation})`,
    );
  }

  const limited = rateLimited(input, stable.replicas, hpaMin);
  if (limited.note) parts.push(limited.note);
  const desired = limited.desired;

  return {
    desired,
    reason: parts.join(', '),
    recommendations: [...history, { at: now, replicas: recommendation }],
  };
}

/**
 * The HPA's rate limits on a stabilized count: up to the scale-up policies' limit (and
 * maxGroups), down to the scale-down policies' limit (and the HPA's minimum), with why.
 */
function rateLimited(
  input: KedaInput,
  stable: number,
  hpaMin: number,
): { desired: number; note?: string } {
  const { spec, now, current, minGroups, maxGroups, memory } = input;
  const events = memory.scaleEvents;
  if (stable > current) {
    const limit = scaleUpLimit(current, events, spec.scaleUp, now);
    const allowed = Math.min(maxGroups, limit);
    if (stable <= allowed) return { desired: stable };
    // As in k8s, the bound is named when it is at or below the rate limit.
    const note =
      maxGroups > limit
        ? limitPhrase('up', current, limit, events, spec.scaleUp, now)
        : `capped at maxGroups ${maxGroups}`;
    return { desired: allowed, note };
  }
  if (stable < current) {
    const limit = scaleDownLimit(current, events, spec.scaleDown, now);
    const allowed = Math.max(hpaMin, limit);
    if (stable >= allowed) return { desired: stable };
    const note =
      hpaMin < limit
        ? limitPhrase('down', current, limit, events, spec.scaleDown, now)
        : `raised to the minimum max(minGroups ${minGroups}, 1) = ${hpaMin}`;
    return { desired: allowed, note };
  }
  return { desired: stable };
}

/** "limited to 8 by scale-up policy (4 Pods per 15 s, 100 Percent per 15 s, select Max) from 4". */
function limitPhrase(
  direction: 'up' | 'down',
  current: number,
  limit: number,
  events: readonly ScaleEvent[],
  rules: HpaRules,
  now: number,
): string {
  if (rules.selectPolicy === 'Disabled') {
    return `held at ${current}: scale-${direction} is disabled (selectPolicy Disabled)`;
  }
  const ps = proposals(current, events, rules, now, direction === 'up' ? proposeUp : proposeDown);
  const starts = new Set(ps.map((p) => p.start));
  const sameStart = starts.size === 1;
  const policies = ps
    .map(
      (p) =>
        `${p.policy.value} ${p.policy.type} per ${p.policy.periodSeconds} s${sameStart ? '' : ` from ${p.start}`}`,
    )
    .join(', ');
  const from = sameStart ? ` from ${ps[0]?.start ?? current}` : '';
  const spent = limit === current ? ' (this period’s allowance is used up)' : '';
  return `limited to ${limit} by scale-${direction} policy (${policies}, select ${rules.selectPolicy})${from}${spent}`;
}

/**
 * Drops recommendations no window can see again (at ≤ now − longest window) and those a newer
 * recommendation of the same count makes redundant (it stays in every window at least as long,
 * so the older one can never be a window's min or max). Keeps at least the newest. With the
 * default 300 s scale-down window and a steady queue this stays one or two entries, however
 * often the controller decides.
 */
function pruneRecommendations(
  recommendations: readonly TimedRecommendation[],
  spec: KedaScaling,
  now: number,
): readonly TimedRecommendation[] {
  const longest =
    Math.max(spec.scaleUp.stabilizationSeconds, spec.scaleDown.stabilizationSeconds) *
    MS_PER_SECOND;
  const newest = recommendations[recommendations.length - 1];
  const kept = recommendations.filter(
    (r, i) =>
      r.at > now - longest && !recommendations.slice(i + 1).some((n) => n.replicas === r.replicas),
  );
  return kept.length === 0 && newest !== undefined ? [newest] : kept;
}

/** Drops scale events no policy of either direction can count again (at ≤ now − longest period). */
function pruneEvents(
  events: readonly ScaleEvent[],
  spec: KedaScaling,
  now: number,
): readonly ScaleEvent[] {
  const periods = [...spec.scaleUp.policies, ...spec.scaleDown.policies].map(
    (p) => p.periodSeconds,
  );
  const longest = Math.max(0, ...periods) * MS_PER_SECOND;
  return events.filter((e) => e.at > now - longest);
}

/** A number for a sentence: integers as they are, others to two decimals (0.925 → "0.93"). */
function num(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(2)));
}

/** Milliseconds as seconds for a sentence (299 500 ms → "299.5"). */
function seconds(ms: number): string {
  return num(ms / MS_PER_SECOND);
}
