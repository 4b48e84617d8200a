/**
 * The ContainerGroups port over @azure/arm-containerinstance (api-version 2023-05-01).
 *
 * beginCreate and beginDelete send exactly one HTTP request. The generated beginCreateOrUpdate and
 * beginDelete cannot: they build a core-lro poller whose creation sends the PUT/DELETE and then call
 * `await poller.poll()` once more, which GETs the Azure-AsyncOperation URL whenever ARM answered
 * 201/202 (always, for a create). So this adapter sends the operation itself through the client's
 * `sendOperationRequest` with the SDK's own OperationSpec (same path template, serializer, mappers,
 * pipeline). The specs are private to the package; `operationSpecs()` obtains them once by letting
 * the generated begin* method hand them to a probe client that stops before any I/O.
 */
import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import type {
  Container,
  ContainerGroup,
  Event as AciEvent,
  ImageRegistryCredential,
  Volume,
} from '@azure/arm-containerinstance';
import type { OperationArguments, OperationSpec } from '@azure/core-client';
import { isNotFound, toAzureError } from './classify';
import { AzureError } from './errors';
import { armClientsBySubscription } from './pipeline';
import type { AzureClientOptions } from './pipeline';
import type {
  ContainerGroups,
  ContainerSnapshot,
  GroupEvent,
  GroupRequest,
  GroupSnapshot,
  RegionUsage,
  RegistryCredentialRequest,
  UsageLine,
} from './ports';

/** Builds the ContainerGroups port; one SDK client per subscription id, created on first use. */
export function createContainerGroups(options: AzureClientOptions): ContainerGroups {
  const clientFor = armClientsBySubscription(
    options,
    (subscriptionId, clientOptions) =>
      new ContainerInstanceManagementClient(options.credential, subscriptionId, clientOptions),
  );

  return {
    async list(subscriptionId, resourceGroup) {
      try {
        const groups: GroupSnapshot[] = [];
        const pages = clientFor(subscriptionId).containerGroups.listByResourceGroup(resourceGroup);
        // byPage() sends one GET per page and follows nextLink until ARM stops returning one.
        for await (const page of pages.byPage()) {
          for (const group of page) groups.push(toGroupSnapshot(group, false));
        }
        return groups;
      } catch (error) {
        throw toAzureError(error);
      }
    },

    async get(ref) {
      try {
        const group = await clientFor(ref.subscriptionId).containerGroups.get(
          ref.resourceGroup,
          ref.name,
        );
        return toGroupSnapshot(group, true);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw toAzureError(error);
      }
    },

    async beginCreate(request) {
      const body = toContainerGroup(request);
      try {
        const { createOrUpdate } = await operationSpecs();
        await clientFor(request.subscriptionId).sendOperationRequest(
          {
            resourceGroupName: request.resourceGroup,
            containerGroupName: request.name,
            containerGroup: body,
            options: {},
          },
          createOrUpdate,
        );
      } catch (error) {
        throw toAzureError(error, secretsOf(request));
      }
    },

    usage: (subscriptionId, location) => readUsage(clientFor(subscriptionId), location),

    async beginDelete(ref) {
      try {
        const { delete: deleteSpec } = await operationSpecs();
        await clientFor(ref.subscriptionId).sendOperationRequest(
          { resourceGroupName: ref.resourceGroup, containerGroupName: ref.name, options: {} },
          deleteSpec,
        );
      } catch (error) {
        // Already gone (or its resource group is): what the caller wanted.
        if (isNotFound(error)) return;
        throw toAzureError(error);
      }
    },
  };
}

/**
 * Maps Surge's GroupRequest to the SDK's ContainerGroup (the SDK serializer then nests it under
 * `properties` on the wire). Pure. Secrets go only where ACI keeps them write-only: environment
 * values as `secureValue`, registry `password`, `storageAccountKey` and `secret` volume files.
 */
export function toContainerGroup(request: GroupRequest): ContainerGroup {
  const registryIdentities = request.registryCredentials.flatMap((r) =>
    r.identity !== undefined ? [r.identity] : [],
  );
  const identityIds = uniqueIgnoringCase([...request.identities, ...registryIdentities]);
  return {
    location: request.location,
    tags: { ...request.tags },
    osType: request.osType,
    restartPolicy: request.restartPolicy,
    containers: request.containers.map((c): Container => ({
      name: c.name,
      image: c.image,
      ...(c.command !== undefined ? { command: [...c.command] } : {}),
      resources: { requests: { cpu: c.cpu, memoryInGB: c.memoryInGB } },
      ports: c.ports.map((port) => ({ port })),
      environmentVariables: c.environment.map((e) =>
        e.secureValue !== undefined
          ? { name: e.name, secureValue: e.secureValue }
          : { name: e.name, value: e.value ?? '' },
      ),
      volumeMounts: c.volumeMounts.map((m) => ({
        name: m.name,
        mountPath: m.mountPath,
        readOnly: m.readOnly,
      })),
    })),
    imageRegistryCredentials: request.registryCredentials.map(toRegistryCredential),
    ...(identityIds.length > 0
      ? {
          identity: {
            type: 'UserAssigned',
            userAssignedIdentities: Object.fromEntries(identityIds.map((id) => [id, {}])),
          },
        }
      : {}),
    volumes: request.volumes.map(toVolume),
    ...ipAddressOf(request),
    ...(request.priority === 'Spot' ? { priority: 'Spot' } : {}),
    ...(request.zone !== undefined ? { zones: [request.zone] } : {}),
    ...(request.subnet !== undefined ? { subnetIds: [{ id: request.subnet.id }] } : {}),
  };
}

/** A region's usage lines (one ARM read: the list has a single page). */
async function readUsage(
  client: ContainerInstanceManagementClient,
  location: string,
): Promise<RegionUsage> {
  try {
    const lines = new Map<string, UsageLine>();
    for await (const u of client.location.listUsage(location)) {
      const name = u.name?.value;
      if (name !== undefined && u.currentValue !== undefined && u.limit !== undefined) {
        lines.set(name, { current: u.currentValue, limit: u.limit });
      }
    }
    return usageOf(lines);
  } catch (error) {
    throw toAzureError(error);
  }
}

/** The quota lines Surge places by, from the lines a region reports (by their names). */
export function usageOf(lines: ReadonlyMap<string, UsageLine>): RegionUsage {
  const containerGroups = lines.get('ContainerGroups');
  const cores = lines.get('StandardCores');
  const spotCores = lines.get('StandardSpotCores');
  return {
    ...(containerGroups ? { containerGroups } : {}),
    ...(cores ? { cores } : {}),
    ...(spotCores ? { spotCores } : {}),
  };
}

/** A public IP with its DNS label, or a private one in the group's subnet, or none. */
function ipAddressOf(request: GroupRequest): Pick<ContainerGroup, 'ipAddress'> {
  const tcp = (ports: readonly number[]) => ports.map((port) => ({ port, protocol: 'TCP' }));
  if (request.publicDns !== undefined) {
    const { dnsNameLabel, ports } = request.publicDns;
    return { ipAddress: { type: 'Public', dnsNameLabel, ports: tcp(ports) } };
  }
  if (request.subnet !== undefined && request.subnet.ports.length > 0) {
    return { ipAddress: { type: 'Private', ports: tcp(request.subnet.ports) } };
  }
  return {};
}

function toRegistryCredential(r: RegistryCredentialRequest): ImageRegistryCredential {
  // An identity wins: a password must never travel when the identity alone suffices.
  if (r.identity !== undefined) return { server: r.server, identity: r.identity };
  if (r.username !== undefined && r.password !== undefined) {
    return { server: r.server, username: r.username, password: r.password };
  }
  throw new AzureError(
    'invalid',
    'InvalidRegistryCredential',
    `registry credential for ${r.server} needs an identity, or a username and a password`,
  );
}

function toVolume(v: GroupRequest['volumes'][number]): Volume {
  if (v.azureFile !== undefined) {
    return {
      name: v.name,
      azureFile: {
        shareName: v.azureFile.shareName,
        storageAccountName: v.azureFile.storageAccountName,
        storageAccountKey: v.azureFile.storageAccountKey,
        readOnly: v.azureFile.readOnly,
      },
    };
  }
  if (v.secret !== undefined) {
    // ACI requires each secret file's content base64-encoded in the request ("SecretValue1InBase64").
    const files = Object.entries(v.secret).map(
      ([file, text]) => [file, Buffer.from(text, 'utf8').toString('base64')] as const,
    );
    return { name: v.name, secret: Object.fromEntries(files) };
  }
  return { name: v.name, emptyDir: {} };
}

/** Resource ids compare case-insensitively in ARM; the first spelling is kept. */
function uniqueIgnoringCase(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  return ids.filter((id) => {
    const key = id.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Every secret value a request carries, in the forms it may take on the wire. */
function secretsOf(request: GroupRequest): string[] {
  const secrets: string[] = [];
  for (const c of request.containers) {
    for (const e of c.environment) if (e.secureValue !== undefined) secrets.push(e.secureValue);
  }
  for (const r of request.registryCredentials)
    if (r.password !== undefined) secrets.push(r.password);
  for (const v of request.volumes) {
    if (v.azureFile !== undefined) secrets.push(v.azureFile.storageAccountKey);
    for (const text of Object.values(v.secret ?? {})) {
      secrets.push(text, Buffer.from(text, 'utf8').toString('base64'));
    }
  }
  return secrets;
}

/**
 * Maps an SDK ContainerGroup to a GroupSnapshot. Pure. `withInstanceView` is true for a GET (ARM
 * includes the instance view) and false for list pages (ARM leaves it out). The snapshot's events
 * are the group's events followed by each container's, in container order: the port has one list,
 * and both carry what the controller looks for (Pulling, Started, InsufficientCapacity., FailedMount).
 */
export function toGroupSnapshot(group: ContainerGroup, withInstanceView: boolean): GroupSnapshot {
  const fqdn = group.ipAddress?.fqdn;
  const zone = group.zones?.[0];
  const snapshot: GroupSnapshot = {
    name: group.name ?? '',
    tags: { ...(group.tags ?? {}) },
    provisioningState: group.provisioningState ?? 'Unknown',
    ...(fqdn !== undefined ? { fqdn } : {}),
    ...(group.location !== undefined ? { location: group.location } : {}),
    ...(zone !== undefined ? { zone } : {}),
    ...(group.priority === 'Spot' ? { priority: 'Spot' } : {}),
  };
  if (!withInstanceView) return snapshot;
  const state = group.instanceView?.state;
  return {
    ...snapshot,
    instanceView: {
      ...(state !== undefined ? { state } : {}),
      containers: group.containers.map(toContainerSnapshot),
      events: [
        ...(group.instanceView?.events ?? []),
        ...group.containers.flatMap((c) => c.instanceView?.events ?? []),
      ].map(toGroupEvent),
    },
  };
}

function toContainerSnapshot(c: Container): ContainerSnapshot {
  const current = c.instanceView?.currentState;
  return {
    name: c.name,
    image: c.image,
    ...(current?.state !== undefined ? { state: current.state } : {}),
    ...(current?.detailStatus !== undefined ? { detailStatus: current.detailStatus } : {}),
    ...(current?.startTime !== undefined ? { startTime: isoTime(current.startTime) } : {}),
    ...(current?.exitCode !== undefined ? { exitCode: current.exitCode } : {}),
    restartCount: c.instanceView?.restartCount ?? 0,
  };
}

function toGroupEvent(e: AciEvent): GroupEvent {
  return {
    name: e.name ?? '',
    ...(e.message !== undefined ? { message: e.message } : {}),
    ...(e.type !== undefined ? { type: e.type } : {}),
    ...(e.count !== undefined ? { count: e.count } : {}),
    ...(e.firstTimestamp !== undefined ? { firstTimestamp: isoTime(e.firstTimestamp) } : {}),
    ...(e.lastTimestamp !== undefined ? { lastTimestamp: isoTime(e.lastTimestamp) } : {}),
  };
}

/** The SDK deserializes date-times to Date; the port carries ISO 8601 UTC strings. */
function isoTime(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : value;
}

// ---------------------------------------------------------------------------------------------
// The SDK's own operation specs for the PUT and the DELETE of one container group.

/** Thrown by the probe instead of sending: it carries nothing and never leaves this module. */
class ProbeStop extends Error {}

/** A client that records the OperationSpec the generated code passes to it and sends nothing. */
class SpecProbe extends ContainerInstanceManagementClient {
  private captured: OperationSpec | undefined;

  constructor() {
    // The probe never sends, so it needs no real credential or subscription.
    super({ getToken: () => Promise.resolve(null) }, 'probe');
  }

  override sendOperationRequest<T>(_args: OperationArguments, spec: OperationSpec): Promise<T> {
    this.captured = spec;
    return Promise.reject(new ProbeStop());
  }

  private lastCaptured(): OperationSpec | undefined {
    return this.captured;
  }

  /** Runs a generated begin* call up to its first sendOperationRequest and returns that spec. */
  async capture(call: (probe: this) => Promise<unknown>, method: string): Promise<OperationSpec> {
    this.captured = undefined;
    try {
      await call(this);
    } catch (error) {
      if (!(error instanceof ProbeStop)) throw error;
    }
    // Read through a method: TypeScript would keep `captured` narrowed to the undefined set above.
    const spec = this.lastCaptured();
    if (
      spec?.httpMethod !== method ||
      !spec.path?.endsWith('/containerGroups/{containerGroupName}')
    ) {
      // Only a change in @azure/arm-containerinstance can get here; fail loudly rather than
      // send the wrong operation.
      throw new Error(
        `@azure/arm-containerinstance did not yield the ${method} containerGroups operation`,
      );
    }
    return spec;
  }
}

let specs: Promise<{ createOrUpdate: OperationSpec; delete: OperationSpec }> | undefined;

/**
 * The SDK's createOrUpdate and delete OperationSpecs, captured once per process. The generated
 * begin* methods call `client.sendOperationRequest(args, spec)` synchronously on their way to the
 * first request; the probe records the spec and rejects, so no request, poller or timer remains.
 */
function operationSpecs(): Promise<{ createOrUpdate: OperationSpec; delete: OperationSpec }> {
  specs ??= (async () => {
    const probe = new SpecProbe();
    const group: ContainerGroup = { containers: [], osType: 'Linux' };
    const createOrUpdate = await probe.capture(
      (p) => p.containerGroups.beginCreateOrUpdate('rg', 'group', group),
      'PUT',
    );
    const del = await probe.capture((p) => p.containerGroups.beginDelete('rg', 'group'), 'DELETE');
    return { createOrUpdate, delete: del };
  })();
  return specs;
}
