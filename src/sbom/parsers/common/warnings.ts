/**
 * Collects the problems a parser meets without stopping. Every message names the file, and the
 * list is capped: a hostile file with a million bad lines must not turn into a million strings.
 */
export const MAX_WARNINGS = 100;

export class Warnings {
  private readonly list: string[] = [];
  private dropped = 0;

  constructor(
    readonly location: string,
    private readonly max = MAX_WARNINGS,
  ) {}

  add(message: string): void {
    if (this.list.length < this.max) this.list.push(`${this.location}: ${message}`);
    else this.dropped++;
  }

  get count(): number {
    return this.list.length + this.dropped;
  }

  toArray(): string[] {
    return this.dropped > 0 ? [...this.list, `${this.location}: ${this.dropped} more warnings not shown`] : [...this.list];
  }
}

/** A value from untrusted input, shortened for a warning message. */
export function show(value: unknown, max = 80): string {
  let s: string;
  try {
    s = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** The message of anything thrown, for a warning (a parser never rethrows on bad input). */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
