/**
 * CycloneDX 1.6 JSON through @cyclonedx/cyclonedx-library: the library builds and normalises
 * the document (sorted lists, spec-conformant shapes). Two 1.6 fields the library (v10) does not
 * model — `evidence.occurrences` (where a component was found) and `pedigree` (ancestor and
 * patches of the built project) — are added to the normalised JSON by bom-ref; the schema test
 * validates the result against the official 1.6 schema.
 */
import { Enums, Models, Serialize, Spec } from "@cyclonedx/cyclonedx-library";
import { isSingleSpdxId, isSpdxExpression } from "../licenses.js";
import type { ComponentType, SbomComponent, SbomDocument } from "../model.js";
import { documentUuid } from "./ids.js";

const TYPES: Record<ComponentType, Enums.ComponentType> = {
  "operating-system": Enums.ComponentType.OperatingSystem,
  library: Enums.ComponentType.Library,
  application: Enums.ComponentType.Application,
  file: Enums.ComponentType.File,
};

const SUBJECT_REF = "mailknight:subject";

function licensesOf(c: SbomComponent): Models.LicenseRepository {
  const repo = new Models.LicenseRepository();
  const compound = c.licenses.some((l) => isSpdxExpression(l) && !isSingleSpdxId(l));
  if (compound && c.licenses.every((l) => isSpdxExpression(l))) {
    // The 1.6 schema allows one expression or a list of licenses, not both: join as the package holds all.
    const expr = c.licenses.length === 1 ? c.licenses[0]! : c.licenses.map((l) => (isSingleSpdxId(l) ? l : `(${l})`)).join(" AND ");
    repo.add(new Models.LicenseExpression(expr));
    return repo;
  }
  for (const l of c.licenses) repo.add(isSingleSpdxId(l) ? new Models.SpdxLicense(l) : new Models.NamedLicense(l));
  return repo;
}

function hashesOf(c: { hashes: SbomComponent["hashes"] }): Models.HashDictionary {
  const dict = new Models.HashDictionary();
  for (const h of c.hashes) dict.set(h.alg as Enums.HashAlgorithm, h.content);
  return dict;
}

function componentOf(c: SbomComponent): Models.Component {
  const props = new Models.PropertyRepository(Object.entries({ ...c.properties, "mailknight:cataloger": c.cataloger }).map(([k, v]) => new Models.Property(k, v)));
  const refs = new Models.ExternalReferenceRepository(
    (c.externalReferences ?? []).map(
      (r) => new Models.ExternalReference(r.url, r.type === "vcs" ? Enums.ExternalReferenceType.VCS : r.type === "distribution" ? Enums.ExternalReferenceType.Distribution : Enums.ExternalReferenceType.Website),
    ),
  );
  return new Models.Component(TYPES[c.type], c.name, {
    bomRef: c.ref,
    ...(c.version ? { version: c.version } : {}),
    ...(c.group ? { group: c.group } : {}),
    ...(c.purl ? { purl: c.purl } : {}),
    ...(c.description ? { description: c.description } : {}),
    ...(c.supplier ? { supplier: new Models.OrganizationalEntity({ name: c.supplier }) } : {}),
    licenses: licensesOf(c),
    hashes: hashesOf(c),
    properties: props,
    externalReferences: refs,
  });
}

function pedigreeJson(c: SbomComponent): Record<string, unknown> | undefined {
  const p = c.pedigree;
  if (!p) return undefined;
  const ancestor: Record<string, unknown> = { type: "application", name: p.ancestor.name, version: p.ancestor.version };
  if (p.ancestor.purl) ancestor.purl = p.ancestor.purl;
  if (p.ancestor.hashes.length) ancestor.hashes = p.ancestor.hashes.map((h) => ({ alg: h.alg, content: h.content }));
  const out: Record<string, unknown> = { ancestors: [ancestor] };
  const commits = [
    ...(p.ancestor.commit ? [{ uid: p.ancestor.commit, message: "upstream commit" }] : []),
    ...p.patches.filter((x) => x.commit).map((x) => ({ uid: x.commit!, message: `patch ${x.name} (${x.digest})` })),
  ];
  if (commits.length) out.commits = commits;
  if (p.patches.length) {
    out.patches = p.patches.map((x) => {
      const diff: Record<string, unknown> = {};
      if (x.text !== undefined) diff.text = { contentType: "text/x-diff", content: x.text };
      if (x.path) diff.url = x.path;
      return { type: "unofficial", diff };
    });
  }
  out.notes = `Patched downstream of ${p.ancestor.name} ${p.ancestor.version} with ${p.patches.length} patch(es)${p.patches.length ? ": " + p.patches.map((x) => `${x.name} ${x.digest}`).join(", ") : ""}.`;
  return out;
}

/** The document as a CycloneDX 1.6 JSON object (call JSON.stringify to write it). */
export function toCycloneDx(doc: SbomDocument): Record<string, unknown> {
  const bom = new Models.Bom({ serialNumber: `urn:uuid:${documentUuid(doc)}`, version: 1 });
  bom.metadata.timestamp = new Date(doc.created);
  bom.metadata.tools.components.add(new Models.Component(Enums.ComponentType.Application, doc.tool.name, { version: doc.tool.version }));
  const subject = new Models.Component(doc.subject.kind === "image" ? Enums.ComponentType.Container : Enums.ComponentType.Application, doc.subject.name, {
    bomRef: SUBJECT_REF,
    ...(doc.subject.kind === "image" ? { version: doc.subject.digest } : {}),
    properties: new Models.PropertyRepository(
      Object.entries({ ...doc.subject.properties, "mailknight:subject:digest": doc.subject.digest }).map(([k, v]) => new Models.Property(k, v)),
    ),
  });
  if (doc.subject.kind === "image" && /^sha256:[a-f0-9]{64}$/.test(doc.subject.digest)) subject.hashes.set(Enums.HashAlgorithm["SHA-256"], doc.subject.digest.slice(7));
  bom.metadata.component = subject;
  for (const c of doc.catalogers) bom.metadata.properties.add(new Models.Property(`mailknight:cataloger:${c.id}`, c.version));
  const byRef = new Map<string, Models.Component>();
  for (const c of doc.components) {
    const m = componentOf(c);
    byRef.set(c.ref, m);
    bom.components.add(m);
  }
  for (const c of doc.components) {
    const m = byRef.get(c.ref)!;
    for (const d of c.dependsOn) {
      const target = byRef.get(d);
      if (target) m.dependencies.add(target.bomRef);
    }
    subject.dependencies.add(m.bomRef);
  }
  const factory = new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6);
  // Through JSON once: the normaliser leaves `undefined` members that serialisation drops anyway.
  const json = JSON.parse(JSON.stringify(factory.makeForBom().normalize(bom, { sortLists: true }))) as Record<string, unknown>;
  // Fields the library does not model yet, attached by bom-ref.
  const extra = new Map(doc.components.map((c) => [c.ref, c]));
  for (const comp of (json.components as Record<string, unknown>[] | undefined) ?? []) {
    const c = extra.get(comp["bom-ref"] as string);
    if (!c) continue;
    if (c.locations.length) comp.evidence = { ...(comp.evidence as object | undefined), occurrences: c.locations.map((location) => ({ location })) };
    const pedigree = pedigreeJson(c);
    if (pedigree) comp.pedigree = pedigree;
  }
  return json;
}

export function cycloneDxText(doc: SbomDocument): string {
  return JSON.stringify(toCycloneDx(doc), null, 2) + "\n";
}
