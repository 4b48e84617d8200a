/**
 * The app instance's ARM budgets, fed by pipeline policies on every ARM client, so the
 * container-group and Traffic Manager clients of all pools share them:
 * - reads: one ReadBudget (shared/policy/readTurns.ts) per subscription; the policy holds back
 *   reads while ARM's Retry-After runs, and observePool asks it for a turn before it looks;
 * - writes and deletes: when ARM throttles a subscription's writes (or deletes), the others wait
 *   for the same Retry-After instead of each meeting their own 429.
 */
import { RestError } from '@azure/core-rest-pipeline';
import type { PipelinePolicy, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import type { ReadBudget, TurnAnswer } from '../policy/readTurns';
import { answered, askTurn, looked, openBudget, throttled } from '../policy/readTurns';
import { retryAfterMs } from './pipeline';
import type { ReadTurns } from './ports';

/** What the policy is called in the pipeline. */
const READ_BUDGET_POLICY = 'surgeArmReadBudget';

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

/** The code of a write refused locally while ARM's Retry-After for the subscription's writes runs. */
export const WRITES_HELD_CODE = 'SurgeWritesHeld';

/**
 * ARM's own throttling of a subscription's requests ("Number of 'write' requests for subscription
 * '…' actor '…' exceeded", or the older SubscriptionRequestsThrottled). ACI's create-rate refusals
 * are 429s too, but per region: they must not hold the subscription's other writes.
 */
const SUBSCRIPTION_THROTTLED = /requests for subscription|SubscriptionRequestsThrottled/i;

/** Writes (PUT, PATCH, POST) and deletes ARM throttled, held per subscription until Retry-After. */
export class ArmWriteHolds {
  readonly #until = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** Until when writes of this kind to the subscription are held, and how long that is from now (ms). */
  held(
    subscriptionId: string,
    kind: 'write' | 'delete',
  ): { until: number; waitMs: number } | undefined {
    const until = this.#until.get(`${subscriptionId.toLowerCase()}|${kind}`) ?? 0;
    const waitMs = until - this.now();
    return waitMs > 0 ? { until, waitMs } : undefined;
  }

  /** A 429 in which ARM throttles the subscription's writes holds the others for Retry-After. */
  record(subscriptionId: string, kind: 'write' | 'delete', response: PipelineResponse): void {
    if (response.status !== 429 || !SUBSCRIPTION_THROTTLED.test(response.bodyAsText ?? '')) return;
    const wait = retryAfterMs(response.headers) ?? DEFAULT_RETRY_AFTER_MS;
    const key = `${subscriptionId.toLowerCase()}|${kind}`;
    this.#until.set(key, Math.max(this.#until.get(key) ?? 0, this.now() + wait));
  }
}

/**
 * The pipeline policy for writes and deletes: runs once per attempt. While ARM holds the
 * subscription's writes of that kind, a write waits for the hold to end when that is no longer
 * than `maxWaitMs` (Surge's longest wait inside a call), else throws a 429 RestError (code
 * SurgeWritesHeld) without sending; then it sends and records the answer.
 */
export function writeHoldPolicy(holds: ArmWriteHolds, maxWaitMs: number): PipelinePolicy {
  return {
    name: WRITE_HOLD_POLICY,
    async sendRequest(request: PipelineRequest, next) {
      const kind = request.method === 'DELETE' ? 'delete' : 'write';
      const subscription =
        request.method === 'GET' || request.method === 'HEAD'
          ? undefined
          : subscriptionOf(request.url);
      if (subscription === undefined) return next(request);
      const held = holds.held(subscription, kind);
      if (held !== undefined) {
        if (held.waitMs > maxWaitMs) {
          throw new RestError(
            `ARM throttled ${kind}s of subscription ${subscription}: none is sent before ${new Date(held.until).toISOString()} (its Retry-After)`,
            { code: WRITES_HELD_CODE, statusCode: 429, request },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, held.waitMs));
      }
      const response = await next(request);
      holds.record(subscription, kind, response);
      return response;
    },
  };
}

/** What the write policy is called in the pipeline. */
const WRITE_HOLD_POLICY = 'surgeArmWriteHolds';
