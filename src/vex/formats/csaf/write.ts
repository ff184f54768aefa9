/**
 * Statements → one CSAF 2.0 document of category `csaf_vex` that passes the CSAF 2.0 schema and
 * the VEX profile's mandatory tests (see `profile.ts`). Product ids are assigned in sorted order
 * (`CSAFPID-0001`, ...), so the same statements always give the same document. A product with
 * subcomponents becomes a `default_component_of` relationship per subcomponent.
 */
import { compareStatements } from "../../match.js";
import type { VexComponent, VexStatement, VexStatus } from "../../model.js";
import { byKey, EPOCH, latestTimestamp, statementSortKey } from "../shared.js";
import type { VexWriteOptions, VexWriteResult } from "../types.js";

const STATUS_KEY: Record<VexStatus, string> = {
  not_affected: "known_not_affected",
  affected: "known_affected",
  fixed: "fixed",
  under_investigation: "under_investigation",
};

function componentKey(c: VexComponent): string {
  return c.purl ?? c.cpe ?? c.id;
}

function fullProductName(c: VexComponent, productId: string): Record<string, unknown> {
  const helper: Record<string, string> = {};
  if (c.purl) helper.purl = c.purl;
  if (c.cpe) helper.cpe = c.cpe;
  return { name: c.name ?? c.purl ?? c.id, product_id: productId, ...(Object.keys(helper).length ? { product_identification_helper: helper } : {}) };
}

export function writeCsaf(statements: readonly VexStatement[], options: VexWriteOptions): VexWriteResult {
  const warnings: string[] = [];
  const sorted = [...statements].sort(byKey(statementSortKey));

  // 1. Product ids, deterministic: plain components first (sorted), then relationships (sorted).
  const plain = new Map<string, VexComponent>();
  const rels = new Map<string, { part: string; whole: string }>();
  for (const s of sorted) {
    for (const p of s.products) {
      plain.set(componentKey(p), p);
      for (const sc of p.subcomponents) {
        plain.set(componentKey(sc), sc);
        rels.set(`${componentKey(sc)}\0${componentKey(p)}`, { part: componentKey(sc), whole: componentKey(p) });
      }
    }
  }
  const ids = new Map<string, string>();
  const fullProductNames: Record<string, unknown>[] = [];
  [...plain.keys()].sort().forEach((key, i) => {
    const pid = `CSAFPID-${String(i + 1).padStart(4, "0")}`;
    ids.set(key, pid);
    fullProductNames.push(fullProductName(plain.get(key)!, pid));
  });
  const relationships: Record<string, unknown>[] = [];
  for (const key of [...rels.keys()].sort()) {
    const { part, whole } = rels.get(key)!;
    const pid = `${ids.get(part)}:IN:${ids.get(whole)}`;
    ids.set(key, pid);
    relationships.push({
      category: "default_component_of",
      full_product_name: { name: `${plain.get(part)!.name ?? part} as a component of ${plain.get(whole)!.name ?? whole}`, product_id: pid },
      product_reference: ids.get(part),
      relates_to_product_reference: ids.get(whole),
    });
  }

  // 2. Per vulnerability, one status per product: CSAF forbids contradicting statuses (6.1.6), so
  //    when statements disagree about a product the latest one is written.
  const byVuln = new Map<string, Map<string, VexStatement>>();
  for (const s of sorted) {
    const perProduct = byVuln.get(s.vulnerability) ?? new Map<string, VexStatement>();
    byVuln.set(s.vulnerability, perProduct);
    const pids = s.products.flatMap((p) =>
      p.subcomponents.length ? p.subcomponents.map((sc) => ids.get(`${componentKey(sc)}\0${componentKey(p)}`)!) : [ids.get(componentKey(p))!],
    );
    for (const pid of pids) {
      const old = perProduct.get(pid);
      const winner = old && compareStatements(old, s) > 0 ? old : s;
      if (old && old.status !== s.status) warnings.push(`${s.vulnerability}: statements disagree about product ${pid}; the latest (${winner.status}) is written`);
      perProduct.set(pid, winner);
    }
  }

  const vulnerabilities: Record<string, unknown>[] = [];
  for (const vuln of [...byVuln.keys()].sort()) {
    const placed = [...byVuln.get(vuln)!.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const first = placed[0]![1];
    const aliases = [...new Set(placed.flatMap(([, st]) => st.aliases))];
    const productStatus: Record<string, string[]> = {};
    const flags = new Map<string, string[]>();
    const threats = new Map<string, string[]>();
    const remediations = new Map<string, { category: string; details: string; product_ids: string[] }>();
    for (const [pid, s] of placed) {
      (productStatus[STATUS_KEY[s.status]] ??= []).push(pid);
      if (s.status === "not_affected") {
        if (s.justification) flags.set(s.justification, [...(flags.get(s.justification) ?? []), pid]);
        // 6.1.27.9: every known_not_affected product needs a flag or an impact threat.
        const details = s.impactStatement ?? (s.justification ? undefined : `No justification was given in the source (${s.source.format} ${s.source.documentId}).`);
        if (details) threats.set(details, [...(threats.get(details) ?? []), pid]);
      }
      if (s.status === "affected") {
        // 6.1.27.10: every known_affected product needs a remediation.
        const details = s.actionStatement ?? "No action statement was given in the source.";
        const category = s.actionStatement ? "mitigation" : "none_available";
        const key = `${category}\0${details}`;
        const r = remediations.get(key) ?? { category, details, product_ids: [] };
        r.product_ids.push(pid);
        remediations.set(key, r);
      }
    }
    const v: Record<string, unknown> = {};
    const isCve = (x: string) => /^CVE-\d{4}-\d{4,}$/i.test(x);
    const cve = [vuln, ...aliases].find(isCve)?.toUpperCase();
    if (cve) v.cve = cve;
    const otherIds = [...new Set([vuln, ...aliases].filter((x) => x.toUpperCase() !== cve))].sort();
    if (otherIds.length) v.ids = otherIds.map((t) => ({ system_name: t.split("-")[0] || "unknown", text: t }));
    v.notes = [{ category: "general", title: "VEX statement", text: `Status of ${vuln} in the products listed, as recorded by ${first.author ?? options.author}.` }];
    v.product_status = Object.fromEntries(Object.entries(productStatus).sort(([a], [b]) => (a < b ? -1 : 1)));
    if (flags.size) v.flags = [...flags.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([label, pids]) => ({ label, product_ids: pids }));
    if (threats.size) v.threats = [...threats.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([details, pids]) => ({ category: "impact", details, product_ids: pids }));
    if (remediations.size) v.remediations = [...remediations.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r);
    vulnerabilities.push(v);
  }

  const date = options.timestamp ?? latestTimestamp(statements) ?? EPOCH;
  const document: Record<string, unknown> = {
    document: {
      category: "csaf_vex",
      csaf_version: "2.0",
      notes: [{ category: "summary", title: "About this document", text: `VEX statements${options.subject ? ` for ${options.subject}` : ""}, exported by Mailknight.` }],
      publisher: {
        category: "vendor",
        name: options.author,
        namespace: options.namespace ?? `urn:mailknight:publisher:${encodeURIComponent(options.author)}`,
      },
      title: `VEX for ${options.subject ?? options.documentId}`,
      tracking: {
        current_release_date: date,
        generator: { engine: { name: "mailknight", version: options.toolVersion } },
        id: options.documentId,
        initial_release_date: date,
        revision_history: [{ date, number: "1", summary: "Generated from VEX statements." }],
        status: "final",
        version: "1",
      },
    },
  };
  // The schema wants these lists non-empty; an export with no statements simply has none.
  if (fullProductNames.length) document.product_tree = { full_product_names: fullProductNames, ...(relationships.length ? { relationships } : {}) };
  if (vulnerabilities.length) document.vulnerabilities = vulnerabilities;
  return { document, warnings };
}
