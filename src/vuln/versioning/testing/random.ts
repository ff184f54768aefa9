/**
 * A small seeded PRNG for the version generators, so a failing pair is reproducible from the
 * seed printed with it. (mulberry32: tiny, fast, good enough for test-case generation.)
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks by weight: `[[weight, value], ...]`. */
  weighted<T>(options: readonly (readonly [number, T])[]): T {
    const total = options.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of options) {
      if ((r -= w) < 0) return v;
    }
    return options[options.length - 1]![1];
  }

  /**
   * A run of digits: usually short, sometimes with leading zeros, sometimes very long (past
   * 2^53 and past 64 bits), because numeric runs are where hand-written comparators go wrong.
   */
  digits(opts: { leadingZero?: boolean; long?: boolean } = {}): string {
    const len = this.weighted<number>([
      [50, 1],
      [25, 2],
      [10, 3],
      [6, this.int(4, 8)],
      [opts.long === false ? 0 : 6, this.int(9, 20)],
      [opts.long === false ? 0 : 3, this.int(21, 40)],
    ]);
    let s = String(this.int(opts.leadingZero ? 0 : 1, 9));
    for (let i = 1; i < len; i++) s += String(this.int(0, 9));
    if (opts.leadingZero && this.chance(0.15)) s = "0".repeat(this.int(1, 3)) + s;
    return len === 1 && this.chance(0.3) ? "0" : s;
  }

  /** A run of letters from `alphabet`. */
  letters(alphabet: string, min = 1, max = 5): string {
    let s = "";
    const n = this.int(min, max);
    for (let i = 0; i < n; i++) s += alphabet[this.int(0, alphabet.length - 1)];
    return s;
  }
}
