/**
 * SemVer 2.0.0 versions as npm reads them; also used for crates.io, Hex, SwiftURL and Bitnami,
 * whose OSV ranges are SemVer.
 *
 * Parsing is the `semver` package in loose mode, the mode npm uses for manifests
 * (normalize-package-data): it also takes a leading `v` or `=`, surrounding spaces, leading zeros
 * and a pre-release without its hyphen (`1.2.3beta`). Strict SemVer is a subset, so crates.io
 * versions parse the same. Like npm, a major/minor/patch above 2^53-1 is invalid.
 *
 * Precedence is SemVer 2.0.0 §11, with build metadata ignored (`1.0.0+a` equals `1.0.0+b`, as
 * in npm and OSV). We compare pre-release identifiers ourselves rather than with
 * `semver.compare`: the package converts numeric identifiers to JS numbers, so
 * `1.0.0-9007199254740993` and `1.0.0-9007199254740992` come out equal (semver 7.8.6). Checked
 * against Go's golang.org/x/mod/semver, an independent implementation, and the `semver` package.
 */
import semverLib from "semver";
import { basicProblem, compareDigits, compareStrings, invalidVersion, type VersionScheme } from "../scheme.js";

export const id = "semver";

type Identifier = string | number;

function parse(v: unknown): semverLib.SemVer | string {
  const basic = basicProblem(v);
  if (basic) return basic;
  try {
    return semverLib.parse(v as string, { loose: true }) ?? "not a SemVer version (MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD])";
  } catch (e) {
    // semver.parse returns null for bad input, but throws for e.g. numbers above 2^53-1.
    return e instanceof Error ? e.message : String(e);
  }
}

function parsed(v: string): semverLib.SemVer {
  const p = parse(v);
  if (typeof p === "string") throw invalidVersion(id, v, p);
  return p;
}

const NUMERIC = /^[0-9]+$/;

/** SemVer §11.4.1–3: numeric identifiers numerically (at any length), below alphanumeric ones. */
function compareIdentifier(a: Identifier, b: Identifier): -1 | 0 | 1 {
  const x = String(a);
  const y = String(b);
  const xn = NUMERIC.test(x);
  const yn = NUMERIC.test(y);
  if (xn && yn) return compareDigits(x, y);
  if (xn !== yn) return xn ? -1 : 1;
  return compareStrings(x, y);
}

/** SemVer §11.3–4: a version without pre-release ranks above one with; then identifier by identifier. */
export function comparePrerelease(a: readonly Identifier[], b: readonly Identifier[]): -1 | 0 | 1 {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareIdentifier(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

const compareNumber = (a: number, b: number): -1 | 0 | 1 => (a < b ? -1 : a > b ? 1 : 0);

export const semver: VersionScheme = {
  id,
  description: "SemVer 2.0.0 as npm parses it (loose), build metadata ignored",
  isValid: (v) => typeof parse(v) !== "string",
  compare(a, b) {
    const x = parsed(a);
    const y = parsed(b);
    return (
      compareNumber(x.major, y.major) ||
      compareNumber(x.minor, y.minor) ||
      compareNumber(x.patch, y.patch) ||
      comparePrerelease(x.prerelease, y.prerelease)
    );
  },
  isPrerelease: (v) => parsed(v).prerelease.length > 0,
};
