/**
 * Statements → a standalone CycloneDX 1.6 VEX BOM.
 *
 * CycloneDX has no "component X inside product Y" in a vulnerability's `affects`; a VEX BOM
 * expresses it by describing Y as `metadata.component` and listing X as a component of the BOM
 * (which is how `read.ts` reads it back). So statements with subcomponents can only be written for
 * the subject (the image the export is for); any other is left out with a warning, because writing
 * X alone would widen the statement to X in every product.
 */
import { createHash } from "node:crypto";
import { cdxFromJustification, cdxStateFromStatus } from "../../justifications.js";
import type { VexComponent, VexStatement, VexStatus } from "../../model.js";
import { parsePurl, purlMatches } from "../../purl.js";
import { byKey, EPOCH, latestTimestamp, statementSortKey } from "../shared.js";
import type { VexWriteOptions, VexWriteResult } from "../types.js";
import { PROP_EXPIRES, PROP_JUSTIFICATION } from "./read.js";

function componentJson(c: VexComponent): { ref: string; json: Record<string, unknown> } {
  const p = c.purl ? parsePurl(c.purl) : undefined;
  if (p) {
    const json: Record<string, unknown> = { type: p.type === "oci" ? "container" : "library", name: p.name, purl: p.canonical, "bom-ref": p.canonical };
    if (p.namespace) json.group = p.namespace;
    if (p.version) json.version = p.version;
    return { ref: p.canonical, json };
  }
  const json: Record<string, unknown> = { type: "application", name: c.name ?? c.id, "bom-ref": c.id };
  if (c.cpe) json.cpe = c.cpe;
  return { ref: c.id, json };
}

/** Where a well-known id prefix comes from, for `references[].source.name` (which CycloneDX requires). */
function idSource(id: string): { name: string; url?: string } {
  const u = id.toUpperCase();
  if (u.startsWith("CVE-")) return { name: "NVD", url: `https://nvd.nist.gov/vuln/detail/${id}` };
  if (u.startsWith("GHSA-")) return { name: "GitHub", url: `https://github.com/advisories/${id}` };
  if (u.startsWith("GO-")) return { name: "Go", url: `https://pkg.go.dev/vuln/${id}` };
  if (u.startsWith("DSA-") || u.startsWith("DLA-")) return { name: "Debian" };
  if (u.startsWith("RHSA-")) return { name: "Red Hat" };
  if (u.startsWith("PYSEC-")) return { name: "PyPI" };
  return { name: id.split("-")[0] || "unknown" };
}

const VERSION_STATUS: Record<VexStatus, string> = { not_affected: "unaffected", fixed: "unaffected", affected: "affected", under_investigation: "unknown" };

function uuidFrom(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  // RFC 4122 layout with version 5-style nibbles: deterministic, and accepted by the schema's pattern.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function writeCycloneDx(statements: readonly VexStatement[], options: VexWriteOptions): VexWriteResult {
  const warnings: string[] = [];
  const subject = options.subject ? parsePurl(options.subject) : undefined;
  if (options.subject && !subject) warnings.push(`subject "${options.subject}" is not a valid package URL; written without metadata.component`);
  const components = new Map<string, Record<string, unknown>>();
  const vulnerabilities: Record<string, unknown>[] = [];
  const isSubject = (c: VexComponent) => {
    const p = c.purl ? parsePurl(c.purl) : undefined;
    return !!(subject && p && purlMatches(p, subject));
  };
  const use = (c: VexComponent) => {
    const { ref, json } = componentJson(c);
    if (!components.has(ref)) components.set(ref, json);
    return ref;
  };

  for (const s of [...statements].sort(byKey(statementSortKey))) {
    const affects: Record<string, unknown>[] = [];
    const affect = (c: VexComponent, ref: string) => {
      if (c.versionRange) affects.push({ ref, versions: [{ range: c.versionRange, status: VERSION_STATUS[s.status] }] });
      else affects.push({ ref });
    };
    for (const p of s.products) {
      if (p.subcomponents.length > 0) {
        if (!isSubject(p)) {
          warnings.push(`${s.source.file} ${s.source.path}: ${s.vulnerability} is about parts of "${p.purl ?? p.id}", which is not the subject of this export; left out`);
          continue;
        }
        for (const sc of p.subcomponents) affect(sc, use(sc));
      } else if (isSubject(p) && subject) affect(p, subject.canonical);
      else affect(p, use(p));
    }
    if (affects.length === 0) continue;
    const analysis: Record<string, unknown> = { state: cdxStateFromStatus[s.status] };
    if (s.status === "not_affected" && s.justification) analysis.justification = cdxFromJustification[s.justification];
    const detail = s.status === "not_affected" ? s.impactStatement : s.status === "affected" ? s.actionStatement : s.statusNotes;
    if (detail) analysis.detail = detail;
    if (s.timestamp) analysis.lastUpdated = s.timestamp;
    const properties: Record<string, string>[] = [];
    if (s.justification) properties.push({ name: PROP_JUSTIFICATION, value: s.justification });
    if (s.expires) properties.push({ name: PROP_EXPIRES, value: s.expires });
    const v: Record<string, unknown> = { id: s.vulnerability, source: idSource(s.vulnerability) };
    if (s.aliases.length) v.references = s.aliases.map((a) => ({ id: a, source: idSource(a) }));
    v.analysis = analysis;
    v.affects = affects;
    if (properties.length) v.properties = properties;
    vulnerabilities.push(v);
  }

  const metadata: Record<string, unknown> = {
    timestamp: options.timestamp ?? latestTimestamp(statements) ?? EPOCH,
    tools: { components: [{ type: "application", name: "mailknight", version: options.toolVersion }] },
    authors: [{ name: options.author }],
  };
  if (subject) {
    metadata.component = {
      type: subject.type === "oci" ? "container" : "application",
      name: subject.name,
      ...(subject.version ? { version: subject.version } : {}),
      purl: subject.canonical,
      "bom-ref": subject.canonical,
    };
  }
  const sortedComponents = [...components.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
  const body = { components: sortedComponents, vulnerabilities };
  const document: Record<string, unknown> = {
    $schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: `urn:uuid:${uuidFrom(`${options.documentId}\n${JSON.stringify(body)}`)}`,
    version: 1,
    metadata,
    ...body,
  };
  return { document, warnings };
}
