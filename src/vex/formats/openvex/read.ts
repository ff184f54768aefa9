/**
 * OpenVEX 0.2.0 → statements. The document is first checked against the official schema; fields
 * the schema does not know (vexctl's own sample has a `statement` field) are warnings, every other
 * schema violation is a problem with its JSON path and the document is rejected.
 */
import type { Justification, VexComponent, VexProduct, VexReadResult, VexStatement, VexStatus } from "../../model.js";
import { validateOpenVexSchema } from "../../official-schemas.js";
import { aliasList, componentFromId, failOnProblems, isRecord, Problems, text, type PathSegment } from "../shared.js";
import { splitStatusNotes } from "./expiry.js";

function component(raw: Record<string, unknown>, problems: Problems, path: PathSegment[]): VexComponent | undefined {
  const ids = isRecord(raw.identifiers) ? raw.identifiers : {};
  const atId = text(raw["@id"]);
  const purlId = text(ids.purl);
  const cpe = text(ids.cpe23) ?? text(ids.cpe22);
  const id = atId ?? purlId ?? cpe;
  if (!id) return undefined; // the schema already reported it
  const c = componentFromId(id, problems, atId ? [...path, "@id"] : [...path, "identifiers", "purl"], cpe ? { cpe } : {});
  if (!c.purl && purlId && atId) {
    const viaIdentifiers = componentFromId(purlId, problems, [...path, "identifiers", "purl"]);
    if (viaIdentifiers.purl) c.purl = viaIdentifiers.purl;
  }
  return c;
}

export function readOpenVex(doc: unknown, file: string): VexReadResult {
  const warnings: string[] = [];
  const problems = new Problems(file);
  for (const issue of validateOpenVexSchema(doc, file)) {
    if (issue.keyword === "additionalProperties") warnings.push(`${file} at ${issue.path}: ${issue.message}; ignored`);
    else problems.list.push(issue);
  }
  failOnProblems(`${file} is not a valid OpenVEX 0.2.0 document`, problems, "fix the fields listed; `mailknight vex validate <file>` checks a file against the OpenVEX schema");
  const d = doc as Record<string, unknown>;
  const documentId = String(d["@id"]);
  const docTimestamp = text(d.timestamp);
  const author = text(d.author);
  const statements: VexStatement[] = [];
  const raws = d.statements as Record<string, unknown>[];
  raws.forEach((raw, i) => {
    const path: PathSegment[] = ["statements", i];
    const vuln = raw.vulnerability as Record<string, unknown>;
    const name = String(vuln.name).trim();
    const products: VexProduct[] = [];
    const rawProducts = Array.isArray(raw.products) ? (raw.products as Record<string, unknown>[]) : [];
    rawProducts.forEach((rp, j) => {
      const p = component(rp, problems, [...path, "products", j]);
      if (!p) return;
      const subs = Array.isArray(rp.subcomponents) ? (rp.subcomponents as Record<string, unknown>[]) : [];
      const subcomponents = subs
        .map((sc, k) => component(sc, problems, [...path, "products", j, "subcomponents", k]))
        .filter((c): c is VexComponent => c !== undefined);
      products.push({ ...p, subcomponents });
    });
    if (products.length === 0) warnings.push(`${file} at statements[${i}]: no products; the statement applies to nothing`);
    const { notes, expires } = splitStatusNotes(text(raw.status_notes));
    if (expires !== undefined && Number.isNaN(Date.parse(expires))) {
      problems.add([...path, "status_notes"], "has a mailknight:expires token that is not an RFC 3339 date-time", expires);
    }
    const justification = text(raw.justification) as Justification | undefined;
    const impact = text(raw.impact_statement);
    const action = text(raw.action_statement);
    const timestamp = text(raw.last_updated) ?? text(raw.timestamp) ?? docTimestamp;
    statements.push({
      vulnerability: name,
      aliases: aliasList(name, Array.isArray(vuln.aliases) ? (vuln.aliases as string[]) : []),
      products,
      status: raw.status as VexStatus,
      ...(justification ? { justification } : {}),
      ...(impact ? { impactStatement: impact } : {}),
      ...(action ? { actionStatement: action } : {}),
      ...(notes ? { statusNotes: notes } : {}),
      ...(timestamp ? { timestamp } : {}),
      ...(author ? { author } : {}),
      ...(expires ? { expires } : {}),
      source: { format: "openvex", file, documentId, path: `statements[${i}]` },
    });
  });
  failOnProblems(`${file} is not a usable OpenVEX document`, problems);
  return { format: "openvex", statements, warnings };
}
