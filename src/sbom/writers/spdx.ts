/**
 * SPDX 2.3 JSON. One package per component plus one for the subject (the image or directory),
 * which the document DESCRIBES and which CONTAINS every component; dependency edges become
 * DEPENDS_ON. Licenses the SPDX list does not name become `LicenseRef-…` with the name as
 * extracted text, so licenseDeclared is always a valid expression. IDs derive from component
 * refs, so the same input gives the same document.
 */
import { createHash } from "node:crypto";
import { isSpdxExpression, isSingleSpdxId } from "../licenses.js";
import { compareStrings, type ComponentType, type SbomComponent, type SbomDocument } from "../model.js";
import { documentUuid } from "./ids.js";

const PURPOSE: Record<ComponentType, string> = {
  "operating-system": "OPERATING-SYSTEM",
  library: "LIBRARY",
  application: "APPLICATION",
  file: "FILE",
};

const ALG: Record<string, string> = { "SHA-1": "SHA1", "SHA-256": "SHA256", "SHA-384": "SHA384", "SHA-512": "SHA512", MD5: "MD5" };

function sanitize(text: string, max = 60): string {
  return text.replace(/[^A-Za-z0-9.-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, max) || "x";
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

export function spdxIdFor(ref: string, name: string): string {
  return `SPDXRef-Package-${sanitize(name)}-${shortHash(ref)}`;
}

class LicenseRefs {
  readonly refs = new Map<string, string>();

  ref(name: string): string {
    let id = this.refs.get(name);
    if (!id) {
      id = `LicenseRef-${sanitize(name, 40)}-${shortHash(name).slice(0, 8)}`;
      this.refs.set(name, id);
    }
    return id;
  }

  /** All licenses of a component as one expression: it holds all of them at once. */
  expression(licenses: string[]): string {
    if (licenses.length === 0) return "NOASSERTION";
    const parts = licenses.map((l) => (isSpdxExpression(l) ? (isSingleSpdxId(l) || licenses.length === 1 ? l : `(${l})`) : this.ref(l)));
    return parts.join(" AND ");
  }
}

function supplierOf(c: SbomComponent): string {
  if (!c.supplier) return "NOASSERTION";
  // "Organization: name (email)" per the SPDX agent syntax; the maintainer field is "Name <email>".
  const m = /^(.*?)\s*<([^>]+)>\s*$/.exec(c.supplier);
  return m ? `Organization: ${m[1]} (${m[2]})` : `Organization: ${c.supplier}`;
}

function packageOf(c: SbomComponent, licenses: LicenseRefs): Record<string, unknown> {
  const pkg: Record<string, unknown> = {
    SPDXID: spdxIdFor(c.ref, c.name),
    name: c.name,
    downloadLocation: c.externalReferences?.find((r) => r.type === "distribution")?.url ?? "NOASSERTION",
    filesAnalyzed: false,
    licenseConcluded: "NOASSERTION",
    licenseDeclared: licenses.expression(c.licenses),
    copyrightText: "NOASSERTION",
    supplier: supplierOf(c),
    primaryPackagePurpose: PURPOSE[c.type],
  };
  if (c.version) pkg.versionInfo = c.version;
  if (c.description) pkg.summary = c.description;
  const homepage = c.externalReferences?.find((r) => r.type === "website")?.url;
  if (homepage) pkg.homepage = homepage;
  if (c.hashes.length) pkg.checksums = c.hashes.map((h) => ({ algorithm: ALG[h.alg] ?? h.alg, checksumValue: h.content }));
  if (c.purl) pkg.externalRefs = [{ referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: c.purl }];
  const where = c.locations.length ? `: ${c.locations.join(", ")}` : "";
  pkg.sourceInfo = `found by the mailknight ${c.cataloger} cataloger${where}`;
  if (c.pedigree) {
    const p = c.pedigree;
    pkg.comment = `Patched downstream of ${p.ancestor.name} ${p.ancestor.version}${p.ancestor.commit ? ` (upstream commit ${p.ancestor.commit})` : ""} with ${p.patches.length} patch(es)${p.patches.length ? ": " + p.patches.map((x) => `${x.name} ${x.digest}`).join(", ") : ""}.`;
  }
  const props = Object.entries(c.properties).sort((a, b) => compareStrings(a[0], b[0]));
  if (props.length) pkg.attributionTexts = props.map(([k, v]) => `${k}=${v}`);
  return pkg;
}

/** The document as an SPDX 2.3 JSON object. */
export function toSpdx(doc: SbomDocument): Record<string, unknown> {
  const uuid = documentUuid(doc);
  const licenses = new LicenseRefs();
  const subjectId = "SPDXRef-Subject";
  const subject: Record<string, unknown> = {
    SPDXID: subjectId,
    name: doc.subject.name,
    downloadLocation: "NOASSERTION",
    filesAnalyzed: false,
    licenseConcluded: "NOASSERTION",
    licenseDeclared: "NOASSERTION",
    copyrightText: "NOASSERTION",
    primaryPackagePurpose: doc.subject.kind === "image" ? "CONTAINER" : "OTHER",
  };
  if (doc.subject.kind === "image") subject.versionInfo = doc.subject.digest;
  if (/^sha256:[a-f0-9]{64}$/.test(doc.subject.digest)) subject.checksums = [{ algorithm: "SHA256", checksumValue: doc.subject.digest.slice(7) }];
  const packages = doc.components.map((c) => packageOf(c, licenses));
  const ids = new Map(doc.components.map((c) => [c.ref, spdxIdFor(c.ref, c.name)]));
  const relationships: Record<string, string>[] = [{ spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES", relatedSpdxElement: subjectId }];
  for (const c of doc.components) relationships.push({ spdxElementId: subjectId, relationshipType: "CONTAINS", relatedSpdxElement: ids.get(c.ref)! });
  for (const c of doc.components) {
    for (const d of c.dependsOn) {
      const target = ids.get(d);
      if (target) relationships.push({ spdxElementId: ids.get(c.ref)!, relationshipType: "DEPENDS_ON", relatedSpdxElement: target });
    }
  }
  const out: Record<string, unknown> = {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name: doc.subject.name,
    documentNamespace: `https://mailknight.dev/spdxdocs/${sanitize(doc.subject.name)}-${uuid}`,
    creationInfo: { created: doc.created, creators: [`Tool: ${doc.tool.name}-${doc.tool.version}`] },
    packages: [subject, ...packages],
    relationships,
  };
  if (licenses.refs.size) {
    out.hasExtractedLicensingInfos = [...licenses.refs]
      .sort((a, b) => compareStrings(a[1], b[1]))
      .map(([name, licenseId]) => ({ licenseId, name, extractedText: `The package names its license "${name}"; the license text was not extracted.` }));
  }
  return out;
}

export function spdxText(doc: SbomDocument): string {
  return JSON.stringify(toSpdx(doc), null, 2) + "\n";
}
