/**
 * Arrival schedules: how many messages reach a queue over model time. Rates are messages per
 * second; every time field is milliseconds after the schedule was installed (so one scenario can
 * be replayed at any start time). Schedules on one entity add up.
 *
 * The integrator (world.ts) needs three things from a schedule over a span (a, b]:
 * - `integral(a, b)`: messages delivered by the rate part, computed in closed form (exact);
 * - `nextBreak(t)`: the next instant after t where the rate jumps or a burst lands, so that
 *   constant stretches are integrated in one exact segment;
 * - `takeImpulses(t)`: bursts due at or before t (each returned once).
 * Ramps and sines vary continuously (`smooth`): the integrator cuts them into short steps; counts
 * stay exact (closed-form integral) but within a step arrivals are treated as evenly spread.
 */
import { sample } from '../random';
import type { Rng } from '../random';
import type { Distribution } from '../random';

/** A schedule as configured (JSON-friendly). */
export type ArrivalSchedule =
  /** A constant rate between startMs and endMs. */
  | {
      readonly kind: 'constant';
      readonly rate: number;
      readonly startMs?: number;
      readonly endMs?: number;
    }
  /** Piecewise constant: each step's rate holds until the next step (the last one forever). */
  | { readonly kind: 'steps'; readonly steps: readonly { atMs: number; rate: number }[] }
  /** A linear ramp from `from` to `to` over durationMs, then `to` held (or 0 if hold is false). */
  | {
      readonly kind: 'ramp';
      readonly from: number;
      readonly to: number;
      readonly durationMs: number;
      readonly startMs?: number;
      readonly hold?: boolean;
    }
  /** mean + amplitude × sin(2π t / periodMs + phase); amplitude ≤ mean so the rate stays ≥ 0. */
  | {
      readonly kind: 'sine';
      readonly mean: number;
      readonly amplitude: number;
      readonly periodMs: number;
      readonly phase?: number;
      readonly startMs?: number;
      readonly endMs?: number;
    }
  /** `count` messages at once at atMs, repeated every everyMs `times` times (default once). */
  | {
      readonly kind: 'burst';
      readonly atMs: number;
      readonly count: number;
      readonly everyMs?: number;
      readonly times?: number;
    }
  /**
   * Bursts at random instants (a Poisson process with mean gap meanIntervalMs) of random size,
   * drawn from the emulator's seed: the same seed gives the same bursts.
   */
  | {
      readonly kind: 'randomBursts';
      readonly meanIntervalMs: number;
      readonly size: Distribution;
      readonly startMs?: number;
      readonly endMs?: number;
    };

/** A schedule installed at time t0, with whatever state it needs (next random burst). */
export interface ActiveSchedule {
  readonly spec: ArrivalSchedule;
  /** True when the rate varies continuously just after t (inside a ramp or sine): step it. */
  smooth(t: number): boolean;
  /** Messages the rate part delivers over [a, b] (bursts excluded). */
  integral(a: number, b: number): number;
  /** The first instant > t where the rate jumps or a burst is due; Infinity when none. */
  nextBreak(t: number): number;
  /** Burst messages due in (previous call, t], each returned once. */
  takeImpulses(t: number): number;
}

/** Returns why a schedule cannot be used, or undefined. */
export function scheduleProblem(s: ArrivalSchedule): string | undefined {
  const nonNegative = (...xs: (number | undefined)[]) =>
    xs.every((x) => x === undefined || (Number.isFinite(x) && x >= 0));
  switch (s.kind) {
    case 'constant':
      return nonNegative(s.rate, s.startMs, s.endMs) ? undefined : 'rate and times must be >= 0';
    case 'steps':
      return s.steps.every((st) => nonNegative(st.atMs, st.rate))
        ? undefined
        : 'steps need atMs >= 0 and rate >= 0';
    case 'ramp':
      return nonNegative(s.from, s.to, s.startMs) && s.durationMs > 0
        ? undefined
        : 'ramp needs rates >= 0 and durationMs > 0';
    case 'sine':
      if (!nonNegative(s.mean, s.amplitude, s.startMs, s.endMs) || !(s.periodMs > 0)) {
        return 'sine needs mean, amplitude >= 0 and periodMs > 0';
      }
      return s.amplitude <= s.mean ? undefined : 'sine amplitude must not exceed mean (rate < 0)';
    case 'burst':
      return nonNegative(s.atMs, s.count, s.everyMs, s.times) &&
        (s.everyMs === undefined || s.everyMs > 0)
        ? undefined
        : 'burst needs atMs, count >= 0 and everyMs > 0';
    case 'randomBursts':
      return nonNegative(s.startMs, s.endMs) && s.meanIntervalMs > 0
        ? undefined
        : 'randomBursts needs meanIntervalMs > 0';
  }
}

/**
 * Installs a schedule at model time t0. `rng` is used only by randomBursts; pass a stream forked
 * from a label that names the entity and schedule, so identical labels burst identically.
 */
export function activate(spec: ArrivalSchedule, t0: number, rng: Rng): ActiveSchedule {
  switch (spec.kind) {
    case 'constant': {
      const from = t0 + (spec.startMs ?? 0);
      const to = spec.endMs === undefined ? Infinity : t0 + spec.endMs;
      return piecewise(spec, [
        { at: from, rate: spec.rate },
        { at: to, rate: 0 },
      ]);
    }
    case 'steps':
      return piecewise(
        spec,
        [...spec.steps]
          .sort((x, y) => x.atMs - y.atMs)
          .map((st) => ({ at: t0 + st.atMs, rate: st.rate })),
      );
    case 'ramp':
      return ramp(spec, t0);
    case 'sine':
      return sine(spec, t0);
    case 'burst':
      return bursts(spec, t0);
    case 'randomBursts':
      return randomBursts(spec, t0, rng);
  }
}

/** Rate per millisecond from a rate per second. */
const perMs = (ratePerSecond: number) => ratePerSecond / 1000;

/** Constant pieces: rate r_i from at_i until at_{i+1}; 0 before the first. */
function piecewise(
  spec: ArrivalSchedule,
  points: readonly { at: number; rate: number }[],
): ActiveSchedule {
  const rateAt = (t: number): number => {
    let r = 0;
    for (const p of points) {
      if (p.at <= t) r = p.rate;
      else break;
    }
    return r;
  };
  return {
    spec,
    smooth: () => false,
    integral(a, b) {
      if (b <= a) return 0;
      let total = 0;
      let t = a;
      for (const p of points) {
        if (p.at <= t) continue;
        if (p.at >= b) break;
        total += perMs(rateAt(t)) * (p.at - t);
        t = p.at;
      }
      return total + perMs(rateAt(t)) * (b - t);
    },
    nextBreak(t) {
      for (const p of points) if (p.at > t) return p.at;
      return Infinity;
    },
    takeImpulses: () => 0,
  };
}

function ramp(spec: Extract<ArrivalSchedule, { kind: 'ramp' }>, t0: number): ActiveSchedule {
  const start = t0 + (spec.startMs ?? 0);
  const end = start + spec.durationMs;
  const after = spec.hold === false ? 0 : spec.to;
  // Rate at time t inside the ramp: from + (to − from)(t − start)/duration (per second).
  const inside = (t: number) => spec.from + ((spec.to - spec.from) * (t - start)) / spec.durationMs;
  return {
    spec,
    smooth: (t) => t >= start && t < end,
    integral(a, b) {
      if (b <= a) return 0;
      let total = 0;
      // Part inside the ramp: trapezoid, exact for a linear rate.
      const ia = Math.max(a, start);
      const ib = Math.min(b, end);
      if (ib > ia) total += (perMs(inside(ia) + inside(ib)) / 2) * (ib - ia);
      // Part after the ramp: the held rate.
      const ha = Math.max(a, end);
      if (b > ha) total += perMs(after) * (b - ha);
      return total;
    },
    nextBreak(t) {
      if (t < start) return start;
      if (t < end) return end;
      return Infinity;
    },
    takeImpulses: () => 0,
  };
}

function sine(spec: Extract<ArrivalSchedule, { kind: 'sine' }>, t0: number): ActiveSchedule {
  const start = t0 + (spec.startMs ?? 0);
  const end = spec.endMs === undefined ? Infinity : t0 + spec.endMs;
  const w = (2 * Math.PI) / spec.periodMs;
  const phase = spec.phase ?? 0;
  // ∫ (m + A sin(w(t − start) + φ)) dt = m t − (A/w) cos(w(t − start) + φ), per second → per ms.
  const antiderivative = (t: number) =>
    perMs(spec.mean) * t - (perMs(spec.amplitude) / w) * Math.cos(w * (t - start) + phase);
  return {
    spec,
    smooth: (t) => t >= start && t < end,
    integral(a, b) {
      const lo = Math.max(a, start);
      const hi = Math.min(b, end);
      return hi > lo ? antiderivative(hi) - antiderivative(lo) : 0;
    },
    nextBreak(t) {
      if (t < start) return start;
      if (t < end) return end;
      return Infinity;
    },
    takeImpulses: () => 0,
  };
}

function bursts(spec: Extract<ArrivalSchedule, { kind: 'burst' }>, t0: number): ActiveSchedule {
  const times = spec.everyMs === undefined ? 1 : (spec.times ?? Infinity);
  let fired = 0;
  const due = (k: number) => t0 + spec.atMs + k * (spec.everyMs ?? 0);
  return {
    spec,
    smooth: () => false,
    integral: () => 0,
    nextBreak(t) {
      if (fired >= times) return Infinity;
      // The next unfired burst after t (bursts at or before t are taken by takeImpulses).
      let k = fired;
      while (k < times && due(k) <= t) k++;
      return k < times ? due(k) : Infinity;
    },
    takeImpulses(t) {
      let total = 0;
      while (fired < times && due(fired) <= t) {
        total += spec.count;
        fired++;
      }
      return total;
    },
  };
}

function randomBursts(
  spec: Extract<ArrivalSchedule, { kind: 'randomBursts' }>,
  t0: number,
  rng: Rng,
): ActiveSchedule {
  const start = t0 + (spec.startMs ?? 0);
  const end = spec.endMs === undefined ? Infinity : t0 + spec.endMs;
  const gap = () => -spec.meanIntervalMs * Math.log(1 - rng.next());
  let next = start + gap();
  return {
    spec,
    smooth: () => false,
    integral: () => 0,
    nextBreak(t) {
      return next > t && next <= end ? next : Infinity;
    },
    takeImpulses(t) {
      let total = 0;
      while (next <= t && next <= end) {
        total += Math.round(sample(spec.size, rng));
        next += gap();
      }
      return total;
    },
  };
}

/** Sum of several schedules' rates (for reports: the rate at instant t, messages per second). */
export function rateAt(schedules: readonly ActiveSchedule[], t: number): number {
  // A 1 ms window around t: the integral over it is the instantaneous rate per ms.
  return schedules.reduce((sum, s) => sum + s.integral(t, t + 1), 0) * 1000;
}
