import type { GroupRequest, VolumeRequest } from '../azure/ports';
import type { PoolSpec, SettingRef } from '../config/poolSpec';
import type { CreateGroupInput } from '../controller/activities';
import { TAG_CREATED, TAG_POOL, TAG_VERSION } from '../policy/version';

/** A secret the template needs whose app setting is not set. */
export class MissingSettingError extends Error {
  override readonly name = 'MissingSettingError';
}

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
  const secret = (ref: SettingRef, field: string): string => {
    const value = readSetting(ref.fromSetting);
    if (value === undefined || value === '') {
      throw new MissingSettingError(
        `pool "${spec.name}": ${field}: app setting ${ref.fromSetting} is not set`,
      );
    }
    return value;
  };
  const group = spec.group;
  const containers = group.containers.map((c, i) => ({
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
  const volumes: VolumeRequest[] = group.volumes.map((v, i) => {
    if (v.azureFile) {
      const { storageAccountKey, ...share } = v.azureFile;
      return {
        name: v.name,
        azureFile: {
          ...share,
          storageAccountKey: secret(
            storageAccountKey,
            `group.volumes[${i}].azureFile.storageAccountKey`,
          ),
        },
      };
    }
    if (v.secret) {
      return {
        name: v.name,
        secret: Object.fromEntries(
          Object.entries(v.secret).map(([file, ref]) => [
            file,
            secret(ref, `group.volumes[${i}].secret.${file}`),
          ]),
        ),
      };
    }
    return { name: v.name, emptyDir: {} };
  });
  const registry = group.registry;
  const ports = [...new Set(group.containers.flatMap((c) => c.ports))].sort((a, b) => a - b);
  const publicDns = group.publicDns ?? ports.length > 0;
  return {
    subscriptionId: spec.azure.subscriptionId,
    resourceGroup: spec.azure.resourceGroup,
    name: input.name,
    location: spec.azure.location,
    tags: {
      [TAG_POOL]: spec.name,
      [TAG_VERSION]: input.version.id,
      [TAG_CREATED]: input.createdAt,
    },
    osType: group.osType,
    restartPolicy: group.restartPolicy,
    containers,
    registryCredentials: registry
      ? [
          registry.identity
            ? { server: registry.server, identity: registry.identity }
            : {
                server: registry.server,
                username: registry.username,
                password: secret(registry.password as SettingRef, 'group.registry.password'),
              },
        ]
      : [],
    identities: [
      ...new Set([...group.identities, ...(registry?.identity ? [registry.identity] : [])]),
    ],
    volumes,
    ...(publicDns ? { publicDns: { dnsNameLabel: input.name, ports } } : {}),
  };
}
