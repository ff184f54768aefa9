/**
 * Statements → one OpenVEX 0.2.0 document that passes the official schema. Products are written
 * by PURL; a product with only a CPE goes under `identifiers`; a product known only by a name
 * (CSAF) cannot be expressed and is left out with a warning.
 */
import type { VexComponent, VexStatement } from "../../model.js";
import { byKey, EPOCH, latestTimestamp, statementSortKey } from "../shared.js";
import type { VexWriteOptions, VexWriteResult } from "../types.js";
import { joinStatusNotes } from "./expiry.js";

export const OPENVEX_CONTEXT = "https://openvex.dev/ns/v0.2.0";

const IRI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/u;

function componentJson(c: VexComponent): Record<string, unknown> | undefined {
  if (c.purl) return { "@id": c.purl };
  if (c.cpe) return { identifiers: c.cpe.startsWith("cpe:2.3:") ? { cpe23: c.cpe } : { cpe22: c.cpe } };
  if (IRI.test(c.id)) return { "@id": c.id };
  return undefined;
}

function statementJson(s: VexStatement, warnings: string[]): Record<string, unknown> | undefined {
  const products: Record<string, unknown>[] = [];
  for (const p of s.products) {
    const pj = componentJson(p);
    if (!pj) {
      warnings.push(`${s.source.file} ${s.source.path}: product "${p.id}" has no PURL, CPE or IRI; OpenVEX cannot name it, left out`);
      continue;
    }
    const subs = p.subcomponents.map((c) => componentJson(c)).filter((c): c is Record<string, unknown> => c !== undefined);
    if (subs.length !== p.subcomponents.length) warnings.push(`${s.source.file} ${s.source.path}: a subcomponent of "${p.id}" has no PURL, CPE or IRI, left out`);
    products.push(subs.length ? { ...pj, subcomponents: subs } : pj);
  }
  if (products.length === 0) {
    warnings.push(`${s.source.file} ${s.source.path}: ${s.vulnerability} has no product OpenVEX can name; statement left out`);
    return undefined;
  }
  const out: Record<string, unknown> = {
    vulnerability: s.aliases.length ? { name: s.vulnerability, aliases: s.aliases } : { name: s.vulnerability },
    products,
    status: s.status,
  };
  if (s.timestamp) out.timestamp = s.timestamp;
  if (s.justification) out.justification = s.justification;
  if (s.impactStatement) out.impact_statement = s.impactStatement;
  if (s.actionStatement) out.action_statement = s.actionStatement;
  // The schema requires these; a source that did not give them gets an honest placeholder.
  if (s.status === "not_affected" && !s.justification && !s.impactStatement) {
    out.impact_statement = `No justification was given in the source (${s.source.format} ${s.source.documentId}).`;
  }
  if (s.status === "affected" && !s.actionStatement) {
    out.action_statement = `No action statement was given in the source (${s.source.format} ${s.source.documentId}).`;
  }
  const notes = joinStatusNotes(s.statusNotes, s.expires);
  if (notes) out.status_notes = notes;
  return out;
}

export function writeOpenVex(statements: readonly VexStatement[], options: VexWriteOptions): VexWriteResult {
  const warnings: string[] = [];
  const sorted = [...statements].sort(byKey(statementSortKey));
  const rendered = sorted.map((s) => statementJson(s, warnings)).filter((s): s is Record<string, unknown> => s !== undefined);
  const document: Record<string, unknown> = {
    "@context": OPENVEX_CONTEXT,
    "@id": options.documentId,
    author: options.author,
    timestamp: options.timestamp ?? latestTimestamp(statements) ?? EPOCH,
    version: 1,
    tooling: `mailknight ${options.toolVersion}`,
    statements: rendered,
  };
  return { document, warnings };
}
