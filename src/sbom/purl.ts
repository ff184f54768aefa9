/**
 * Package URLs through packageurl-js, with the types, namespaces and qualifiers trivy and syft
 * write for OS packages, so scanners and VEX documents keyed on PURLs match ours:
 *   deb: pkg:deb/debian/bsdutils@2.38.1-5+deb12u3?arch=amd64&distro=debian-12.5&epoch=1
 *   apk: pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=3.19.1
 *   rpm: pkg:rpm/redhat/bash@5.1.8-9.el9?arch=x86_64&distro=redhat-9.4&epoch=1
 * The epoch lives in its own qualifier, not in the version (purl-spec for rpm; trivy does the
 * same for deb). Qualifiers are sorted by packageurl-js, which makes the string canonical.
 */
import { PackageURL } from "packageurl-js";
import type { Distro } from "./model.js";

export function purlString(type: string, namespace: string | undefined, name: string, version: string | undefined, qualifiers: Record<string, string | undefined> = {}, subpath?: string): string | undefined {
  const q: Record<string, string> = {};
  for (const [k, v] of Object.entries(qualifiers)) if (v !== undefined && v !== "") q[k] = v;
  try {
    return new PackageURL(type, namespace || undefined, name, version || undefined, Object.keys(q).length ? q : undefined, subpath).toString();
  } catch {
    // A name packageurl-js refuses (empty, or invalid for the type) gets no PURL rather than a wrong one.
    return undefined;
  }
}

/** Splits `1:2.38.1-5` into epoch and the rest (deb and rpm write it so). */
export function splitEpoch(version: string): { epoch?: string; rest: string } {
  const m = /^(\d+):(.+)$/.exec(version);
  return m ? { epoch: m[1]!, rest: m[2]! } : { rest: version };
}

/** The `distro` qualifier as trivy writes it: `<id>-<precise release>` (`debian-12.5`, `ubuntu-22.04`). */
export function distroQualifier(distro: Distro | undefined): string | undefined {
  if (!distro) return undefined;
  const version = distro.release ?? distro.versionId;
  return version ? `${distro.id}-${version}` : undefined;
}

/** Parses a PURL; undefined when it is not one. */
export function parsePurl(purl: string): PackageURL | undefined {
  try {
    return PackageURL.fromString(purl);
  } catch {
    return undefined;
  }
}
