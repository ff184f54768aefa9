/**
 * OSV ecosystems and how package URLs map onto them. An OSV ecosystem string is a base name plus
 * an optional release (`Debian:12`, `Alpine:v3.19`, `Red Hat:enterprise_linux:8::appstream`);
 * the local index is keyed by the base name and keeps the release on each entry.
 *
 * Distribution records key on SOURCE packages (Debian's `glibc`, Alpine's origin `openssl`), while
 * SBOMs list binary packages (`libc6`, `libcrypto3`). Package URLs carry the source name in the
 * `upstream` qualifier (Syft writes `upstream=glibc` or `upstream=glibc@2.28-10`), so that name,
 * and that version when given, is what gets matched.
 */
import { PackageURL } from "packageurl-js";

export interface EcosystemRef {
  /** `Debian`, `npm`, `Red Hat`, ... */
  base: string;
  /** `12`, `v3.19`, `enterprise_linux:8::appstream`, `16.04:LTS`; absent when the ecosystem has no releases. */
  release?: string;
}

export function parseEcosystem(ecosystem: string): EcosystemRef {
  const i = ecosystem.indexOf(":");
  if (i < 0) return { base: ecosystem };
  const release = ecosystem.slice(i + 1);
  return release ? { base: ecosystem.slice(0, i), release } : { base: ecosystem.slice(0, i) };
}

export function formatEcosystem(ref: EcosystemRef): string {
  return ref.release ? `${ref.base}:${ref.release}` : ref.base;
}

/** The ecosystems issue 4 asks for; others are stored and matched by `versions` lists only, with a warning. */
export const SUPPORTED_ECOSYSTEMS = ["npm", "PyPI", "Go", "Maven", "crates.io", "Debian", "Alpine", "Red Hat", "Rocky Linux", "AlmaLinux", "Wolfi", "Chainguard"] as const;

/**
 * Does a record's release cover the component's release? A record without a release covers
 * every release. Otherwise the component's release must be one of the record's colon-separated
 * fields: `12` in `12`, `v3.19` in `v3.19`, `8` in `enterprise_linux:8::appstream`,
 * `16.04` in `16.04:LTS`. A component whose release is unknown matches release-less records only:
 * ranges differ per release, and guessing one would give wrong fixed versions.
 */
export function releaseCovers(recordRelease: string | undefined, componentRelease: string | undefined): boolean {
  if (recordRelease === undefined) return true;
  if (componentRelease === undefined) return false;
  if (recordRelease === componentRelease) return true;
  return recordRelease.split(":").includes(componentRelease);
}

/** PEP 503 normalisation for PyPI names (`Django`, `zope.interface` → `django`, `zope-interface`); others are exact. */
export function normalizeName(base: string, name: string): string {
  if (base === "PyPI") return name.toLowerCase().replace(/[-_.]+/g, "-");
  return name;
}

/** What to look up in the index for one component, plus what to show in a finding. */
export interface MatchTarget {
  ecosystem: EcosystemRef;
  /** Name as keyed in OSV (the source package for deb/apk when the PURL says so), normalised. */
  lookupName: string;
  /** Version to compare against OSV ranges (source version for deb when given; rpm with epoch). */
  compareVersion: string;
  /** Name for humans and VEX: `@scope/pkg`, `group:artifact`, `github.com/x/y`, binary package name. */
  displayName: string;
  /** Version as written in the SBOM / report. */
  version: string;
  /** True when a deb/apk package was looked up by its binary name for lack of an `upstream` qualifier. */
  binaryNameOnly?: boolean;
}

export type TargetResult = { ok: true; target: MatchTarget } | { ok: false; reason: string };

/** A distribution named outside the PURL (Grype's `distro`, Trivy's `Metadata.OS`). */
export interface DistroHint {
  name: string;
  version: string;
}

const DEBIAN_CODENAMES: Record<string, string> = { wheezy: "7", jessie: "8", stretch: "9", buster: "10", bullseye: "11", bookworm: "12", trixie: "13", forky: "14" };
const UBUNTU_CODENAMES: Record<string, string> = { trusty: "14.04", xenial: "16.04", bionic: "18.04", focal: "20.04", jammy: "22.04", noble: "24.04" };

/** Own-property lookup: keys come from untrusted input, and `constructor` must not find Object's. */
function own(table: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** `debian-12.5` / `12` / `bookworm` → `12`. */
function debianRelease(distro: string): string | undefined {
  const d = distro.toLowerCase().replace(/^debian-/, "");
  const named = own(DEBIAN_CODENAMES, d);
  if (named) return named;
  const m = /^(\d+)/.exec(d);
  return m ? m[1] : undefined;
}

/** `ubuntu-22.04` / `jammy` → `22.04`. */
function ubuntuRelease(distro: string): string | undefined {
  const d = distro.toLowerCase().replace(/^ubuntu-/, "");
  const named = own(UBUNTU_CODENAMES, d);
  if (named) return named;
  const m = /^(\d+\.\d+)/.exec(d);
  return m ? m[1] : undefined;
}

/** `3.19.1` / `alpine-3.19` → `v3.19`. */
function alpineRelease(distro: string): string | undefined {
  const m = /^(?:alpine-)?v?(\d+)\.(\d+)/.exec(distro.toLowerCase());
  return m ? `v${m[1]}.${m[2]}` : undefined;
}

/** `rhel-8.6` / `rocky-9.3` / `almalinux-9` / `9.3` → major version. */
function rpmRelease(distro: string): string | undefined {
  const m = /(?:^|-)(\d+)(?:\.\d+)*$/.exec(distro.toLowerCase());
  return m ? m[1] : undefined;
}

const RPM_VENDORS: Record<string, string> = { redhat: "Red Hat", rhel: "Red Hat", rocky: "Rocky Linux", rockylinux: "Rocky Linux", almalinux: "AlmaLinux", alma: "AlmaLinux" };
const APK_VENDORS: Record<string, string> = { alpine: "Alpine", wolfi: "Wolfi", chainguard: "Chainguard" };
const DEB_VENDORS: Record<string, string> = { debian: "Debian", ubuntu: "Ubuntu" };

/** Splits `glibc@2.28-10` into name and version. */
function splitUpstream(value: string | undefined): { name?: string; version?: string } {
  if (!value) return {};
  const at = value.indexOf("@");
  return at < 0 ? { name: value } : { name: value.slice(0, at), version: value.slice(at + 1) || undefined };
}

function vendorFromHint(hint: DistroHint | undefined, table: Record<string, string>): string | undefined {
  return hint ? own(table, hint.name.toLowerCase()) : undefined;
}

function osTarget(purl: PackageURL, version: string, hint: DistroHint | undefined): TargetResult {
  const ns = (purl.namespace ?? "").toLowerCase();
  const q = purl.qualifiers ?? {};
  const distro = q.distro ?? (hint ? `${hint.name}-${hint.version}` : undefined);
  const up = splitUpstream(purl.type === "rpm" ? undefined : q.upstream);
  let base: string | undefined;
  let release: string | undefined;
  if (purl.type === "deb") {
    base = own(DEB_VENDORS, ns) ?? vendorFromHint(hint, DEB_VENDORS);
    if (base === "Debian" && distro) release = debianRelease(distro);
    if (base === "Ubuntu" && distro) release = ubuntuRelease(distro);
  } else if (purl.type === "apk") {
    base = own(APK_VENDORS, ns) ?? vendorFromHint(hint, APK_VENDORS);
    if (base === "Alpine" && distro) release = alpineRelease(distro);
  } else {
    base = own(RPM_VENDORS, ns) ?? vendorFromHint(hint, RPM_VENDORS);
    if (base && distro) release = rpmRelease(distro);
  }
  if (!base) return { ok: false, reason: `no OSV ecosystem for ${purl.type} packages of "${purl.namespace ?? "(no namespace)"}"` };
  let compareVersion = up.version ?? version;
  // rpm PURLs carry the epoch as a qualifier; OSV rpm versions write it as `epoch:version`.
  if (purl.type === "rpm" && q.epoch && !compareVersion.includes(":")) compareVersion = `${q.epoch}:${compareVersion}`;
  const target: MatchTarget = {
    ecosystem: release ? { base, release } : { base },
    lookupName: up.name ?? purl.name,
    compareVersion,
    displayName: purl.name,
    version,
  };
  if (purl.type !== "rpm" && !up.name) target.binaryNameOnly = true;
  return { ok: true, target };
}

const LANGUAGE: Record<string, string> = {
  npm: "npm",
  pypi: "PyPI",
  golang: "Go",
  maven: "Maven",
  cargo: "crates.io",
  gem: "RubyGems",
  nuget: "NuGet",
  composer: "Packagist",
  hex: "Hex",
  pub: "Pub",
};

/** PURL → what to match. `hint` supplies the distribution when the PURL has no `distro` qualifier. */
export function targetForPurl(purl: PackageURL, hint?: DistroHint): TargetResult {
  const version = purl.version;
  if (!version) return { ok: false, reason: "the package URL has no version" };
  if (purl.type === "deb" || purl.type === "apk" || purl.type === "rpm") return osTarget(purl, version, hint);
  const base = own(LANGUAGE, purl.type);
  if (!base) return { ok: false, reason: `no OSV ecosystem for package URL type "${purl.type}"` };
  let name = purl.name;
  let compareVersion = version;
  if (purl.type === "npm" || purl.type === "golang") name = purl.namespace ? `${purl.namespace}/${purl.name}` : purl.name;
  if (purl.type === "maven" || purl.type === "composer") name = purl.namespace ? `${purl.namespace}:${purl.name}` : purl.name;
  if (purl.type === "composer") name = name.replace(":", "/");
  if (purl.type === "golang") {
    // OSV Go versions have no `v`; the toolchain is `stdlib` and Syft writes its version as `go1.22.1`.
    compareVersion = version.replace(/^go(?=\d)/, "").replace(/^v(?=\d)/, "");
  }
  return { ok: true, target: { ecosystem: { base }, lookupName: normalizeName(base, name), compareVersion, displayName: name, version } };
}

/** Parses a PURL string; `undefined` when it is not one. */
export function parsePurl(text: string): PackageURL | undefined {
  try {
    return PackageURL.fromString(text);
  } catch {
    return undefined;
  }
}
