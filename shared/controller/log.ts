import type { Decision, LogSlice, StatusError } from './state';
import { MAX_DECISIONS, MAX_ERRORS, appendBounded } from './state';

/**
 * The status log: the decisions and errors a pool's status shows. Every stage hands its errors
 * and its part of the reason to `decide`, which records them here, so the log has one writer.
 */

/** The log with one more error (the oldest beyond MAX_ERRORS dropped). */
export function withError(log: LogSlice, error: StatusError): LogSlice {
  return { ...log, errors: appendBounded(log.errors, error, MAX_ERRORS) };
}

/** The log with several more errors, in order. */
export function withErrors(log: LogSlice, errors: readonly StatusError[]): LogSlice {
  return errors.reduce(withError, log);
}

/** The log after ARM refused a create with a failure of this kind (counted in createRefusals). */
export function withRefusedCreate(log: LogSlice, kind: string): LogSlice {
  const counts = log.createRefusals ?? {};
  return { ...log, createRefusals: { ...counts, [kind]: (counts[kind] ?? 0) + 1 } };
}

/** What a decision record is made of; `pending` is derived (live − running). */
export type DecisionFacts = Omit<Decision, 'pending'>;

/** A decision record. Example: 5 live of which 3 running → pending 2. */
export function decisionOf(facts: DecisionFacts): Decision {
  return {
    at: facts.at,
    trigger: facts.trigger,
    desired: facts.desired,
    live: facts.live,
    running: facts.running,
    pending: facts.live - facts.running,
    failed: facts.failed,
    creates: facts.creates,
    deletes: facts.deletes,
    reason: facts.reason,
  };
}

/**
 * Records a decision as the last one, and in the recent list when it says something new: it
 * writes, or its count or reason differ from the last decision's. A steady pool re-deciding the
 * same thing every minute would otherwise push every interesting decision out of the list.
 */
export function withDecision(log: LogSlice, decision: Decision, wrote: boolean): LogSlice {
  const last = log.lastDecision;
  const news = wrote || decision.desired !== last?.desired || decision.reason !== last?.reason;
  return {
    ...log,
    lastDecision: decision,
    decisions: news ? appendBounded(log.decisions, decision, MAX_DECISIONS) : log.decisions,
  };
}

/** Records a decision as the last one without adding it to the recent list (a paused pool). */
export function withLastDecision(log: LogSlice, decision: Decision): LogSlice {
  return { ...log, lastDecision: decision };
}
