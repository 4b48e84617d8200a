/**
 * The app instance's ARM read budget: one ReadBudget (shared/policy/readTurns.ts) per subscription,
 * fed by a pipeline policy on every ARM client, so the container-group and Traffic Manager clients
 * of all pools share it. The policy holds back reads while ARM's Retry-After runs; observePool
 * asks it for a turn before it looks at a pool.
 */
import { RestError } from '@azure/core-rest-pipeline';
import type { PipelinePolicy, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import type { ReadBudget, TurnAnswer } from '../policy/readTurns';
import { answered, askTurn, looked, openBudget, throttled } from '../policy/readTurns';
import { retryAfterMs } from './pipeline';
import type { ReadTurns } from './ports';

/** What the policy is called in the pipeline. */
export const READ_BUDGET_POLICY = 'surgeArmReadBudget';

/** The code of a read refused locally while ARM's Retry-After runs. */
export const READS_HELD_CODE = 'SurgeReadsHeld';

/**
 * ARM's count of reads left in the subscription's bucket: the regional header, or the global one
 * that ARM's newer throttling sends.
 */
const REMAINING_HEADERS = [
  'x-ms-ratelimit-remaining-subscription-reads',
  'x-ms-ratelimit-remaining-subscription-global-reads',
];

/** When a 429 carries no Retry-After (ARM always sends one), wait this long (ms). */
const DEFAULT_RETRY_AFTER_MS = 1000;

/** The ARM read budgets of an app instance, per subscription. */
export class ArmReadBudget implements ReadTurns {
  readonly #budgets = new Map<string, ReadBudget>();

  constructor(private readonly now: () => number) {}

  /** Asks for a look at `pool`: now, or at its turn (see askTurn). */
  turn(subscriptionId: string, pool: string): TurnAnswer {
    const key = subscriptionId.toLowerCase();
    const { budget, answer } = askTurn(this.#of(key), pool, this.now());
    this.#budgets.set(key, budget);
    return answer;
  }

  /** Reports the reads a look sent, so turns are spaced by what a look costs. */
  looked(subscriptionId: string, reads: number): void {
    const key = subscriptionId.toLowerCase();
    this.#budgets.set(key, looked(this.#of(key), reads));
  }

  /** Until when reads of the subscription are held (ms), if they are now. */
  heldUntil(subscriptionId: string): number | undefined {
    const until = this.#of(subscriptionId.toLowerCase()).closedUntil;
    return until > this.now() ? until : undefined;
  }

  /** Feeds ARM's answer to a read: a 429 closes the budget, a remaining count may reopen it. */
  record(subscriptionId: string, response: PipelineResponse): void {
    const key = subscriptionId.toLowerCase();
    let budget = this.#of(key);
    if (response.status === 429) {
      const wait = retryAfterMs(response.headers) ?? DEFAULT_RETRY_AFTER_MS;
      budget = throttled(budget, wait, this.now());
    } else {
      const remaining = remainingOf(response);
      if (remaining !== undefined) budget = answered(budget, remaining);
    }
    this.#budgets.set(key, budget);
  }

  /** Every subscription's budget, as plain data (for tests and diagnostics). */
  snapshot(): Readonly<Record<string, ReadBudget>> {
    return Object.fromEntries(this.#budgets);
  }

  #of(key: string): ReadBudget {
    return this.#budgets.get(key) ?? openBudget;
  }
}

/** The reads ARM says are left, when it says. */
function remainingOf(response: PipelineResponse): number | undefined {
  for (const name of REMAINING_HEADERS) {
    const raw = response.headers.get(name);
    if (raw === undefined) continue;
    const n = Number(raw);
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

/** The subscription an ARM request is for, from its path; tenant-level requests have none. */
export function subscriptionOf(url: string): string | undefined {
  return /\/subscriptions\/([^/?#]+)/i.exec(new URL(url).pathname)?.[1];
}

/**
 * The pipeline policy: runs once per attempt (after the Retry phase), for GETs only. While ARM's
 * Retry-After for the subscription runs it sends nothing and throws a 429 RestError (code
 * SurgeReadsHeld) naming the time reads resume; otherwise it sends and records the answer.
 */
export function readBudgetPolicy(budget: ArmReadBudget): PipelinePolicy {
  return {
    name: READ_BUDGET_POLICY,
    async sendRequest(request: PipelineRequest, next) {
      const subscription = request.method === 'GET' ? subscriptionOf(request.url) : undefined;
      if (subscription === undefined) return next(request);
      const held = budget.heldUntil(subscription);
      if (held !== undefined) {
        throw new RestError(
          `ARM throttled reads of subscription ${subscription}: none is sent before ${new Date(held).toISOString()} (its Retry-After)`,
          { code: READS_HELD_CODE, statusCode: 429, request },
        );
      }
      const response = await next(request);
      budget.record(subscription, response);
      return response;
    },
  };
}
