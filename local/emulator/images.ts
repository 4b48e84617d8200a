/**
 * The emulator's image registry: the images a container group may reference, and how a container
 * of each behaves once running (how fast it drains its queue, how long it takes to warm up, how
 * long its pull takes, whether health probes find it Online). A group that references an image the
 * registry does not know is refused with InaccessibleImage, as ACI refuses an image it cannot pull.
 *
 * References are matched exactly first (`repo:1.4.2`, `repo@sha256:…`), then by repository
 * (`repo` registered without a tag matches every tag and digest of it), so a rollout test can give
 * one version a different health model from the rest of its repository.
 */
import type { Distribution } from './random';

/** How a container running an image behaves. Times in milliseconds, rates in messages per second. */
export interface ImageBehaviour {
  /** Messages per second one running container drains from its pool's queue (0: a sidecar). */
  readonly drainRate: number;
  /** Delay from Running until the container starts draining (process start, caches, …). */
  readonly warmUp: Distribution;
  /** Image pull time: how long the group stays Creating before its containers start. */
  readonly pull: Distribution;
  /**
   * Health as Traffic Manager probes see it: after `startup` from Running the container answers
   * probes; with probability `degradedProbability` (drawn once per group) it never does.
   */
  readonly health: { readonly startup: Distribution; readonly degradedProbability: number };
  /** The container exits again and again after start (restart count grows, nothing is drained). */
  readonly crashLoop: boolean;
  /** A private image: the group must carry an imageRegistryCredentials entry for its server. */
  readonly private: boolean;
}

/** What may be given when registering an image; the rest comes from the registry's defaults. */
export type ImageConfig = Partial<ImageBehaviour>;

/** Defaults for an image registered without details. */
export const DEFAULT_IMAGE: ImageBehaviour = {
  drainRate: 0,
  warmUp: { kind: 'uniform', min: 2_000, max: 8_000 },
  pull: { kind: 'lognormal', median: 12_000, sigma: 0.4 },
  health: { startup: { kind: 'uniform', min: 1_000, max: 5_000 }, degradedProbability: 0 },
  crashLoop: false,
  private: false,
};

/** Images every emulator knows unless the configuration says otherwise (used by the fixtures). */
export const BUILT_IN_IMAGES: Readonly<Record<string, ImageConfig>> = {
  nginx: {},
  'mcr.microsoft.com/azuredocs/aci-helloworld': {},
};

/**
 * Splits a reference into registry server, repository and tag/digest. Docker's rules, shortened:
 * the first path part is a registry server when it has a dot or a colon or is "localhost";
 * a missing tag means "latest".
 */
function parseImage(reference: string): {
  server: string;
  repository: string;
  version: string;
} {
  const at = reference.indexOf('@');
  let rest = at >= 0 ? reference.slice(0, at) : reference;
  let version = at >= 0 ? reference.slice(at + 1) : '';
  if (version === '') {
    const colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      version = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    } else {
      version = 'latest';
    }
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const isServer =
    slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  return {
    server: isServer ? first.toLowerCase() : 'docker.io',
    repository: (isServer ? rest.slice(slash + 1) : rest).toLowerCase(),
    version,
  };
}

/** The repository key `server/repository` and the full key `server/repository:version`. */
function keys(reference: string): { repo: string; full: string } {
  const p = parseImage(reference.trim());
  const repo = `${p.server}/${p.repository}`;
  return { repo, full: `${repo}${p.version.includes(':') ? '@' : ':'}${p.version}` };
}

/** The registry itself. */
export class ImageRegistry {
  readonly #byFull = new Map<string, { reference: string; config: ImageConfig }>();
  readonly #byRepo = new Map<string, { reference: string; config: ImageConfig }>();
  #defaults: ImageBehaviour;

  constructor(defaults: ImageBehaviour = DEFAULT_IMAGE) {
    this.#defaults = defaults;
  }

  /**
   * Registers (or updates, merging) an image. A reference with a tag or digest registers that
   * version; one without registers the whole repository.
   */
  push(reference: string, config: ImageConfig = {}): void {
    const { repo, full } = keys(reference);
    const hasVersion = /@|:[^/]*$/.test(reference.trim());
    const map = hasVersion ? this.#byFull : this.#byRepo;
    const key = hasVersion ? full : repo;
    const previous = map.get(key);
    map.set(key, { reference: reference.trim(), config: { ...previous?.config, ...config } });
  }

  /** Forgets an image (version or repository entry); true if it was known. */
  remove(reference: string): boolean {
    const { repo, full } = keys(reference);
    return /@|:[^/]*$/.test(reference.trim())
      ? this.#byFull.delete(full)
      : this.#byRepo.delete(repo);
  }

  /** The behaviour of an image, or undefined when the registry does not know it. */
  lookup(reference: string): ImageBehaviour | undefined {
    const { repo, full } = keys(reference);
    const version = this.#byFull.get(full);
    const repository = this.#byRepo.get(repo);
    if (version === undefined && repository === undefined) return undefined;
    return { ...this.#defaults, ...repository?.config, ...version?.config };
  }

  /** Registry server of a reference (for the private-image credential check). */
  serverOf(reference: string): string {
    return parseImage(reference).server;
  }

  /** Every registered entry with its effective behaviour. */
  list(): { reference: string; behaviour: ImageBehaviour }[] {
    return [...this.#byRepo.values(), ...this.#byFull.values()]
      .map((e) => ({ reference: e.reference, behaviour: this.lookup(e.reference)! }))
      .sort((a, b) => a.reference.localeCompare(b.reference));
  }
}
