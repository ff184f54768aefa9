/**
 * Version ordering per ecosystem: the registry of version schemes and the mapping from OSV
 * ecosystem names to them. One folder per scheme; see README.md for what each follows and how it
 * is tested.
 */
import { apk } from "./apk/index.js";
import { deb } from "./deb/index.js";
import { go } from "./go/index.js";
import { maven } from "./maven/index.js";
import { pep440 } from "./pep440/index.js";
import { rpm } from "./rpm/index.js";
import { semver } from "./semver/index.js";
import type { VersionScheme } from "./scheme.js";

export type { VersionScheme } from "./scheme.js";
export { MAX_VERSION_LENGTH, tryCompare } from "./scheme.js";
export { isPseudoVersion } from "./go/index.js";

/** Every scheme, keyed by id (= folder name). */
export const schemes = { apk, deb, go, maven, pep440, rpm, semver } as const satisfies Record<string, VersionScheme>;

export type SchemeId = keyof typeof schemes;

/**
 * OSV ecosystem (the part before the first `:`, so `Debian:12`, `Alpine:v3.19`,
 * `Red Hat:enterprise_linux:9::appstream` and `Ubuntu:Pro:22.04:LTS` all resolve) → scheme.
 * Ecosystems whose ordering none of our schemes implements (NuGet, RubyGems, Packagist, Pub,
 * Hackage, CRAN, GIT, ...) are absent on purpose: ordering them with a look-alike scheme would
 * produce confident wrong answers.
 */
const ECOSYSTEMS: Record<string, SchemeId> = {
  npm: "semver",
  "crates.io": "semver",
  Hex: "semver", // Elixir's Version module implements SemVer 2.0.0
  SwiftURL: "semver",
  Bitnami: "semver", // Bitnami's OSV records use SEMVER ranges
  Go: "go",
  PyPI: "pep440",
  Maven: "maven",
  Debian: "deb",
  Ubuntu: "deb",
  Alpine: "apk",
  Wolfi: "apk",
  Chainguard: "apk",
  MinimOS: "apk",
  "Red Hat": "rpm",
  "Rocky Linux": "rpm",
  AlmaLinux: "rpm",
  SUSE: "rpm",
  openSUSE: "rpm",
  Mageia: "rpm",
  "Photon OS": "rpm",
  "Azure Linux": "rpm",
  Mariner: "rpm",
  openEuler: "rpm",
};

// Maps, not property lookups: `ECOSYSTEMS["constructor"]` would find Object.prototype's.
const EXACT = new Map(Object.entries(ECOSYSTEMS));
const BY_LOWER = new Map(Object.entries(ECOSYSTEMS).map(([k, v]) => [k.toLowerCase(), v]));

/** The scheme id for an OSV ecosystem name, or undefined when we cannot order its versions. */
export function schemeIdFor(ecosystem: string): SchemeId | undefined {
  if (typeof ecosystem !== "string") return undefined;
  const base = ecosystem.split(":", 1)[0]!.trim();
  // OSV spells ecosystems with a fixed case; PURL types and hand-written configs often do not.
  return EXACT.get(base) ?? BY_LOWER.get(base.toLowerCase());
}

/** The scheme for an OSV ecosystem name, or undefined when we cannot order its versions. */
export function schemeFor(ecosystem: string): VersionScheme | undefined {
  const sid = schemeIdFor(ecosystem);
  return sid === undefined ? undefined : schemes[sid];
}

/** The ecosystems `schemeFor` knows, for docs and `--help`. */
export function knownEcosystems(): string[] {
  return Object.keys(ECOSYSTEMS).sort();
}
