import type { DrainScaling } from '../config/poolSpec';
import type { Pattern, Recurrence } from './recurrence';
import { noRecurrence, observeOnset, patternOf, prewarm } from './recurrence';

/**
 * The drain policy sizes a pool so that the backlog is gone within `targetDrainSeconds` while the
 * pool keeps up with arrivals, from four quantities:
 *
 *   B  messages waiting now (ActiveMessageCount)
 *   λ  arrival rate, messages/s (estimated from successive depth samples)
 *   μ  throughput of one group, messages/s (configured, then learned)
 *   S  start-up latency of a new group, s (configured, then learned from create→running)
 *
 * New groups only start draining after S, and until then the R running groups drain μ·R while
 * λ keeps arriving, so the backlog they face is B_S = max(0, B + (λ − μ·R)·S). They have
 * W = max(T − S, S) to drain it (when S ≥ T the target cannot be met; aim for one more start-up
 * time instead of an infinite pool). N groups drain at μ·N − λ, so
 *
 *   N = ceil( λ·(1 + headroom)/μ  +  B_S / (μ·W) )
 *
 * Worked example (README): B = 1200, λ = 4/s, μ = 2/s, R = 1, S = 60 s, T = 300 s, headroom 0.1:
 * B_S = 1200 + (4 − 2)·60 = 1320; W = 240 s; keep up 4·1.1/2 = 2.2; drain 1320/(2·240) = 2.75;
 * N = ceil(4.95) = 5 — where KEDA's ceil(1200 / 5 per replica) would ask for 240.
 */

/** What the drain policy learns and remembers between decisions (plain JSON data). */
export interface DrainMemory {
  /** Estimated arrival rate λ (messages/s); undefined until arrivals have been seen twice. */
  readonly arrivalRate?: number;
  /**
   * Arrival rates seen in intervals where consumption was known (no group running, or every
   * running group busy), within arrivalWindowSeconds.
   */
  readonly arrivals: readonly {
    readonly at: number;
    readonly rate: number;
    /**
     * Seen with an empty queue and no group of the pool running: all it says is that outside
     * consumers (if any) kept up, so net arrivals were at most this; see arrivalEstimate.
     */
    readonly censored?: true;
  }[];
  /** Learned throughput μ of one group (messages/s); undefined until learned. */
  readonly throughput?: number;
  /** Learned start-up latency S (s); undefined until a group has been seen starting. */
  readonly startupSeconds?: number;
  /** The previous depth sample and how many groups were running then. */
  readonly last?: { readonly at: number; readonly active: number; readonly ready: number };
  /**
   * Recent saturated intervals: the depth slope (messages/s) seen with `ready` groups running,
   * the newest per group count, for identifying μ when the count changes.
   */
  readonly slopes: readonly {
    readonly slope: number;
    readonly ready: number;
    readonly at: number;
  }[];
  /** Recent unstabilized recommendations, for the scale-in hold (or fixed window). */
  readonly recommendations: readonly { readonly at: number; readonly desired: number }[];
  /** Onsets of bursts, for predicting recurring ones (shared/policy/recurrence.ts). */
  readonly recurrence?: Recurrence;
  /** The live count at the previous decision: a drop since is a release (scale-in). */
  readonly lastLive?: number;
  /** When groups were last released. */
  readonly releasedAt?: number;
  /**
   * The hold's regret multiplier (≥ 1): doubled when a release is followed within twice the hold
   * by a backlog that needs the groups back, halving back toward 1 every HOLD_REGRET_HALF_LIFE_MS.
   */
  readonly regret?: { readonly factor: number; readonly at: number };
}

/** A drain memory that knows nothing yet. */
export const emptyDrainMemory: DrainMemory = { arrivals: [], slopes: [], recommendations: [] };

/**
 * Samples further apart than this are not compared: the depth watch reads every 15 s, so a longer
 * gap means the controller was down, paused or restarted, and the queue (or, locally, the whole
 * emulated world) may have changed in ways a slope would misread — e.g. a backlog of 1500 from
 * before a restart against an empty queue after it would read as a drain of 25/s.
 */
const MAX_SAMPLE_GAP_MS = 2 * 60_000;
/** Two slopes are only compared when λ can be taken as steady between them. */
const MAX_SLOPE_AGE_MS = 5 * 60_000;
/**
 * Samples closer than this teach nothing: a depth read is a snapshot of a queue that moves in
 * whole messages, so over 50 ms one message drained reads as 20 messages/s. A storm of wake
 * signals seconds apart once taught a throughput of 30/s for workers that drain 5 and arrivals of
 * 119/s. Such a sample is not even kept as the next comparison point: the next one that is 5 s
 * or more after the last kept sample is compared with it.
 */
export const MIN_SAMPLE_GAP_MS = 5_000;
/**
 * A learned throughput stays within this factor of the configured one either way: beyond it the
 * configuration, not the workers, is wrong, and a bad estimate must not size the pool.
 */
const THROUGHPUT_BOUND = 10;

/** Exponentially weighted moving average: rate 0.3 moves 30 % of the way to the new value. */
function ewma(previous: number | undefined, next: number, rate: number): number {
  return previous === undefined ? next : previous + rate * (next - previous);
}

/** μ in use: the learned throughput, else the configured one. */
export function throughputOf(memory: DrainMemory, spec: DrainScaling): number {
  return memory.throughput ?? spec.messagesPerSecondPerGroup;
}

/** S in use: the learned start-up latency, else the configured one. */
export function startupOf(memory: DrainMemory, spec: DrainScaling): number {
  return memory.startupSeconds ?? spec.startupSeconds;
}

/**
 * Learns from a new depth sample, taken with `ready` groups running. Between two samples the
 * depth changes by arrivals minus what the running groups drained: ΔB/Δt = λ − μ·R, where R is
 * somewhere between the counts at the two ends; each estimate takes the end that errs safe. Consumption is known when no group runs (it is
 * zero) or when every running group has work ("saturated": at least one waiting message per
 * group at both ends, so they drain μ·R). Then:
 *
 * - one arrival observation: λᵢ = ΔB/Δt + μ·R. Example: 100 → 70 messages in 15 s with 3 groups
 *   at 2/s: λᵢ = −2 + 6 = 4/s.
 * - λ is the lower median of the observations within arrivalWindowSeconds, once there are at
 *   least two. A burst enqueued at once shows as one huge observation; the median ignores it and
 *   the drain term (which sees the backlog) handles it, so a burst is not also provisioned for as
 *   if it would go on. Over-estimating λ has no feedback (the queue stays empty), while
 *   under-estimating it grows the backlog, which the drain term answers: err low.
 * - μ from the drain itself: λ ≥ 0 means μ ≥ −(ΔB/Δt)/R; a drain faster than μ allows raises μ.
 * - μ from two saturated intervals with different group counts, at most five minutes apart (λ
 *   taken as steady across them): μ = (slope₁ − slope₂)/(R₂ − R₁). Example: +2/s with 2
 *   groups, −4/s with 5 → μ = 6/3 = 2/s.
 *
 * When running groups have slack, λ cannot be seen: the queue stays near empty whether arrivals
 * are 0 or almost μ·R. That bounds λ ≤ μ·R, and once no observation is left in the window the
 * estimate halves every arrivalHalfLifeSeconds, so a pool whose traffic stopped can scale in.
 */
export function observeDepth(
  memory: DrainMemory,
  spec: DrainScaling,
  sample: { readonly at: number; readonly active: number },
  ready: number,
): DrainMemory {
  const next = { at: sample.at, active: sample.active, ready };
  const last = memory.last;
  const dt = last ? (sample.at - last.at) / 1000 : 0;
  if (!last) return { ...memory, last: next };
  if (dt * 1000 < MIN_SAMPLE_GAP_MS) return memory;
  if (dt * 1000 > MAX_SAMPLE_GAP_MS) {
    // Nothing to learn from the slope, but time has passed: the arrival estimate decays.
    const decayed =
      memory.arrivalRate === undefined
        ? {}
        : { arrivalRate: memory.arrivalRate * 0.5 ** (dt / spec.arrivalHalfLifeSeconds) };
    return { ...memory, ...decayed, last: next };
  }
  const slope = (sample.active - last.active) / dt;
  const mu = throughputOf(memory, spec);
  // The groups running at the start and at the end of the interval: the count may have changed in
  // between (a scale-out landing), so every estimate takes the side of the range that errs safe.
  const fewest = Math.min(last.ready, ready);
  const most = Math.max(last.ready, ready);
  const saturated = most > 0 && Math.min(last.active, sample.active) >= most;
  const consumptionKnown = most === 0 || saturated;
  const horizon = sample.at - spec.arrivalWindowSeconds * 1000;
  const censored = most === 0 && last.active === 0 && sample.active === 0;
  const observed = { at: sample.at, rate: netArrivals(slope, mu, fewest, most) };
  const arrivals = [
    ...memory.arrivals.filter((a) => a.at > horizon),
    ...(consumptionKnown ? [censored ? { ...observed, censored: true as const } : observed] : []),
  ];
  const decayed =
    memory.arrivalRate === undefined
      ? undefined
      : memory.arrivalRate * 0.5 ** (dt / spec.arrivalHalfLifeSeconds);
  let arrivalRate = arrivalEstimate(arrivals) ?? decayed;
  if (!consumptionKnown && arrivalRate !== undefined)
    arrivalRate = Math.min(arrivalRate, mu * most);

  // A backlog that one group could not absorb during a start-up is worth predicting.
  const onsetThreshold = Math.max(10, mu * startupOf(memory, spec));
  const recurrence = observeOnset(
    memory.recurrence ?? noRecurrence,
    { at: sample.at, before: last.active, after: sample.active },
    onsetThreshold,
  );
  const { throughput, slopes } = learnThroughput(memory, spec, {
    at: sample.at,
    slope,
    fewest,
    most,
    saturated,
    steady: steadyArrivals(observed.rate, arrivalRate, mu),
  });
  return {
    ...memory,
    arrivals,
    ...(arrivalRate !== undefined ? { arrivalRate } : {}),
    ...(throughput !== undefined ? { throughput } : {}),
    slopes,
    ...(recurrence.onsets.length > 0 ? { recurrence } : {}),
    last: next,
  };
}

/**
 * Whether an interval's arrivals (λᵢ, seen with the μ in use) look like the steady rate the
 * estimate describes: at most twice it plus one group's throughput. A burst enqueued at once is
 * not: 600 messages landing in a 15 s interval over 0.43/s read as λᵢ = 40/s. Identifying μ from
 * two group counts assumes λ steady across both intervals, so a burst's slope must not take part:
 * compared with the drain of 37 groups afterwards it once "identified" μ = 1.3/s for workers that
 * drain 0.2/s, and the pool kept 37 groups for arrivals it then thought were 28/s.
 */
function steadyArrivals(rate: number, estimate: number | undefined, mu: number): boolean {
  return estimate !== undefined && rate <= 2 * Math.max(0, estimate) + mu;
}

/**
 * What a saturated interval teaches about μ (see observeDepth): a lower bound from the drain, an
 * identification from two group counts (only across intervals of steady arrivals), and the slope
 * kept for the next identification. The result stays within THROUGHPUT_BOUND of the configured
 * throughput.
 */
function learnThroughput(
  memory: DrainMemory,
  spec: DrainScaling,
  seen: {
    readonly at: number;
    readonly slope: number;
    readonly fewest: number;
    readonly most: number;
    readonly saturated: boolean;
    readonly steady: boolean;
  },
): Pick<DrainMemory, 'throughput' | 'slopes'> {
  const { at, slope, fewest, most, saturated, steady } = seen;
  const mu = throughputOf(memory, spec);
  const configured = spec.messagesPerSecondPerGroup;
  let throughput = memory.throughput;
  let slopes = memory.slopes;
  if (saturated && spec.learn) {
    // With the most groups, the weakest bound: μ ≥ −slope / R only errs low.
    const lowerBound = -slope / most;
    if (lowerBound > mu) throughput = ewma(mu, lowerBound, spec.learningRate);
  }
  if (saturated && fewest === most && steady) {
    const recent = memory.slopes.filter((p) => p.ready !== most && at - p.at <= MAX_SLOPE_AGE_MS);
    const prev = [...recent].sort((a, b) => b.at - a.at)[0];
    if (spec.learn && prev) {
      const identified = (prev.slope - slope) / (most - prev.ready);
      // Bursts change λ too, which this method assumes steady; keep only plausible answers.
      if (identified > configured / 10 && identified < configured * 10) {
        throughput = ewma(throughput ?? mu, identified, spec.learningRate);
      }
    }
    slopes = [...recent, { slope, ready: most, at }];
  }
  if (throughput !== undefined) {
    throughput = Math.min(
      configured * THROUGHPUT_BOUND,
      Math.max(configured / THROUGHPUT_BOUND, throughput),
    );
  }
  return { ...(throughput !== undefined ? { throughput } : {}), slopes };
}

/**
 * One observation of net arrivals ν = λ − β (arrivals minus what consumers outside Surge drain)
 * from a depth slope with between `fewest` and `most` of the pool's groups running: the value of
 * slope + μ·R closest to zero over that range, so it errs toward neither more arrivals nor more
 * outside help than the interval shows. Example: no group ran and 1200 → 900 in 30 s → ν = −10/s,
 * someone else drains 10/s more than arrives; 100 → 70 with 3 groups at 2/s → ν = −2 + 6 = 4/s.
 */
function netArrivals(slope: number, mu: number, fewest: number, most: number): number {
  const low = slope + mu * fewest;
  const high = slope + mu * most;
  return low >= 0 ? low : high <= 0 ? high : 0;
}

/**
 * λ from the window's observations: the lower median of the ones that saw the queue move, once
 * there are two; else of all of them (an idle pool's zeros), once there are two; else none. An
 * empty queue with nothing of the pool running says little when others drain it, so two moving
 * observations outweigh any number of those. Example: [0c, 0c, 0c, +200, −15] → −15.
 */
function arrivalEstimate(arrivals: DrainMemory['arrivals']): number | undefined {
  const moving = arrivals.filter((a) => a.censored !== true);
  if (moving.length >= 2) return lowerMedian(moving.map((a) => a.rate));
  if (arrivals.length >= 2) return lowerMedian(arrivals.map((a) => a.rate));
  return undefined;
}

/** True when the window holds fewer than two observations that saw the queue move. */
export function arrivalsUnseen(memory: Pick<DrainMemory, 'arrivals'>): boolean {
  return memory.arrivals.filter((a) => a.censored !== true).length < 2;
}

/** The lower median: of [1, 5, 9, 100] it is 5, of [0, 144] it is 0 (err low, see above). */
function lowerMedian(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1] as number;
}

/** Learns from a group that went from created to running in `seconds`. */
export function observeStartup(
  memory: DrainMemory,
  spec: DrainScaling,
  seconds: number,
): DrainMemory {
  if (!spec.learn || !(seconds >= 0)) return memory;
  return { ...memory, startupSeconds: ewma(memory.startupSeconds, seconds, spec.learningRate) };
}

/** What the drain policy decides from. */
export interface DrainInput {
  readonly spec: DrainScaling;
  readonly now: number;
  /** Groups that count toward capacity: pending and running. */
  readonly live: number;
  /** Groups running now. */
  readonly ready: number;
  /** Messages waiting now; undefined when no depth has been read yet. */
  readonly active: number | undefined;
  readonly minGroups: number;
  readonly maxGroups: number;
  readonly memory: DrainMemory;
}

/** The drain policy's answer. */
export interface DrainDecision {
  /**
   * The groups the pool should have. Below `live` it is already stabilized (the highest
   * recommendation of the hold) and limited to scaleInMaxFraction of the pool per step; the
   * controller still applies scale-in only on the scale-in tick.
   */
  readonly desired: number;
  readonly reason: string;
  readonly memory: DrainMemory;
}

/** A regret (a too-early release) fades by half over this time (10 minutes). */
export const HOLD_REGRET_HALF_LIFE_MS = 10 * 60_000;
/** The hold never grows past this many times its break-even base. */
const MAX_REGRET = 8;

/**
 * How long groups above the recommendation are held before release, in seconds. With
 * `scaleInStabilizationSeconds` set, that fixed window (the HPA's behaviour). Otherwise the
 * break-even time of ski rental: keeping an idle group t seconds costs t group-seconds; releasing
 * it and needing it again costs its start-up (billed from the pull) plus the wait of the messages
 * that arrive meanwhile, which matters in proportion to how busy the pool is (ρ = λ / (μ · live),
 * at most 1). So H = S · (1 + ρ) · regret. Example: S = 30 s, λ = 8/s, μ = 2/s, 8 live → ρ = 0.5
 * → H = 45 s; the queue empty and no arrivals → H = 30 s.
 */
export function holdSeconds(
  spec: DrainScaling,
  seen: {
    readonly startup: number;
    readonly lambda: number;
    readonly mu: number;
    readonly live: number;
  },
  memory: Pick<DrainMemory, 'regret'>,
  now: number,
): number {
  if (spec.scaleInStabilizationSeconds !== undefined) return spec.scaleInStabilizationSeconds;
  const rho = Math.min(1, seen.lambda / (seen.mu * Math.max(1, seen.live)));
  return seen.startup * (1 + rho) * regretFactor(memory, now);
}

/** The regret multiplier now: 1 + (factor − 1) halved per half-life since it was last raised. */
function regretFactor(memory: Pick<DrainMemory, 'regret'>, now: number): number {
  const r = memory.regret;
  if (r === undefined) return 1;
  return 1 + (r.factor - 1) * 0.5 ** ((now - r.at) / HOLD_REGRET_HALF_LIFE_MS);
}

/**
 * The regret memory after this decision: a release is remembered when the live count dropped,
 * and a release that a backlog undoes within twice its hold doubles the hold (flapping costs a
 * start-up and the wait each time; a longer hold stops it). Example: groups released at 10:00
 * with a 30 s hold, a backlog needs them back at 10:00:40 → the next hold is 60 s.
 */
function afterRelease(
  memory: DrainMemory,
  seen: {
    readonly live: number;
    readonly recommended: number;
    readonly active: number;
    readonly hold: number;
  },
  now: number,
): Pick<DrainMemory, 'lastLive' | 'releasedAt' | 'regret'> {
  const released = memory.lastLive !== undefined && seen.live < memory.lastLive;
  const releasedAt = released ? now : memory.releasedAt;
  const regretted =
    memory.releasedAt !== undefined &&
    seen.recommended > seen.live &&
    seen.active > 0 &&
    now - memory.releasedAt <= 2 * seen.hold * 1000;
  const regret = regretted
    ? { factor: Math.min(MAX_REGRET, regretFactor(memory, now) * 2), at: now }
    : memory.regret;
  return {
    lastLive: seen.live,
    ...(releasedAt !== undefined && !regretted ? { releasedAt } : {}),
    ...(regret ? { regret } : {}),
  };
}

/** Decides the group count for the drain policy (formula in this module's header). */
export function drainDecide(input: DrainInput): DrainDecision {
  const { spec, now, live, active, minGroups, maxGroups, memory } = input;
  if (active === undefined) {
    return {
      desired: clamp(live, minGroups, maxGroups),
      reason: 'no queue depth read yet: holding',
      memory,
    };
  }
  const size = sizeFor(input, active);
  const { mu, startup, lambda } = size;
  const warm = prewarmFor(memory, spec, now);
  const raw = Math.max(size.raw, warm?.groups ?? 0);
  const recommended = clamp(raw, minGroups, maxGroups);
  const formula =
    `${size.text} = ${size.raw}` +
    (warm && warm.groups > size.raw ? `; ${warm.note}` : '') +
    (recommended !== raw ? `, bounded to ${recommended} by min ${minGroups}/max ${maxGroups}` : '');
  const hold = holdSeconds(spec, { startup, lambda, mu, live }, memory, now);
  const horizon = now - hold * 1000;
  const recommendations = [
    ...memory.recommendations.filter((r) => r.at > horizon),
    { at: now, desired: recommended },
  ];
  // The release memory is rebuilt each time: a regretted release is forgotten, so one release
  // doubles the hold once, not at every look while its backlog lasts.
  const { lastLive: _live, releasedAt: _released, regret: _regret, ...rest } = memory;
  const next = {
    ...rest,
    recommendations,
    ...afterRelease(memory, { live, recommended, active, hold }, now),
  };
  if (recommended >= live) {
    return { desired: recommended, reason: `drain: ${formula}`, memory: next };
  }
  if (spec.scaleInStabilizationSeconds === undefined && active >= live) {
    // Every group has a message to drain: releasing one saves no group-second (the backlog's
    // work is the same however many groups do it) and only makes the messages wait longer.
    // What is held afterwards is what the formula recommended meanwhile, not this count: by
    // then the tail of the backlog needs fewer groups (measured in bench:policies, holding the
    // busy count doubled the cost of batches at the same p95).
    return {
      desired: live,
      reason: `drain: ${formula}; keeping ${live}: every group has work (${active} waiting)`,
      memory: next,
    };
  }
  return scaleIn({ spec, live, recommended, minGroups, hold, formula }, next);
}

/**
 * The drain formula (this module's header) for a depth reading: the groups it asks for, and the
 * text of the reason with its numbers.
 */
function sizeFor(
  input: DrainInput,
  active: number,
): { mu: number; startup: number; lambda: number; raw: number; text: string } {
  const { spec, live, ready, memory } = input;
  const mu = throughputOf(memory, spec);
  const startup = startupOf(memory, spec);
  // Net arrivals ν: arrivals minus what consumers outside Surge drain. Under one message per
  // drain target either way counts as none: a group started when the next message shows up
  // still meets the target, and a decaying estimate would keep a group forever. A stated
  // baseline stands until the queue has been seen moving twice within the window.
  const stated = spec.baselineMessagesPerSecond;
  const seen = stated > 0 && arrivalsUnseen(memory) ? -stated : (memory.arrivalRate ?? -stated);
  const net = Math.abs(seen) * spec.targetDrainSeconds < 1 ? 0 : seen;
  const lambda = Math.max(0, net);
  // What the others drain beyond the arrivals works on the backlog too: within the window they
  // take others·W of it. Example: 3000 waiting, ν = −5/s, W = 240 s → 1200 are theirs.
  const others = Math.max(0, -net);
  const keepUp = (lambda * (1 + spec.headroom)) / mu;
  const backlogAtStart = Math.max(0, active + (net - mu * ready) * startup);
  const window = Math.max(spec.targetDrainSeconds - startup, startup);
  const drainTerm = Math.max(0, backlogAtStart - others * window) / (mu * window);
  const activating = live === 0 && active <= spec.activationMessages && lambda === 0;
  // 1e-9 keeps 4.000000001 (float noise) from becoming 5 groups.
  const full = activating ? 0 : Math.ceil(keepUp + drainTerm - 1e-9);
  const shared = spec.timeShareTopGroup
    ? timeShare({ full, lambda, mu, startup, window, active, headroom: spec.headroom })
    : undefined;
  const arrivals =
    others > 0
      ? `arrivals ${fmt(net)}/s (others drain ${fmt(others)}/s more than arrives)`
      : `arrivals ${fmt(lambda)}/s`;
  const text =
    `${active} waiting, ${arrivals}, ${fmt(mu)}/s per group, start-up ${fmt(startup)} s: ` +
    `${fmt(keepUp)} to keep up + ${fmt(drainTerm)} to drain ${fmt(backlogAtStart)} within ${fmt(window)} s` +
    (shared ? ` = ${full}, less 1 time-shared until ${fmt(shared.trigger)} wait` : '');
  return { mu, startup, lambda, raw: shared ? full - 1 : full, text };
}

/**
 * Whether the top one of `full` groups can be time-shared: left off while a backlog builds, and
 * started once the backlog is worth a stretch of work. Kept, a group that arrivals keep busy a
 * fraction f of the time idles (1 − f) of it; time-shared, it costs a start-up and a hold per
 * stretch. The rule, with n = full − 1 groups running and the backlog growing at g = λ − n·μ:
 *
 * - the top group starts when the backlog reaches the trigger: half of what it can absorb within
 *   the window W beyond keeping up, ((n + 1)·μ − λ·(1 + headroom))·W / 2, and no more than λ
 *   arriving over W/2 − S (so no message waits past half the window before the group is up);
 *   less the growth during its start-up, g·S;
 * - it is worth it only when the backlog takes at least four start-ups to get there from empty
 *   (g·4S ≤ trigger): shorter stretches would cost more in start-ups and holds than the idle
 *   they save, and a release undone within twice the hold doubles the hold (holdSeconds).
 *
 * Example: λ = 7/s, μ = 5/s, S = 30 s, W = 570 s (target 600 s), headroom 0.1 → keep up 1.54,
 * full = 2, n = 1, g = 2/s; absorbs (10 − 7.7)·570 / 2 = 655.5, age limit 7·(285 − 30) = 1785,
 * trigger 655.5 − 60 = 595.5 ≥ 2·120 → 1 group until 595.5 wait, instead of 2 groups 77 % busy.
 */
export function timeShare(q: {
  readonly full: number;
  readonly lambda: number;
  readonly mu: number;
  readonly startup: number;
  readonly window: number;
  readonly active: number;
  readonly headroom: number;
}): { readonly trigger: number } | undefined {
  const { full, lambda, mu, startup, window, active, headroom } = q;
  if (full < 1 || lambda <= 0) return undefined;
  const n = full - 1;
  const growth = Math.max(0, lambda - n * mu);
  const absorbs = ((n + 1) * mu - lambda * (1 + headroom)) * window;
  const ageLimit = lambda * (window / 2 - startup);
  const trigger = Math.min(absorbs / 2, ageLimit) - growth * startup;
  if (trigger <= 0 || trigger < growth * 4 * startup || active >= trigger) return undefined;
  return { trigger };
}

/** The recurring burst predicted now and its pre-warm window; none when off or unseen. */
export function predictedBurst(
  memory: DrainMemory,
  spec: DrainScaling,
  now: number,
):
  | { readonly pattern: Pattern; readonly window: NonNullable<ReturnType<typeof prewarm>> }
  | undefined {
  if (!spec.predictRecurringBursts) return undefined;
  const pattern = patternOf(memory.recurrence ?? noRecurrence, now);
  const window = prewarm(pattern, {
    startupSeconds: startupOf(memory, spec),
    mu: throughputOf(memory, spec),
    targetSeconds: spec.targetDrainSeconds,
  });
  return pattern && window ? { pattern, window } : undefined;
}

/**
 * The groups to have running ahead of a predicted recurring burst, when `now` is in its
 * pre-warm window (see shared/policy/recurrence.ts), with the reason's words.
 */
function prewarmFor(
  memory: DrainMemory,
  spec: DrainScaling,
  now: number,
): { readonly groups: number; readonly note: string } | undefined {
  const predicted = predictedBurst(memory, spec, now);
  if (!predicted || now < predicted.window.from || now > predicted.window.until) return undefined;
  const { pattern, window } = predicted;
  const at = new Date(pattern.nextAt).toISOString().slice(11, 19);
  return {
    groups: window.groups,
    note: `${window.groups} ready for the batch of about ${Math.round(pattern.size)} expected at ${at} (every ${fmt(pattern.periodMs / 1000)} s)`,
  };
}

/**
 * When the pre-warm window of the next predicted burst opens, if later than `now`: the controller
 * sets its timer for it, so no signal is needed to start the groups.
 */
export function prewarmStartsAt(
  memory: DrainMemory,
  spec: DrainScaling,
  now: number,
): number | undefined {
  const from = predictedBurst(memory, spec, now)?.window.from;
  // A second's margin: a wake-up that lands just before the window would otherwise ask for
  // another one an instant later.
  return from !== undefined && from > now + 1000 ? Math.ceil(from) : undefined;
}

/**
 * Scale-in: the highest recommendation within the hold (see holdSeconds), at most
 * scaleInMaxFraction of the pool per step, never below minGroups.
 */
function scaleIn(
  d: {
    readonly spec: DrainScaling;
    readonly live: number;
    readonly recommended: number;
    readonly minGroups: number;
    readonly hold: number;
    readonly formula: string;
  },
  memory: DrainMemory,
): DrainDecision {
  const { spec, live, recommended, minGroups, hold } = d;
  const stabilized = Math.max(...memory.recommendations.map((r) => r.desired));
  const stepFloor = live - Math.max(1, Math.floor(live * spec.scaleInMaxFraction));
  const desired = Math.min(live, Math.max(stabilized, stepFloor, minGroups));
  const window =
    spec.scaleInStabilizationSeconds !== undefined
      ? `in ${fmt(hold)} s`
      : `in the ${fmt(hold)} s break-even hold`;
  const limits: string[] = [];
  if (stabilized > recommended) limits.push(`highest recommendation ${window} is ${stabilized}`);
  if (stepFloor > Math.max(stabilized, recommended))
    limits.push(`at most ${live - stepFloor} removed per step`);
  return {
    desired,
    reason: `drain: ${d.formula}${limits.length ? `; scale-in to ${desired}: ${limits.join(', ')}` : ''}`,
    memory,
  };
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

/** Two decimals at most, for reasons people read. */
function fmt(n: number): string {
  return String(Math.round(n * 100) / 100);
}
