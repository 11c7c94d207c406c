/**
 * `java.util.Random`, bit for bit: AWS's engine is Java, and a seeded `States.MathRandom` is most
 * likely `new Random(seed).nextInt(end - start) + start` (inference: seeded outputs are not
 * recorded). Deterministic, so allowed in this pure package.
 *
 * @internal
 * @module
 */
const MULTIPLIER = 0x5deece66dn;
const ADDEND = 0xbn;
const MASK = (1n << 48n) - 1n;

/** A Java `Random` seeded like `new Random(seed)`. */
export class JavaRandom {
  private seed: bigint;

  constructor(seed: bigint) {
    this.seed = (BigInt.asIntN(64, seed) ^ MULTIPLIER) & MASK;
  }

  private next(bits: number): number {
    this.seed = (this.seed * MULTIPLIER + ADDEND) & MASK;
    return Number(BigInt.asIntN(32, this.seed >> BigInt(48 - bits)));
  }

  /** `Random.nextInt(bound)`: uniform in [0, bound), bound in (0, 2^31). */
  nextInt(bound: number): number {
    if (!Number.isInteger(bound) || bound <= 0 || bound > 2 ** 31 - 1) throw new RangeError(`bad bound ${bound}`);
    if ((bound & -bound) === bound) return Number((BigInt(bound) * BigInt(this.next(31))) >> 31n);
    for (;;) {
      const bits = this.next(31);
      const val = bits % bound;
      // Java draws again while `bits - val + (bound - 1)` overflows an int.
      if (((bits - val + (bound - 1)) | 0) >= 0) return val;
    }
  }

  /** `Random.nextDouble()`: uniform in [0, 1), 53 bits. */
  nextDouble(): number {
    return (this.next(26) * 2 ** 27 + this.next(27)) * 2 ** -53;
  }
}
