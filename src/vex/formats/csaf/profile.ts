/**
 * The CSAF 2.0 mandatory tests that the JSON Schema cannot express and that matter for VEX
 * (CSAF 2.0 §6.1): product ids defined (6.1.1) and defined once (6.1.2), no contradicting
 * product status (6.1.6), and the csaf_vex profile tests 6.1.27.4–6.1.27.10. Not the full set
 * (CVSS consistency, dates, language tags and the rest are out of scope).
 */
import type { Problem } from "../../../errors.js";
import { isRecord, Problems, type PathSegment } from "../shared.js";

function definedIds(tree: unknown, problems: Problems): Set<string> {
  const ids = new Set<string>();
  const define = (fpn: unknown, path: PathSegment[]) => {
    if (!isRecord(fpn) || typeof fpn.product_id !== "string") return;
    if (ids.has(fpn.product_id)) problems.add([...path, "product_id"], "is defined more than once (CSAF 6.1.2)", fpn.product_id);
    ids.add(fpn.product_id);
  };
  if (!isRecord(tree)) return ids;
  const walk = (branches: unknown, path: PathSegment[], depth: number) => {
    if (!Array.isArray(branches) || depth > 30) return;
    branches.forEach((b, i) => {
      if (!isRecord(b)) return;
      define(b.product, [...path, i, "product"]);
      walk(b.branches, [...path, i, "branches"], depth + 1);
    });
  };
  walk(tree.branches, ["product_tree", "branches"], 0);
  if (Array.isArray(tree.full_product_names)) tree.full_product_names.forEach((f, i) => define(f, ["product_tree", "full_product_names", i]));
  if (Array.isArray(tree.relationships)) tree.relationships.forEach((r, i) => isRecord(r) && define(r.full_product_name, ["product_tree", "relationships", i, "full_product_name"]));
  return ids;
}

const AFFECTED = ["first_affected", "known_affected", "last_affected"];
const NOT_AFFECTED = ["known_not_affected"];
const FIXED = ["first_fixed", "fixed"];
const INVESTIGATING = ["under_investigation"];
const GROUPS = [AFFECTED, NOT_AFFECTED, FIXED, INVESTIGATING];

export function csafVexProfileProblems(doc: unknown, file: string): Problem[] {
  const problems = new Problems(file);
  if (!isRecord(doc)) return problems.list;
  const ids = definedIds(doc.product_tree, problems);
  const isVex = isRecord(doc.document) && doc.document.category === "csaf_vex";
  if (isVex && !isRecord(doc.product_tree)) problems.add(["product_tree"], "is required in a csaf_vex document (CSAF 6.1.27.4)");
  const refs = (list: unknown, path: PathSegment[]) => {
    if (!Array.isArray(list)) return [];
    list.forEach((id, i) => {
      if (typeof id === "string" && !ids.has(id)) problems.add([...path, i], "names no product defined in the product tree (CSAF 6.1.1)", id);
    });
    return list.filter((x): x is string => typeof x === "string");
  };
  if (!Array.isArray(doc.vulnerabilities)) {
    if (isVex) problems.add(["vulnerabilities"], "is required in a csaf_vex document (CSAF 6.1.27.4)");
    return problems.list;
  }
  doc.vulnerabilities.forEach((v, i) => {
    const path: PathSegment[] = ["vulnerabilities", i];
    if (!isRecord(v)) return;
    const status = isRecord(v.product_status) ? v.product_status : undefined;
    const byStatus = new Map<string, string[]>();
    if (status) for (const [k, list] of Object.entries(status)) byStatus.set(k, refs(list, [...path, "product_status", k]));
    // 6.1.6: a product may appear in only one status group.
    const groupOf = new Map<string, number>();
    GROUPS.forEach((keys, g) => {
      for (const k of keys) {
        for (const id of byStatus.get(k) ?? []) {
          const other = groupOf.get(id);
          if (other !== undefined && other !== g) problems.add([...path, "product_status", k], "lists a product that another status group of this vulnerability also lists (CSAF 6.1.6)", id);
          groupOf.set(id, g);
        }
      }
    });
    const mentioned = (key: "flags" | "threats" | "remediations", filter: (x: Record<string, unknown>) => boolean) => {
      const out = new Set<string>();
      if (Array.isArray(v[key])) {
        (v[key] as unknown[]).forEach((x, j) => {
          if (!isRecord(x) || !filter(x)) return;
          for (const id of refs(x.product_ids, [...path, key, j, "product_ids"])) out.add(id);
        });
      }
      return out;
    };
    const flagged = mentioned("flags", () => true);
    const impacts = mentioned("threats", (t) => t.category === "impact");
    const remediated = mentioned("remediations", () => true);
    if (!isVex) return;
    if (!Array.isArray(v.notes) || v.notes.length === 0) problems.add([...path, "notes"], "is required in a csaf_vex document (CSAF 6.1.27.5)");
    if (!status) return problems.add([...path, "product_status"], "is required in a csaf_vex document (CSAF 6.1.27.6)");
    if (!["known_affected", "known_not_affected", "fixed", "under_investigation"].some((k) => (byStatus.get(k) ?? []).length > 0)) {
      problems.add([...path, "product_status"], "needs at least one of fixed, known_affected, known_not_affected, under_investigation (CSAF 6.1.27.7)");
    }
    if (typeof v.cve !== "string" && !(Array.isArray(v.ids) && v.ids.length > 0)) problems.add([...path, "cve"], "or ids is required (CSAF 6.1.27.8)");
    for (const id of byStatus.get("known_not_affected") ?? []) {
      if (!flagged.has(id) && !impacts.has(id)) problems.add([...path, "product_status", "known_not_affected"], "lists a product with neither a flag nor an impact threat (CSAF 6.1.27.9)", id);
    }
    for (const id of byStatus.get("known_affected") ?? []) {
      if (!remediated.has(id)) problems.add([...path, "product_status", "known_affected"], "lists a product without a remediation (CSAF 6.1.27.10)", id);
    }
  });
  return problems.list;
}
