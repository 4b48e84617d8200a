import type {
  ContainerRequest,
  GroupRequest,
  RegistryCredentialRequest,
  VolumeRequest,
} from '../azure/ports';
import type { GroupTemplate, PoolSpec, SettingRef } from '../config/poolSpec';
import type { CreateGroupInput } from '../controller/activities';
import type { Site } from '../policy/placement';
import { TAG_SITE, choiceOf, sitesOf } from '../policy/placement';
import { TAG_CREATED, TAG_POOL, TAG_VERSION } from '../policy/version';

/** A secret the template needs whose app setting is not set. */
export class MissingSettingError extends Error {
  override readonly name = 'MissingSettingError';
}

/** Reads the app setting a secret names; a missing one stops the create naming pool and field. */
type SecretReader = (ref: SettingRef, field: string) => string;

/**
 * Builds the PUT for one group from the pool's template, the version's images and the app
 * settings that hold its secrets. Secrets are read here, at create time, so they never enter
 * orchestration history; environment secrets always travel as `secureValue`.
 */
export function buildGroupRequest(
  spec: PoolSpec,
  input: CreateGroupInput,
  readSetting: (name: string) => string | undefined,
): GroupRequest {
  const secret: SecretReader = (ref, field) => {
    const value = readSetting(ref.fromSetting);
    if (value === undefined || value === '') {
      throw new MissingSettingError(
        `pool "${spec.name}": ${field}: app setting ${ref.fromSetting} is not set`,
      );
    }
    return value;
  };
  const group = spec.group;
  const registry = group.registry;
  const ports = [...new Set(group.containers.flatMap((c) => c.ports))].sort((a, b) => a - b);
  const site = input.site ?? choiceOf(sitesOf(spec)[0] as Site);
  // A subnet gives private IPs: the ports are reached inside the virtual network.
  const publicDns = site.subnetId === undefined && (group.publicDns ?? ports.length > 0);
  return {
    subscriptionId: spec.azure.subscriptionId,
    resourceGroup: spec.azure.resourceGroup,
    name: input.name,
    location: site.location,
    tags: {
      [TAG_POOL]: spec.name,
      [TAG_VERSION]: input.version.id,
      [TAG_CREATED]: input.createdAt,
      [TAG_SITE]: site.site,
    },
    osType: group.osType,
    restartPolicy: group.restartPolicy,
    containers: containersOf(group, input, secret),
    registryCredentials: registry ? [registryCredential(registry, secret)] : [],
    identities: [
      ...new Set([...group.identities, ...(registry?.identity ? [registry.identity] : [])]),
    ],
    volumes: group.volumes.map((v, i) => volumeOf(v, i, secret)),
    ...(publicDns ? { publicDns: { dnsNameLabel: input.name, ports } } : {}),
    ...(site.priority === 'Spot' ? { priority: 'Spot' as const } : {}),
    ...(site.zone !== undefined ? { zone: site.zone } : {}),
    ...(site.subnetId !== undefined ? { subnet: { id: site.subnetId, ports } } : {}),
  };
}

/** The containers, each with the version's image and its secure environment resolved. */
function containersOf(
  group: GroupTemplate,
  input: CreateGroupInput,
  secret: SecretReader,
): ContainerRequest[] {
  return group.containers.map((c, i) => ({
    name: c.name,
    image: input.version.images[c.name] ?? c.image,
    ...(c.command ? { command: c.command } : {}),
    cpu: c.cpu,
    memoryInGB: c.memoryInGB,
    ports: c.ports,
    environment: [
      ...Object.entries(c.environment).map(([name, value]) => ({ name, value })),
      ...Object.entries(c.secureEnvironment).map(([name, ref]) => ({
        name,
        secureValue: secret(ref, `group.containers[${i}].secureEnvironment.${name}`),
      })),
    ],
    volumeMounts: c.volumeMounts,
  }));
}

/** A volume: an Azure Files share (its key resolved), secret files (resolved), or emptyDir. */
function volumeOf(
  v: GroupTemplate['volumes'][number],
  i: number,
  secret: SecretReader,
): VolumeRequest {
  if (v.azureFile) {
    const { storageAccountKey, ...share } = v.azureFile;
    const key = secret(storageAccountKey, `group.volumes[${i}].azureFile.storageAccountKey`);
    return { name: v.name, azureFile: { ...share, storageAccountKey: key } };
  }
  if (v.secret) {
    const files = Object.entries(v.secret).map(([file, ref]): [string, string] => [
      file,
      secret(ref, `group.volumes[${i}].secret.${file}`),
    ]);
    return { name: v.name, secret: Object.fromEntries(files) };
  }
  return { name: v.name, emptyDir: {} };
}

/** How the group pulls from the registry: a managed identity, or a user and its password. */
function registryCredential(
  registry: NonNullable<GroupTemplate['registry']>,
  secret: SecretReader,
): RegistryCredentialRequest {
  if (registry.identity) return { server: registry.server, identity: registry.identity };
  return {
    server: registry.server,
    username: registry.username,
    password: secret(registry.password as SettingRef, 'group.registry.password'),
  };
}
