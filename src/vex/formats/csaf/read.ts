/**
 * CSAF 2.0 VEX → statements. Per vulnerability: `product_status` gives each product id a status,
 * `flags` give not_affected products their justification label, `threats` of category `impact`
 * their impact statement, `remediations` affected products their action statement. Products that
 * share status and wording form one statement. CSAF has no expiry field; the document's
 * `tracking.current_release_date` is every statement's timestamp.
 */
import type { Justification, VexProduct, VexReadResult, VexStatement, VexStatus } from "../../model.js";
import { JUSTIFICATIONS } from "../../model.js";
import { aliasList, failOnProblems, isRecord, Problems, text, type PathSegment } from "../shared.js";
import { readProductTree, type ProductTree } from "./product-tree.js";

/** product_status keys → status; `recommended` says nothing about being affected and is skipped. */
export const CSAF_STATUS: Record<string, VexStatus | undefined> = {
  known_not_affected: "not_affected",
  known_affected: "affected",
  first_affected: "affected",
  last_affected: "affected",
  fixed: "fixed",
  first_fixed: "fixed",
  under_investigation: "under_investigation",
  recommended: undefined,
};

function productIds(raw: Record<string, unknown>, tree: ProductTree, problems: Problems, path: PathSegment[]): string[] {
  const ids: string[] = [];
  if (Array.isArray(raw.product_ids)) ids.push(...raw.product_ids.map(String));
  if (Array.isArray(raw.group_ids)) {
    raw.group_ids.forEach((g, i) => {
      const members = tree.groups.get(String(g));
      if (!members) problems.add([...path, "group_ids", i], "names no product group defined in product_tree.product_groups", g);
      else ids.push(...members);
    });
  }
  return ids;
}

function appendTo(map: Map<string, string>, id: string, value: string): void {
  const old = map.get(id);
  map.set(id, old ? `${old}\n${value}` : value);
}

export function readCsaf(doc: unknown, file: string): VexReadResult {
  const problems = new Problems(file);
  const warnings: string[] = [];
  const d = isRecord(doc) ? doc : {};
  const document = isRecord(d.document) ? d.document : undefined;
  if (!document) problems.add(["document"], "is required: a CSAF document has document metadata", d.document);
  if (document && document.csaf_version !== "2.0") problems.add(["document", "csaf_version"], 'must be "2.0"', document.csaf_version);
  failOnProblems(`${file} is not a CSAF 2.0 document`, problems);
  const doc2 = document as Record<string, unknown>;
  if (doc2.category !== "csaf_vex") warnings.push(`${file}: document.category is ${JSON.stringify(doc2.category)}, not "csaf_vex"; reading its product_status anyway`);
  const tracking = isRecord(doc2.tracking) ? doc2.tracking : {};
  const documentId = text(tracking.id) ?? file;
  if (!text(tracking.id)) problems.add(["document", "tracking", "id"], "is required", tracking.id);
  const timestamp = text(tracking.current_release_date);
  const publisher = isRecord(doc2.publisher) ? doc2.publisher : {};
  const author = text(publisher.name);
  const tree = readProductTree(d.product_tree, problems);
  const statements: VexStatement[] = [];

  const vulns = Array.isArray(d.vulnerabilities) ? d.vulnerabilities : [];
  if (d.vulnerabilities !== undefined && !Array.isArray(d.vulnerabilities)) problems.add(["vulnerabilities"], "must be an array", d.vulnerabilities);
  vulns.forEach((v, i) => {
    const path: PathSegment[] = ["vulnerabilities", i];
    if (!isRecord(v)) return problems.add(path, "must be an object", v);
    const ids = Array.isArray(v.ids) ? v.ids.map((x) => (isRecord(x) ? text(x.text) : undefined)) : [];
    const primary = text(v.cve) ?? ids.find(Boolean);
    if (!primary) return problems.add([...path, "cve"], "is required (or ids[]): a VEX statement needs the vulnerability id (CSAF 6.1.27.8)");
    const resolve = (id: string, at: PathSegment[]): VexProduct | undefined => {
      const p = tree.products.get(id);
      if (!p) problems.add(at, "names no product defined in the product tree (CSAF 6.1.1)", id);
      return p;
    };

    const justification = new Map<string, Justification>();
    if (Array.isArray(v.flags)) {
      v.flags.forEach((f, j) => {
        if (!isRecord(f)) return problems.add([...path, "flags", j], "must be an object", f);
        if (!(JUSTIFICATIONS as readonly unknown[]).includes(f.label)) return problems.add([...path, "flags", j, "label"], `must be one of ${JUSTIFICATIONS.join(", ")}`, f.label);
        for (const id of productIds(f, tree, problems, [...path, "flags", j])) justification.set(id, f.label as Justification);
      });
    }
    const impact = new Map<string, string>();
    if (Array.isArray(v.threats)) {
      v.threats.forEach((t, j) => {
        if (!isRecord(t) || t.category !== "impact" || !text(t.details)) return;
        for (const id of productIds(t, tree, problems, [...path, "threats", j])) appendTo(impact, id, String(t.details).trim());
      });
    }
    const action = new Map<string, string>();
    if (Array.isArray(v.remediations)) {
      v.remediations.forEach((r, j) => {
        if (!isRecord(r) || !text(r.details)) return;
        const line = `${String(r.category ?? "remediation")}: ${String(r.details).trim()}`;
        for (const id of productIds(r, tree, problems, [...path, "remediations", j])) appendTo(action, id, line);
      });
    }

    const status = isRecord(v.product_status) ? v.product_status : undefined;
    if (!status) return warnings.push(`${file} at vulnerabilities[${i}]: no product_status; nothing to read`);
    // One statement per (status, wording); products in insertion order, which is the document's.
    const groups = new Map<string, VexStatement>();
    for (const [key, list] of Object.entries(status)) {
      if (!(key in CSAF_STATUS)) {
        problems.add([...path, "product_status", key], `is not a CSAF product status (one of ${Object.keys(CSAF_STATUS).join(", ")})`);
        continue;
      }
      const st = CSAF_STATUS[key];
      if (!st) continue;
      if (!Array.isArray(list)) {
        problems.add([...path, "product_status", key], "must be an array of product ids", list);
        continue;
      }
      list.forEach((pid, k) => {
        const id = String(pid);
        const product = resolve(id, [...path, "product_status", key, k]);
        if (!product) return;
        const just = st === "not_affected" ? justification.get(id) : undefined;
        const imp = st === "not_affected" ? impact.get(id) : undefined;
        const act = st === "affected" ? action.get(id) : undefined;
        const groupKey = `${st}\0${just ?? ""}\0${imp ?? ""}\0${act ?? ""}`;
        let s = groups.get(groupKey);
        if (!s) {
          s = {
            vulnerability: primary,
            aliases: aliasList(primary, [text(v.cve), ...ids]),
            products: [],
            status: st,
            ...(just ? { justification: just } : {}),
            ...(imp ? { impactStatement: imp } : {}),
            ...(act ? { actionStatement: act } : {}),
            ...(timestamp ? { timestamp } : {}),
            ...(author ? { author } : {}),
            source: { format: "csaf", file, documentId, path: `vulnerabilities[${i}]` },
          };
          groups.set(groupKey, s);
        }
        s.products.push(product);
      });
    }
    statements.push(...groups.values());
  });
  failOnProblems(`${file} is not a usable CSAF 2.0 VEX document`, problems, "fix the fields listed; `mailknight vex validate <file>` also checks the CSAF 2.0 schema");
  return { format: "csaf", statements, warnings };
}
