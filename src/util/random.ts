/** A small seeded PRNG (xoshiro128**) with normal and uniform fills: reproducible weights and inputs. */
export class SeededRandom {
  // State words are kept as int32 (`| 0`), not uint32: V8 stores small integers unboxed, while
  // uint32 values above 2^31 become heap numbers and made every draw allocate (2-3x slower).
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  // Box-Muller's second value, kept for the next draw. A number plus a flag rather than
  // `number | null`, which V8 boxes on every write.
  private spare = 0;
  private hasSpare = false;
  private cosine = 0;

  constructor(seed: number) {
    // splitmix32 expands the seed into xoshiro128**'s four words of state.
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) | 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result / 4294967296;
  }

  /** Standard normal (Box-Muller, both values used). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    this.boxMuller();
    this.hasSpare = true;
    return this.cosine;
  }

  fillNormal(n: number, std: number, mean = 0): Float32Array {
    const a = new Float32Array(n);
    let i = 0;
    if (n > 0 && this.hasSpare) a[i++] = mean + std * this.normal();
    // Whole pairs without the spare round trip: the same sequence as calling normal() n times.
    for (; i + 1 < n; i += 2) {
      this.boxMuller();
      a[i] = mean + std * this.cosine;
      a[i + 1] = mean + std * this.spare;
    }
    if (i < n) a[i] = mean + std * this.normal();
    return a;
  }

  /** Draws one Box-Muller pair into `cosine` and `spare` (fields, so no pair object is allocated). */
  private boxMuller(): void {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    this.cosine = r * Math.cos(2 * Math.PI * v);
  }

  fillUniform(n: number, bound: number): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (this.next() * 2 - 1) * bound;
    return a;
  }
}

/** 32-bit rotate left, as int32. */
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
