/**
 * A test-only app for the engine's sequential mode: each `noter` orchestration calls the `note`
 * activity once with its instance id. The activity logs the order it runs in and how many
 * activities run at once; the orchestrator logs whether an activity was running while it ran.
 * Import after installFunctionsCore().
 */
import * as df from 'durable-functions';

/** What the app observed; reset it between runs. */
export const observed = {
  order: [] as string[],
  running: 0,
  maxRunning: 0,
  episodesDuringActivity: 0,
};

/** Clears `observed`. */
export function resetObserved(): void {
  observed.order = [];
  observed.running = 0;
  observed.maxRunning = 0;
  observed.episodesDuringActivity = 0;
}

df.app.orchestration('noter', function* (context) {
  if (observed.running > 0) observed.episodesDuringActivity++;
  yield context.df.callActivity('note', context.df.instanceId);
  return 'done';
});

df.app.activity('note', {
  handler: async (id: string) => {
    observed.running++;
    observed.maxRunning = Math.max(observed.maxRunning, observed.running);
    observed.order.push(id);
    // A real wait, so that without the sequential mode activities and episodes overlap.
    await new Promise((resolve) => setTimeout(resolve, 5));
    observed.running--;
    return id;
  },
});
