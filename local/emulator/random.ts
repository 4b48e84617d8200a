/**
 * Seeded randomness for the emulator. Nothing in the emulator calls Math.random: every draw comes
 * from an Rng derived from the emulator's seed and a label, so the same seed gives the same
 * latencies, faults and bursts. Streams are forked by label ("provision:<group>", "faults", …)
 * rather than shared, so that one group's draws do not depend on how many requests other parts of
 * the model happened to serve first.
 */

/** A random variable, in the unit of whatever it describes (milliseconds, messages). */
export type Distribution =
  /** A constant. */
  | number
  | { readonly kind: 'constant'; readonly value: number }
  /** Uniform on [min, max]. */
  | { readonly kind: 'uniform'; readonly min: number; readonly max: number }
  /** Normal, cut at 0 (and at `min` when given). */
  | {
      readonly kind: 'normal';
      readonly mean: number;
      readonly stddev: number;
      readonly min?: number;
    }
  /**
   * Log-normal with the given median and shape σ: long right tail, the usual shape of allocation
   * and image pull times. With median 10 000 and σ 0.5, p95 ≈ 10 000 × e^(1.645 × 0.5) ≈ 22 750.
   */
  | { readonly kind: 'lognormal'; readonly median: number; readonly sigma: number }
  /** Exponential with the given mean: the gaps of a Poisson process. */
  | { readonly kind: 'exponential'; readonly mean: number };

/**
 * 32-bit string hash (cyrb53's mixing, truncated): turns a seed and a label into PRNG state.
 * Distinct labels give unrelated streams; the same label always gives the same one.
 */
function hash32(text: string, salt: number): number {
  let h1 = 0xdeadbeef ^ salt;
  let h2 = 0x41c6ce57 ^ salt;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 ^ h2) >>> 0;
}

/**
 * xoshiro128** — small, fast, and good enough for simulation (not for cryptography). Its state is
 * four 32-bit words filled from hash32(seed:label); a state of all zeros cannot occur in practice
 * and is patched if it ever does.
 */
export class Rng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  readonly #seed: number;
  readonly #label: string;

  private constructor(seed: number, label: string) {
    this.#seed = seed;
    this.#label = label;
    const text = `${seed}:${label}`;
    this.#s0 = hash32(text, 1);
    this.#s1 = hash32(text, 2);
    this.#s2 = hash32(text, 3);
    this.#s3 = hash32(text, 4);
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
  }

  /** The root stream of a seed. */
  static fromSeed(seed: number): Rng {
    return new Rng(seed, '');
  }

  /**
   * An independent stream for `label`, derived from the seed (not from this stream's position):
   * forking the same label twice gives two identical streams.
   */
  fork(label: string): Rng {
    return new Rng(this.#seed, this.#label === '' ? label : `${this.#label}/${label}`);
  }

  /** A uniform number in [0, 1). */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9) >>> 0;
    const t = this.#s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result / 4294967296;
  }

  /** True with probability p (p ≤ 0 never, p ≥ 1 always; no draw is spent on either). */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.next() < p;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A version-4-shaped UUID from this stream (deterministic, so not unique across seeds). */
  uuid(): string {
    const hex = (bits: number) =>
      Math.floor(this.next() * 2 ** bits)
        .toString(16)
        .padStart(bits / 4, '0');
    const variant = (8 + this.int(4)).toString(16);
    return `${hex(32)}-${hex(16)}-4${hex(12)}-${variant}${hex(12)}-${hex(24)}${hex(24)}`;
  }

  /** A standard normal draw (Box–Muller; the second value is thrown away to keep streams simple). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log(0) is not an option
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** One draw of `d`, never negative. */
export function sample(d: Distribution, rng: Rng): number {
  if (typeof d === 'number') return Math.max(0, d);
  switch (d.kind) {
    case 'constant':
      return Math.max(0, d.value);
    case 'uniform':
      return Math.max(0, d.min + (d.max - d.min) * rng.next());
    case 'normal':
      return Math.max(d.min ?? 0, d.mean + d.stddev * rng.normal());
    case 'lognormal':
      return Math.max(0, d.median * Math.exp(d.sigma * rng.normal()));
    case 'exponential':
      return -d.mean * Math.log(1 - rng.next());
  }
}

/** Checks that a distribution's parameters make sense; returns a message or undefined. */
export function distributionProblem(d: Distribution): string | undefined {
  const finite = (...xs: number[]) => xs.every((x) => Number.isFinite(x) && x >= 0);
  if (typeof d === 'number') return finite(d) ? undefined : 'must be a number >= 0';
  switch (d.kind) {
    case 'constant':
      return finite(d.value) ? undefined : 'value must be >= 0';
    case 'uniform':
      return finite(d.min, d.max) && d.min <= d.max ? undefined : 'needs 0 <= min <= max';
    case 'normal':
      return finite(d.mean, d.stddev) ? undefined : 'needs mean >= 0 and stddev >= 0';
    case 'lognormal':
      return finite(d.median, d.sigma) ? undefined : 'needs median >= 0 and sigma >= 0';
    case 'exponential':
      return finite(d.mean) ? undefined : 'needs mean >= 0';
  }
}
