/**
 * What the test apps' activities observed. A separate module without registrations, so test
 * files can import it statically while the apps themselves are imported only after
 * installFunctionsCore().
 */
export const probe = {
  /** Activity calls, in order, as `name(input)`. */
  calls: [] as string[],
  /** Activities inside their handler right now / at most. */
  running: 0,
  maxRunning: 0,
  /** Calls per key of the flaky activity. */
  flaky: new Map<string, number>(),
  /** What the deliberately non-deterministic orchestrator does next. */
  fickle: 'timer' as 'timer' | 'activity',
  /** Inputs of the `gated` activity that never finish (as if the process died while they ran). */
  blocked: new Set<number>(),
};

/** Reset the probe between tests. */
export function resetProbe(): void {
  probe.calls.length = 0;
  probe.running = 0;
  probe.maxRunning = 0;
  probe.flaky.clear();
  probe.fickle = 'timer';
  probe.blocked.clear();
}
