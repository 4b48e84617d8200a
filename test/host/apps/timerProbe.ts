/**
 * What the timer test apps saw, shared with the tests (a module, so the app and the test read
 * the same object), and a gate that holds a slow timer function until the test opens it.
 */

/** One timer invocation as the function saw it. */
export interface TimerCall {
  readonly fn: string;
  readonly isPastDue: boolean;
  readonly last: string | null;
  readonly next: string | null;
}

/** A promise the test resolves by hand. */
export interface Gate {
  readonly opened: Promise<void>;
  open(): void;
}

/** A closed gate. */
export function gate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** Shared state of the timer apps. */
export const timerProbe = {
  calls: [] as TimerCall[],
  /** Orchestration milestones, `name@ISO time` in virtual time. */
  milestones: [] as string[],
  /** App lifecycle hooks that ran (`appStart`, `appTerminate`). */
  hooks: [] as string[],
  /** Held by the `slow` timer until opened. */
  slowGate: gate(),
  /** Resolved by the `startupRealTime` timer when it runs. */
  realTimeRan: gate(),
  reset(): void {
    this.calls.length = 0;
    this.milestones.length = 0;
    this.hooks.length = 0;
    this.slowGate = gate();
    this.realTimeRan = gate();
  },
};
