/**
 * The narrow ports between Surge's logic and Azure. Everything here is plain data: the Azure SDK
 * types stay inside the adapters (containerGroups.ts, queueMetrics.ts, trafficRouter.ts), so the
 * activities, the policy and the tests never see them.
 */
import type { TurnAnswer } from '../policy/readTurns';

/** Where a container group lives. */
export interface GroupRef {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

/** One environment variable of a container; exactly one of value and secureValue is set. */
export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  /** Sent as ACI `secureValue`: never echoed by Azure, never logged by Surge. */
  readonly secureValue?: string;
}

/** A container of a group to create, secrets already resolved. */
export interface ContainerRequest {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly cpu: number;
  readonly memoryInGB: number;
  readonly ports: readonly number[];
  readonly environment: readonly EnvVar[];
  readonly volumeMounts: readonly { name: string; mountPath: string; readOnly: boolean }[];
}

/** A volume of a group to create, secrets already resolved. */
export interface VolumeRequest {
  readonly name: string;
  readonly azureFile?: {
    shareName: string;
    storageAccountName: string;
    storageAccountKey: string;
    readOnly: boolean;
  };
  /** File name → file contents (plain text; the adapter base64-encodes as ACI requires). */
  readonly secret?: Readonly<Record<string, string>>;
  readonly emptyDir?: Record<string, never>;
}

/** A registry credential: a managed identity, or a user and password. */
export interface RegistryCredentialRequest {
  readonly server: string;
  readonly identity?: string;
  readonly username?: string;
  readonly password?: string;
}

/** Everything needed to PUT one container group. Contains resolved secrets: never log it. */
export interface GroupRequest extends GroupRef {
  readonly location: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly osType: 'Linux' | 'Windows';
  readonly restartPolicy: 'Always' | 'OnFailure' | 'Never';
  readonly containers: readonly ContainerRequest[];
  readonly registryCredentials: readonly RegistryCredentialRequest[];
  /** User-assigned identity resource ids given to the group. */
  readonly identities: readonly string[];
  readonly volumes: readonly VolumeRequest[];
  /** Public IP with this DNS label and these TCP ports; absent for a group without ingress. */
  readonly publicDns?: { readonly dnsNameLabel: string; readonly ports: readonly number[] };
  /** Spot: cheaper, may be evicted, no inbound connectivity. Absent: Regular. */
  readonly priority?: 'Regular' | 'Spot';
  /** The availability zone of the group (ACI places a group in one zone at most). */
  readonly zone?: string;
  /**
   * A delegated subnet (resource id) of the region's virtual network: the group gets a private IP
   * there, its ports reachable inside the network; never together with `publicDns`.
   */
  readonly subnet?: { readonly id: string; readonly ports: readonly number[] };
}

/** A container as the instance view reports it. */
export interface ContainerSnapshot {
  readonly name: string;
  readonly image: string;
  /** Running, Waiting or Terminated; absent before the container was scheduled. */
  readonly state?: string;
  readonly detailStatus?: string;
  readonly startTime?: string;
  readonly exitCode?: number;
  readonly restartCount: number;
}

/** An event of the group or one of its containers (Pulling, Started, InsufficientCapacity., …). */
export interface GroupEvent {
  readonly name: string;
  readonly message?: string;
  readonly type?: string;
  readonly count?: number;
  readonly firstTimestamp?: string;
  readonly lastTimestamp?: string;
}

/** A container group as Azure reports it. */
export interface GroupSnapshot {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Pending, Creating, Succeeded, Failed, Deleting, … as ARM reports it. */
  readonly provisioningState: string;
  readonly fqdn?: string;
  /** The group's region, as ARM reports it (e.g. westeurope). */
  readonly location?: string;
  /** Its availability zone, when it has one. */
  readonly zone?: string;
  /** Present for a Spot group. */
  readonly priority?: 'Spot';
  /** Present when the group was read one by one (GET); ARM lists leave it out. */
  readonly instanceView?: {
    /** Running, Stopped, Pending, Succeeded or Failed. */
    readonly state?: string;
    readonly containers: readonly ContainerSnapshot[];
    readonly events: readonly GroupEvent[];
  };
}

/**
 * Container groups (Microsoft.ContainerInstance). Calls that change a group return as soon as ARM
 * has accepted them: provisioning is never awaited here, the controller polls with durable timers.
 * Failures throw AzureError (errors.ts).
 */
export interface ContainerGroups {
  /** Every group in a resource group, without instance views; one ARM read per page. */
  list(subscriptionId: string, resourceGroup: string): Promise<GroupSnapshot[]>;
  /** One group with its instance view, or undefined when it does not exist. */
  get(ref: GroupRef): Promise<GroupSnapshot | undefined>;
  /** Sends the create-or-update PUT (idempotent for a given name) and returns once accepted. */
  beginCreate(request: GroupRequest): Promise<void>;
  /** Sends the DELETE and returns once accepted; a group that is already gone is not an error. */
  beginDelete(ref: GroupRef): Promise<void>;
  /** The subscription's ACI quota lines in a region, with what is in use; one ARM read. */
  usage(subscriptionId: string, location: string): Promise<RegionUsage>;
}

/** One quota line: what is in use and the limit. */
export interface UsageLine {
  readonly current: number;
  readonly limit: number;
}

/**
 * A region's ACI quota lines as `location.listUsage` reports them. A line the region does not
 * report is absent (Spot cores are not reported everywhere); lines Surge does not place by are
 * left out.
 */
export interface RegionUsage {
  readonly containerGroups?: UsageLine;
  /** StandardCores: cores of Regular groups. */
  readonly cores?: UsageLine;
  /** StandardSpotCores: cores of Spot groups. */
  readonly spotCores?: UsageLine;
}

/** Depth of one Service Bus entity, as the administration API's CountDetails report it. */
export interface EntityDepth {
  /** Queue name, or `topic/Subscriptions/subscription`. */
  readonly entity: string;
  /** Messages that can be received now: what scaling follows (as KEDA does). */
  readonly active: number;
  readonly deadLetter: number;
  readonly scheduled: number;
}

/**
 * Queue metrics (Service Bus administration API). Listing calls make one HTTP call per page, so
 * the depth watch reads a whole namespace in a few calls however many pools it serves.
 * Failures throw AzureError.
 */
export interface QueueMetrics {
  /** Depth of every queue of a namespace. */
  listQueues(namespace: string): Promise<EntityDepth[]>;
  /** Depth of every subscription of a topic. */
  listSubscriptions(namespace: string, topic: string): Promise<EntityDepth[]>;
  /** Depth of one queue or `topic/Subscriptions/subscription`; undefined when it does not exist. */
  get(namespace: string, entity: string): Promise<EntityDepth | undefined>;
}

/** Where a Traffic Manager profile lives. */
export interface ProfileRef {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly profile: string;
}

/** An external endpoint of a profile. */
export interface EndpointSnapshot {
  readonly name: string;
  readonly target: string;
  readonly weight: number;
  readonly enabled: boolean;
  /** CheckingEndpoint, Online, Degraded, Disabled, Inactive, Stopped. */
  readonly monitorStatus?: string;
}

/** A Traffic Manager profile with its external endpoints. */
export interface ProfileSnapshot {
  readonly routingMethod: string;
  readonly ttlSeconds: number;
  readonly fqdn?: string;
  readonly endpoints: readonly EndpointSnapshot[];
}

/** Traffic Manager (Microsoft.Network/trafficmanagerprofiles). Failures throw AzureError. */
export interface TrafficRouter {
  getProfile(ref: ProfileRef): Promise<ProfileSnapshot | undefined>;
  /** Creates or updates an external endpoint. */
  putEndpoint(
    ref: ProfileRef,
    endpoint: { name: string; target: string; weight: number; enabled: boolean },
  ): Promise<EndpointSnapshot>;
  /** Deletes an external endpoint; one that is already gone is not an error. */
  deleteEndpoint(ref: ProfileRef, name: string): Promise<void>;
}

/** The Azure side of Surge, as the activities and triggers see it. */
export interface AzurePorts {
  readonly containerGroups: ContainerGroups;
  readonly queueMetrics: QueueMetrics;
  readonly trafficRouter: TrafficRouter;
  /** Turns at the app's ARM read budget, shared by the two ARM ports. */
  readonly readTurns: ReadTurns;
}

/**
 * Turns at the ARM read budget of the app instance (readBudget.ts): while ARM throttles a
 * subscription's reads, looks at its pools take turns.
 */
export interface ReadTurns {
  /** Whether `pool` may look now, or when its turn is (ms). */
  turn(subscriptionId: string, pool: string): TurnAnswer;
  /** A look at a pool of the subscription sent `reads` reads. */
  looked(subscriptionId: string, reads: number): void;
}
