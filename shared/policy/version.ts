import type { PoolSpec } from '../config/poolSpec';

/** The parts of an image reference: `registry/repository[:tag][@digest]`. */
export interface ImageRef {
  /** Registry host, e.g. contoso.azurecr.io; `docker.io` when the reference names none. */
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * A version of a pool: what every group of that version runs. `id` is the digest or tag of the
 * image the pool follows (what the `surge-version` tag holds); `images` maps container name to the
 * full image reference, so sidecars keep their own images.
 */
export interface PoolVersion {
  readonly id: string;
  readonly images: Readonly<Record<string, string>>;
}

/** Splits an image reference. `nginx` → docker.io/nginx, `a.io/b/c:1@sha256:x` → a.io, b/c, 1, sha256:x. */
export function parseImageRef(ref: string): ImageRef {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  // Docker's rule: the first component is a registry only if it looks like a host.
  const hasRegistry =
    slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  return {
    registry: hasRegistry ? first : 'docker.io',
    repository: hasRegistry ? rest.slice(slash + 1) : rest,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/**
 * The container whose image defines the pool's version: the first one from the followed
 * repository when the pool follows one, else the first container.
 */
function primaryContainer(spec: Pick<PoolSpec, 'group' | 'follow'>): string {
  const follow = spec.follow;
  const containers = spec.group.containers;
  if (follow) {
    const match = containers.find((c) => parseImageRef(c.image).repository === follow.repository);
    if (match) return match.name;
  }
  return (containers[0] as { name: string }).name;
}

/** The version the spec describes: its primary image's digest (preferred) or tag. */
export function specVersion(spec: Pick<PoolSpec, 'group' | 'follow'>): PoolVersion {
  const primary = primaryContainer(spec);
  const images: Record<string, string> = {};
  for (const c of spec.group.containers) images[c.name] = c.image;
  const ref = parseImageRef(images[primary] as string);
  return { id: ref.digest ?? ref.tag ?? 'latest', images };
}

/**
 * Eight hex characters that stand for a version id inside group names. FNV-1a (32 bit) rather
 * than a crypto hash because this runs inside the orchestration, where node:crypto is off limits;
 * two versions of one pool colliding would need 1 chance in 4 billion.
 */
export function versionHash(id: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** Deterministic group name: `{pool}-{versionHash}-{ordinal}`, so a retried create is the same PUT. */
export function groupName(pool: string, versionId: string, ordinal: number): string {
  return `${pool}-${versionHash(versionId)}-${ordinal}`;
}

/**
 * Names for `count` new groups of a version: the lowest ordinals that no existing group (of any
 * state, any version) uses. Example: groups 0, 1 and 3 exist, 2 new → ordinals 2 and 4. Lowest
 * first keeps names compact, and a retried create lands on the same name (an idempotent PUT).
 */
export function freeNames(
  pool: string,
  versionId: string,
  taken: readonly string[],
  count: number,
): string[] {
  const used = new Set(taken);
  const names: string[] = [];
  for (let ordinal = 0; names.length < count; ordinal++) {
    const name = groupName(pool, versionId, ordinal);
    if (!used.has(name)) names.push(name);
  }
  return names;
}

/** The ordinal of a group name of this pool and version, or undefined when the name is not ours. */
export function parseGroupName(pool: string, versionId: string, name: string): number | undefined {
  const prefix = `${pool}-${versionHash(versionId)}-`;
  if (!name.startsWith(prefix)) return undefined;
  const tail = name.slice(prefix.length);
  return /^(0|[1-9]\d{0,3})$/.test(tail) ? Number(tail) : undefined;
}

/** Tags every group carries, so the pool can always be re-read from Azure. */
export const TAG_POOL = 'surge-pool';
/** Tag holding the version id (digest or tag) of the group's primary image. */
export const TAG_VERSION = 'surge-version';
/** Tag holding the ISO time the group was created by Surge. */
export const TAG_CREATED = 'surge-created';
