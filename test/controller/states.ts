import type { PoolSpec } from '../../shared/config/poolSpec';
import { poolInput, poolsOf } from '../fakes/pools';
import type {
  ControllerState,
  GroupCounts,
  LogSlice,
  ObservedFleet,
  PlanSlice,
  ScaleSlice,
  SignalsSlice,
  VersionsSlice,
} from '../../shared/controller/state';
import { firstSight } from '../../shared/controller/state';

/** Parts of a controller state, slice by slice; a fleet part makes the pool observed. */
export interface StateParts {
  readonly signals?: Partial<SignalsSlice>;
  readonly fleet?: Partial<Omit<ObservedFleet, 'observed'>>;
  readonly versions?: Partial<VersionsSlice>;
  readonly scale?: Partial<ScaleSlice>;
  readonly plan?: Partial<PlanSlice>;
  readonly log?: Partial<LogSlice>;
}

/** A minimal pool spec, for fleets whose spec the case does not care about. */
export function minimalSpec(name = 'orders'): PoolSpec {
  return poolsOf(poolInput(name)).pools[0] as PoolSpec;
}

/** Group counts: none of anything, but what the case gives. */
export function groupCounts(parts: Partial<GroupCounts> = {}): GroupCounts {
  return {
    running: 0,
    pending: 0,
    failed: 0,
    deleting: 0,
    foreign: 0,
    byVersion: {},
    bySite: {},
    ...parts,
  };
}

/** An observed fleet: the spec seen at `at`, no health known, no backoff. */
export function observedFleet(spec: PoolSpec = minimalSpec(), at = 0): ObservedFleet {
  return firstSight(spec, 'test', at);
}

/** The state with each given part merged into its slice. */
export function stateWith(state: ControllerState, parts: StateParts): ControllerState {
  const fleet: ObservedFleet | undefined = parts.fleet
    ? { ...(state.fleet.observed ? state.fleet : observedFleet()), ...parts.fleet }
    : undefined;
  return {
    ...state,
    signals: { ...state.signals, ...parts.signals },
    fleet: fleet ?? state.fleet,
    versions: { ...state.versions, ...parts.versions },
    scale: { ...state.scale, ...parts.scale },
    plan: { ...state.plan, ...parts.plan },
    log: { ...state.log, ...parts.log },
  };
}
