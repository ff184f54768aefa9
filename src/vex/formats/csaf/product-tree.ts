/**
 * CSAF 2.0 `product_tree` → product ids resolved to components: every `branches` leaf, every
 * `full_product_names` entry and every `relationships[].full_product_name`. A relationship
 * ("A default_component_of B") becomes product B with subcomponent A, the OpenVEX shape.
 */
import type { VexComponent, VexProduct } from "../../model.js";
import { isRecord, Problems, text, type PathSegment } from "../shared.js";
import { normalizePurl } from "../../purl.js";

export interface ProductTree {
  products: Map<string, VexProduct>;
  groups: Map<string, string[]>;
}

function fullProductName(raw: unknown, problems: Problems, path: PathSegment[], versionRange?: string): VexComponent | undefined {
  if (!isRecord(raw)) {
    problems.add(path, "must be an object with name and product_id", raw);
    return undefined;
  }
  const id = text(raw.product_id);
  if (!id) {
    problems.add([...path, "product_id"], "is required", raw.product_id);
    return undefined;
  }
  const helper = isRecord(raw.product_identification_helper) ? raw.product_identification_helper : {};
  const purlText = text(helper.purl);
  const purl = purlText ? normalizePurl(purlText) : undefined;
  if (purlText && !purl) problems.add([...path, "product_identification_helper", "purl"], "is not a valid package URL", purlText);
  const cpe = text(helper.cpe);
  const name = text(raw.name);
  return { id, ...(purl ? { purl } : {}), ...(cpe ? { cpe } : {}), ...(name ? { name } : {}), ...(versionRange ? { versionRange } : {}) };
}

export function readProductTree(tree: unknown, problems: Problems): ProductTree {
  const products = new Map<string, VexProduct>();
  const groups = new Map<string, string[]>();
  if (tree === undefined) return { products, groups };
  const base: PathSegment[] = ["product_tree"];
  if (!isRecord(tree)) {
    problems.add(base, "must be an object", tree);
    return { products, groups };
  }
  const define = (c: VexComponent | undefined, path: PathSegment[], subcomponents: VexComponent[] = []) => {
    if (!c) return;
    if (products.has(c.id)) problems.add([...path, "product_id"], "is defined more than once in the product tree (CSAF 6.1.2)", c.id);
    products.set(c.id, { ...c, subcomponents });
  };
  const walk = (branches: unknown, path: PathSegment[], depth: number) => {
    if (branches === undefined) return;
    if (!Array.isArray(branches)) return problems.add(path, "must be an array", branches);
    if (depth > 30) return problems.add(path, "is nested more than 30 levels deep");
    branches.forEach((b, i) => {
      const p = [...path, i];
      if (!isRecord(b)) return problems.add(p, "must be an object", b);
      const range = b.category === "product_version_range" ? text(b.name) : undefined;
      if (b.product !== undefined) define(fullProductName(b.product, problems, [...p, "product"], range), [...p, "product"]);
      walk(b.branches, [...p, "branches"], depth + 1);
    });
  };
  walk(tree.branches, [...base, "branches"], 0);
  if (Array.isArray(tree.full_product_names)) {
    tree.full_product_names.forEach((f, i) => define(fullProductName(f, problems, [...base, "full_product_names", i]), [...base, "full_product_names", i]));
  }
  // Relationships refer to products defined above, so they are resolved after them.
  if (Array.isArray(tree.relationships)) {
    tree.relationships.forEach((r, i) => {
      const p: PathSegment[] = [...base, "relationships", i];
      if (!isRecord(r)) return problems.add(p, "must be an object", r);
      const part = products.get(String(r.product_reference));
      const whole = products.get(String(r.relates_to_product_reference));
      if (!part) return problems.add([...p, "product_reference"], "names no product defined in the product tree (CSAF 6.1.1)", r.product_reference);
      if (!whole) return problems.add([...p, "relates_to_product_reference"], "names no product defined in the product tree (CSAF 6.1.1)", r.relates_to_product_reference);
      const own = fullProductName(r.full_product_name, problems, [...p, "full_product_name"]);
      if (!own) return;
      const { subcomponents: _ignored, ...partComponent } = part;
      define({ ...whole, id: own.id, ...(own.name ? { name: own.name } : {}) }, [...p, "full_product_name"], [partComponent]);
    });
  }
  if (Array.isArray(tree.product_groups)) {
    tree.product_groups.forEach((g, i) => {
      if (!isRecord(g) || !text(g.group_id) || !Array.isArray(g.product_ids)) return problems.add([...base, "product_groups", i], "needs group_id and product_ids", g);
      groups.set(String(g.group_id), g.product_ids.map(String));
    });
  }
  return { products, groups };
}
