/**
 * The version-scheme plug-in interface and the one way a scheme rejects input.
 *
 * Contract shared by every scheme:
 * - `isValid` never throws, whatever it is given (non-strings included: OSV and SBOM JSON
 *   can carry numbers or nulls where a version string belongs).
 * - `compare` returns exactly -1, 0 or 1, and throws only `MkError` with code `E_USAGE` (built by
 *   `invalidVersion`) when either side is not a valid version of the scheme. We throw rather than
 *   return NaN because a NaN silently makes every `<`/`>` test false, which in a vulnerability
 *   matcher means "not affected": failing open. Callers that expect garbage check `isValid` first
 *   or use `tryCompare`.
 */
import { MkError } from "../../errors.js";

export interface VersionScheme {
  /** Registry key and folder name. */
  readonly id: string;
  /** One line for docs and error messages: what the scheme is and whose rules it follows. */
  readonly description: string;
  isValid(version: unknown): boolean;
  /** -1, 0 or 1; throws `MkError` E_USAGE for an invalid version (see module comment). */
  compare(a: string, b: string): number;
  /** Whether the version is a pre-release (schemes that have the notion only). Throws like `compare`. */
  isPrerelease?(version: string): boolean;
}

/**
 * Longest version string any scheme accepts. Real versions are far shorter (the longest Debian
 * version in bookworm is under 80 characters); the bound keeps the work per comparison small
 * when a record or SBOM is hostile.
 */
export const MAX_VERSION_LENGTH = 256;

/** The error every scheme throws for input it cannot order. */
export function invalidVersion(scheme: string, version: unknown, reason: string): MkError {
  const shown = typeof version === "string" ? JSON.stringify(version.length > 80 ? `${version.slice(0, 80)}…` : version) : String(version);
  return new MkError("E_USAGE", `${shown} is not a valid ${scheme} version: ${reason}`, {
    hint: `check the version where it came from (OSV record, SBOM component, recipe); ${scheme} versions are compared only when valid`,
    details: { scheme, version: typeof version === "string" ? version : String(version), reason },
  });
}

/**
 * Checks shared by every parser: a string, not empty, not too long. Returns the reason it is
 * unusable, or undefined.
 */
export function basicProblem(version: unknown): string | undefined {
  if (typeof version !== "string") return `expected a string, found ${version === null ? "null" : typeof version}`;
  if (version.length === 0) return "empty";
  if (version.length > MAX_VERSION_LENGTH) return `longer than ${MAX_VERSION_LENGTH} characters`;
  return undefined;
}

/** Normalises any comparison result to -1, 0 or 1. */
export function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/**
 * Compares two runs of ASCII digits by numeric value without converting them to numbers, so runs
 * longer than 2^53 (timestamps, hashes of digits, adversarial input) still compare exactly.
 */
export function compareDigits(a: string, b: string): -1 | 0 | 1 {
  let i = 0;
  let j = 0;
  while (i < a.length - 1 && a.charCodeAt(i) === 48) i++;
  while (j < b.length - 1 && b.charCodeAt(j) === 48) j++;
  const la = a.length - i;
  const lb = b.length - j;
  if (la !== lb) return la < lb ? -1 : 1;
  for (; i < a.length; i++, j++) {
    const d = a.charCodeAt(i) - b.charCodeAt(j);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Plain code-unit order, -1/0/1 (what C's strcmp and Java's String.compareTo give for ASCII). */
export function compareStrings(a: string, b: string): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `compare` for callers that treat an invalid version as "cannot tell" instead of an error.
 * Returns undefined when either side is invalid.
 */
export function tryCompare(scheme: VersionScheme, a: unknown, b: unknown): number | undefined {
  if (!scheme.isValid(a) || !scheme.isValid(b)) return undefined;
  return scheme.compare(a as string, b as string);
}
