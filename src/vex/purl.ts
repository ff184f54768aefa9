/**
 * Package URL parsing and the one matching rule VEX uses: a statement's PURL is a pattern that
 * a finding's (or image's) PURL must satisfy. Parsing goes through packageurl-js so that
 * per-type normalisation (pypi lower-case names, percent-decoding of versions) is the
 * reference implementation's, not ours.
 */
import { PackageURL } from "packageurl-js";

export interface ParsedPurl {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
  qualifiers: Record<string, string>;
  subpath?: string;
  /** Canonical string form (packageurl-js `toString()`). */
  canonical: string;
}

export function parsePurl(text: string): ParsedPurl | undefined {
  if (!text.startsWith("pkg:")) return undefined;
  let p: PackageURL;
  try {
    p = PackageURL.fromString(text);
  } catch {
    return undefined;
  }
  const qualifiers: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.qualifiers ?? {})) {
    if (typeof v === "string") qualifiers[k.toLowerCase()] = v;
  }
  return {
    type: p.type,
    ...(p.namespace ? { namespace: p.namespace } : {}),
    name: p.name,
    ...(p.version ? { version: p.version } : {}),
    qualifiers,
    ...(p.subpath ? { subpath: p.subpath } : {}),
    canonical: p.toString(),
  };
}

/** The canonical form of a PURL, or undefined when the text is not a valid PURL. */
export function normalizePurl(text: string): string | undefined {
  return parsePurl(text)?.canonical;
}

const DIGEST = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;

/** An OCI image PURL's digest (`pkg:oci/x@sha256:...`), lower-cased, if it has one. */
export function ociDigest(p: ParsedPurl): string | undefined {
  if (p.type !== "oci" || !p.version) return undefined;
  const v = p.version.toLowerCase();
  return DIGEST.test(v) ? v : undefined;
}

/**
 * Does `candidate` satisfy `pattern`?
 * - type, namespace and name must be equal; a pattern without a version matches every version;
 * - every qualifier and the subpath the pattern has must be present in the candidate with the same
 *   value (so `?arch=x86_64` in a statement never covers an arm64 package), extra qualifiers on the
 *   candidate are fine;
 * - two OCI PURLs that both carry a digest are compared by digest alone: a digest names the image
 *   content whatever repository it was pushed to.
 */
export function purlMatches(pattern: ParsedPurl, candidate: ParsedPurl): boolean {
  if (pattern.type !== candidate.type) return false;
  const pd = ociDigest(pattern);
  const cd = ociDigest(candidate);
  if (pd && cd) {
    if (pd !== cd) return false;
  } else {
    if ((pattern.namespace ?? "") !== (candidate.namespace ?? "")) return false;
    if (pattern.name !== candidate.name) return false;
    if (pattern.version !== undefined && pattern.version !== candidate.version) return false;
  }
  for (const [k, v] of Object.entries(pattern.qualifiers)) {
    if (candidate.qualifiers[k] !== v) return false;
  }
  if (pattern.subpath !== undefined && pattern.subpath !== candidate.subpath) return false;
  return true;
}
