/**
 * Version orderings for range evaluation. ECOSYSTEM ranges use the ecosystem's own scheme from
 * `versioning/` (semver for npm, PEP 440 for PyPI, dpkg order for Debian, ...); SEMVER ranges use
 * SemVer 2.0.0 whatever the ecosystem, as the OSV spec says. This is the only module that talks to
 * `versioning/`, so its API can change in one place.
 */
import semver from "semver";
import { parseEcosystem } from "./ecosystem.js";
import { schemeFor } from "./versioning/index.js";

export interface VersionOrder {
  id: string;
  isValid(v: string): boolean;
  /** Negative, zero or positive, like a sort comparator. */
  compare(a: string, b: string): number;
}

const cache = new Map<string, VersionOrder | undefined>();

/** The ordering of a base ecosystem (`Debian`, not `Debian:12`), or `undefined` when there is none. */
export function orderFor(baseEcosystem: string): VersionOrder | undefined {
  if (cache.has(baseEcosystem)) return cache.get(baseEcosystem);
  let order: VersionOrder | undefined;
  try {
    const s = schemeFor(baseEcosystem) as VersionOrder | undefined;
    order = s ? { id: s.id, isValid: (v) => s.isValid(v), compare: (a, b) => s.compare(a, b) } : undefined;
  } catch {
    order = undefined; // an unknown ecosystem: the caller warns and matches `versions` lists only
  }
  cache.set(baseEcosystem, order);
  return order;
}

/** SemVer 2.0.0 (strict: no `v` prefix, no loose forms), for OSV ranges of type SEMVER. */
export const SEMVER_ORDER: VersionOrder = {
  id: "semver",
  isValid: (v) => semver.valid(v) !== null,
  compare: (a, b) => semver.compare(a, b),
};

/**
 * Orders two fixed versions of a finding's ecosystem (`Debian:12`): by the ecosystem's scheme when
 * both parse, else by SemVer when both parse, else `undefined` (the caller falls back to text).
 */
export function compareFixedVersions(ecosystem: string, a: string, b: string): number | undefined {
  for (const o of [orderFor(parseEcosystem(ecosystem).base), SEMVER_ORDER]) {
    if (!o || !o.isValid(a) || !o.isValid(b)) continue;
    try {
      return o.compare(a, b);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
