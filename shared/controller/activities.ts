import type { AzureFailure } from '../azure/errors';
import type { GroupSnapshot, ProfileSnapshot } from '../azure/ports';
import type { PoolSpec } from '../config/poolSpec';
import type { SiteChoice } from '../policy/placement';
import type { PoolVersion } from '../policy/version';
import type { QuotaRead } from '../watch/usage';
import type { DepthReading } from './signal';

/**
 * The contracts between the controller orchestration and its activities: names, inputs and
 * results, all plain JSON because they are recorded in orchestration history. Secrets never
 * appear here; createGroup resolves them from app settings itself.
 */

/** Activity names. */
export const ACTIVITY = {
  observePool: 'observePool',
  readDepth: 'readDepth',
  createGroup: 'createGroup',
  deleteGroup: 'deleteGroup',
  setEndpoint: 'setEndpoint',
  removeEndpoint: 'removeEndpoint',
  probeGroup: 'probeGroup',
} as const;

/** Input of observePool. */
export interface ObservePoolInput {
  readonly pool: string;
  /** Running groups whose instance view was read recently enough: list them, do not GET them. */
  readonly skipInstanceView: readonly string[];
  /**
   * Hash of the pool spec the controller already holds: when the spec is unchanged the result
   * leaves it out. Every activity result is stored in orchestration history and re-read on every
   * replay, so a spec sent back on every look would cost its size on every episode.
   */
  readonly knownSpec?: string;
}

/** Result of observePool. */
export type ObservePoolResult =
  /** The pool is no longer configured: the controller ends and leaves its groups alone. */
  | { readonly found: false }
  | {
      readonly found: true;
      /** The pool spec; absent when it is the one the controller holds (input.knownSpec). */
      readonly spec?: PoolSpec;
      /** Hash of the spec, to send back as knownSpec. */
      readonly specHash: string;
      /** Groups tagged for the pool (instance views for those read one by one); absent when listing failed. */
      readonly groups?: readonly GroupSnapshot[];
      /** Names whose instance view was read in this observation. */
      readonly instanceViewsRead: readonly string[];
      /** The pool's Traffic Manager profile, when it has one and it could be read. */
      readonly profile?: ProfileSnapshot;
      /** ACI quota usage of the regions of the pool's sites (by region), those that could be read. */
      readonly quota?: Readonly<Record<string, QuotaRead>>;
      readonly failure?: AzureFailure;
      /**
       * ARM throttles the subscription's reads and the pools there look in turns: the time of
       * this pool's (ms). Set only when the look did not list the groups.
       */
      readonly turnAt?: number;
    };

/** An observation with its spec in hand (sent back, or the one the controller holds). */
export type Observation = Extract<ObservePoolResult, { found: true }> & { readonly spec: PoolSpec };

/** Input of readDepth. */
export interface ReadDepthInput {
  readonly pool: string;
}

/** Result of readDepth. */
export type ReadDepthResult =
  | { readonly ok: true; readonly sample: DepthReading }
  | { readonly ok: false; readonly failure: AzureFailure };

/** Input of createGroup. */
export interface CreateGroupInput {
  readonly pool: string;
  readonly name: string;
  readonly version: PoolVersion;
  /** ISO time written to the surge-created tag. */
  readonly createdAt: string;
  /**
   * Where the group runs (written as the surge-site tag). Absent in a create scheduled by a
   * Surge from before sites: the pool's first site.
   */
  readonly site?: SiteChoice;
}

/** Input of deleteGroup. */
export interface DeleteGroupInput {
  readonly pool: string;
  readonly name: string;
  /** Why, for the log: "scale-in", "failed: …", "foreign". */
  readonly reason: string;
  /**
   * The quota the delete frees (one group, and its cores in the region), so pools placing groups
   * before the next usage read may use it; absent for a group whose site is unknown.
   */
  readonly frees?: { readonly location: string; readonly cores: number; readonly spot: boolean };
}

/** Result of createGroup and deleteGroup: accepted by ARM, or why not. */
export type WriteResult =
  { readonly ok: true } | { readonly ok: false; readonly failure: AzureFailure };

/** Input of setEndpoint: create or update the pool's external endpoint for one group. */
export interface SetEndpointInput {
  readonly pool: string;
  /** The endpoint's name: the group's name. */
  readonly name: string;
  /** The group's FQDN. */
  readonly target: string;
  readonly weight: number;
  readonly enabled: boolean;
}

/** Input of removeEndpoint. */
export interface RemoveEndpointInput {
  readonly pool: string;
  readonly name: string;
}

/** Input of probeGroup: an HTTP GET of the group's health path. */
export interface ProbeGroupInput {
  readonly pool: string;
  readonly name: string;
  readonly fqdn: string;
}

/** Result of probeGroup: healthy (2xx) or why not. */
export interface ProbeResult {
  readonly ok: boolean;
  readonly detail: string;
}
