import type { WriteResult } from '../controller/activities';
import { toFailure } from './errors';

/** A write refused before it reached Azure, as the plain data activities return. */
export function refused(code: string, message: string): WriteResult {
  return { ok: false, failure: { kind: 'invalid', code, message } };
}

/**
 * Runs one Azure write for an activity: accepted → `{ok: true}`; failed → Azure's error as plain
 * data (never thrown: the controller decides what a failure means). `what` names the write in
 * the log, which never carries request bodies (they may hold secrets).
 */
export async function azureWrite(
  what: string,
  write: () => Promise<unknown>,
  log?: (message: string) => void,
): Promise<WriteResult> {
  try {
    await write();
    log?.(`${what}: accepted`);
    return { ok: true };
  } catch (e) {
    const failure = toFailure(e);
    log?.(`${what} failed: ${failure.kind} ${failure.code}: ${failure.message}`);
    return { ok: false, failure };
  }
}
