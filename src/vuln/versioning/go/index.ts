/**
 * Go module versions, ordered like golang.org/x/mod/semver (what the go command uses), written
 * by hand and checked against that package, built from the copy vendored in GOROOT.
 *
 * - The leading `v` is optional here: OSV's Go records drop it (`1.2.3`), SBOM PURLs keep it.
 *   Otherwise validity is exactly x/mod/semver.IsValid: no leading zeros, numbers of any length,
 *   and the shorthands `v1` and `v1.2` (= v1.0.0, v1.2.0).
 * - Build metadata is ignored, which is what makes `+incompatible` work:
 *   `v2.0.0+incompatible` equals `v2.0.0` and sorts below `v2.0.1`.
 * - Pseudo-versions need no special case: all three forms are SemVer pre-releases chosen to sort
 *   where Go wants them (Go modules reference, "Pseudo-versions"):
 *     vX.0.0-yyyymmddhhmmss-abcdefabcdef        no earlier tag: below vX.0.0 and its pre-releases
 *     vX.Y.Z-pre.0.yyyymmddhhmmss-abcdefabcdef   after vX.Y.Z-pre, below vX.Y.Z
 *     vX.Y.(Z+1)-0.yyyymmddhhmmss-abcdefabcdef   after vX.Y.Z, below vX.Y.(Z+1)-anything
 *   `isPseudoVersion` recognises them like x/mod/module.IsPseudoVersion.
 */
import { basicProblem, compareDigits, compareStrings, invalidVersion, type VersionScheme } from "../scheme.js";

export const id = "go";

interface GoVersion {
  major: string;
  minor: string;
  patch: string;
  /** Dot-separated identifiers, empty for a release. */
  prerelease: string[];
  build: string;
}

const NUMBER = /^(0|[1-9][0-9]*)$/;
const IDENT = /^[0-9A-Za-z-]+$/;

/** x/mod/semver's `parse`, on the version with a `v` prefix added when missing. */
function parse(input: unknown): GoVersion | string {
  const basic = basicProblem(input);
  if (basic) return basic;
  const raw = input as string;
  const v = raw.startsWith("v") ? raw.slice(1) : raw;
  const plus = v.indexOf("+");
  const build = plus >= 0 ? v.slice(plus + 1) : "";
  const noBuild = plus >= 0 ? v.slice(0, plus) : v;
  const hyphen = noBuild.indexOf("-");
  const core = hyphen >= 0 ? noBuild.slice(0, hyphen) : noBuild;
  const pre = hyphen >= 0 ? noBuild.slice(hyphen + 1) : undefined;
  const nums = core.split(".");
  if (nums.length > 3 || nums.some((n) => !NUMBER.test(n))) return "expected vMAJOR[.MINOR[.PATCH]] with no leading zeros";
  // The shorthands v1 and v1.2 cannot carry a pre-release or build suffix.
  if (nums.length < 3 && (pre !== undefined || plus >= 0)) return "a pre-release or build suffix needs MAJOR.MINOR.PATCH";
  let prerelease: string[] = [];
  if (pre !== undefined) {
    prerelease = pre.split(".");
    for (const p of prerelease) {
      if (!IDENT.test(p)) return "pre-release identifiers are non-empty [0-9A-Za-z-]";
      if (/^[0-9]+$/.test(p) && !NUMBER.test(p)) return "numeric pre-release identifiers have no leading zeros";
    }
  }
  if (plus >= 0 && build.split(".").some((p) => !IDENT.test(p))) return "build identifiers are non-empty [0-9A-Za-z-]";
  return { major: nums[0]!, minor: nums[1] ?? "0", patch: nums[2] ?? "0", prerelease, build };
}

function parsed(v: string): GoVersion {
  const p = parse(v);
  if (typeof p === "string") throw invalidVersion(id, v, p);
  return p;
}

/** x/mod/semver's comparePrerelease: a release ranks above its pre-releases. */
function comparePrerelease(a: string[], b: string[]): -1 | 0 | 1 {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    const xn = /^[0-9]+$/.test(x);
    const yn = /^[0-9]+$/.test(y);
    if (xn !== yn) return xn ? -1 : 1;
    return xn ? compareDigits(x, y) : compareStrings(x, y);
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

// x/mod/module's pseudoVersionRE, applied to the `v`-prefixed version.
const PSEUDO = /^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/** Whether `v` (with or without its leading `v`) is a Go pseudo-version. */
export function isPseudoVersion(v: string): boolean {
  if (typeof parse(v) === "string") return false;
  const withV = v.startsWith("v") ? v : `v${v}`;
  return (withV.match(/-/g)?.length ?? 0) >= 2 && PSEUDO.test(withV);
}

export const go: VersionScheme = {
  id,
  description: "Go module version (x/mod/semver; `v` optional, pseudo-versions, `+incompatible` ignored in ordering)",
  isValid: (v) => typeof parse(v) !== "string",
  compare(a, b) {
    const x = parsed(a);
    const y = parsed(b);
    return compareDigits(x.major, y.major) || compareDigits(x.minor, y.minor) || compareDigits(x.patch, y.patch) || comparePrerelease(x.prerelease, y.prerelease);
  },
  isPrerelease: (v) => parsed(v).prerelease.length > 0,
};
