/**
 * The SBOM model every cataloger produces and every writer consumes. It is format-neutral on
 * purpose: CycloneDX and SPDX are two renderings of the same document, so what one shows the
 * other shows too.
 */

export type ComponentType = "operating-system" | "library" | "application" | "file";

export interface ComponentHash {
  alg: "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512" | "MD5";
  /** Lowercase hex. */
  content: string;
}

/** A patch carried on top of upstream: the pedigree of a downstream build. */
export interface PatchInfo {
  /** File name as listed in the patchset (`0001-fix-overflow.patch`). */
  name: string;
  /** sha256 of the patch file's bytes, `sha256:<hex>`. */
  digest: string;
  /** Workspace-relative location of the patch file. */
  path?: string;
  /** The commit the patch became, when applied with git. */
  commit?: string;
  /** The patch text, when it was available and small enough to embed. */
  text?: string;
}

export interface Pedigree {
  /** What this build is a downstream of. */
  ancestor: { name: string; version: string; purl?: string; commit?: string; hashes: ComponentHash[] };
  patches: PatchInfo[];
}

export interface SbomComponent {
  /** Unique within a document; refs in `dependsOn` point at it. The PURL where there is one. */
  ref: string;
  type: ComponentType;
  name: string;
  /** npm scope, Maven groupId: the PURL namespace where the ecosystem has one. */
  group?: string;
  version: string;
  purl?: string;
  /** SPDX license expressions where known, else the license as the package names it. */
  licenses: string[];
  hashes: ComponentHash[];
  /** In-image paths (absolute, `/`-rooted) of the files that evidenced this component. */
  locations: string[];
  /** Refs of components this one depends on, as the source states it. */
  dependsOn: string[];
  /** Namespaced facts: `mailknight:…`, `dpkg:source`, `go:version`, … */
  properties: Record<string, string>;
  supplier?: string;
  description?: string;
  /** The cataloger that found it (for the `mailknight:cataloger` property and for tests). */
  cataloger: string;
  pedigree?: Pedigree;
  externalReferences?: { type: "vcs" | "distribution" | "website"; url: string }[];
}

/** The operating system the tree belongs to, as os-release (and distro version files) say. */
export interface Distro {
  /** os-release ID: `debian`, `ubuntu`, `alpine`, `rhel`, … */
  id: string;
  /** os-release VERSION_ID: `12`, `3.19`, `9.4`. */
  versionId?: string;
  /** The precise release where the distro records one (`/etc/debian_version` 12.5, `/etc/alpine-release` 3.19.1). */
  release?: string;
  prettyName?: string;
  idLike: string[];
}

export interface CatalogResult {
  components: SbomComponent[];
  /** Problems that did not stop cataloging: each names the file and what was wrong. */
  warnings: string[];
  /** Set by the os-release cataloger; others read it from their input. */
  distro?: Distro;
  /** OS package managers: the in-image paths their packages installed (see generate.ts). */
  ownedFiles?: string[];
}

/** What the SBOM describes. */
export interface SbomSubject {
  kind: "image" | "directory";
  /** Human name: `oci:<layout>:<ref>`, a directory path, or `project:variant`. */
  name: string;
  /** Manifest digest of an image; for a directory, the digest of the evidence read. */
  digest: string;
  /** Extra facts about the subject (image tags, variant, platform). */
  properties: Record<string, string>;
}

export interface SbomDocument {
  subject: SbomSubject;
  /** Sorted by ref; refs unique. */
  components: SbomComponent[];
  warnings: string[];
  distro?: Distro;
  /** ISO 8601 UTC, seconds precision. */
  created: string;
  catalogers: { id: string; version: string }[];
  tool: { name: string; version: string };
}

/** Byte order, not locale order: output must not depend on the machine's locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareStrings);
}
