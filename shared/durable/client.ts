import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { runtime } from '../runtime';
import type { Controllers } from './controllers';
import { durableControllers } from './controllers';

/**
 * The pool controllers, through the Durable client bound to this invocation (its registration
 * declares `extraInputs: [df.input.durableClient()]`), with this app instance's memory of the
 * controllers it has seen running.
 */
export function controllersOf(context: InvocationContext): Controllers {
  const r = runtime();
  return durableControllers(df.getClient(context), r.now, r.memory.seenAlive);
}
