/**
 * Merging findings that describe the same vulnerability in the same package version: the OSV
 * matcher produces one finding per matching record, the report importers one per report row, and
 * both go through here so the rules are the same.
 *
 * Within one package version, findings whose ids or aliases overlap are joined (union-find). Two
 * groups that each contain a different CVE are never joined: an advisory that lists several CVEs
 * (a DSA fixing three of them) is one advisory but several vulnerabilities, so it is attached to
 * each of its CVEs' findings as an alias instead of gluing them into one.
 *
 * The merged finding takes the CVE as its id (the smallest record id when there is none), every
 * other id as an alias, the WORST severity of its parts (never lower a rating by merging), and the
 * union of CVSS vectors, fixed versions, references and locations.
 */
import { severityRank, worstSeverity } from "./cvss.js";
import type { CvssScore, Finding } from "./model.js";

const CVE = /^CVE-\d{4}-\d+$/;

export function isCve(id: string): boolean {
  return CVE.test(id);
}

export function packageKey(f: Finding): string {
  return `${f.package.ecosystem}\u0000${f.package.name}\u0000${f.package.version}`;
}

function idsOf(f: Finding): string[] {
  return [f.id, ...f.aliases];
}

class UnionFind {
  private parent = new Map<string, string>();
  private cves = new Map<string, Set<string>>();

  add(id: string): void {
    if (this.parent.has(id)) return;
    this.parent.set(id, id);
    this.cves.set(id, new Set(isCve(id) ? [id] : []));
  }

  find(id: string): string {
    let root = id;
    while (this.parent.get(root) !== root) root = this.parent.get(root) as string;
    let cur = id;
    while (cur !== root) {
      const next = this.parent.get(cur) as string;
      this.parent.set(cur, root);
      cur = next;
    }
    return root;
  }

  /** Joins unless that would put two different CVEs in one group. */
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    const ca = this.cves.get(ra) as Set<string>;
    const cb = this.cves.get(rb) as Set<string>;
    if (ca.size > 0 && cb.size > 0 && ![...ca].every((c) => cb.has(c))) return;
    const [root, child] = ra < rb ? [ra, rb] : [rb, ra];
    this.parent.set(child, root);
    for (const c of this.cves.get(child) as Set<string>) (this.cves.get(root) as Set<string>).add(c);
  }
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cvssKey(c: CvssScore): string {
  return `${c.version}\u0000${c.vector}\u0000${c.source ?? ""}`;
}

export interface MergeOptions {
  /** Orders fixed versions (nearest first) for a finding's ecosystem; strings sort when absent. */
  compareVersions?: (ecosystem: string, a: string, b: string) => number | undefined;
}

function mergeGroup(primaryIds: Set<string>, parts: Finding[], opts: MergeOptions): Finding {
  const ids = new Set<string>();
  for (const p of parts) for (const id of idsOf(p)) ids.add(id);
  const cves = [...primaryIds].filter(isCve).sort(byString);
  const recordIds = parts.map((p) => p.id).sort(byString);
  const id = cves[0] ?? recordIds[0] ?? [...ids].sort(byString)[0] ?? "";
  ids.delete(id);
  // Other CVEs named only by a multi-CVE advisory are not aliases of this one.
  for (const x of [...ids]) if (isCve(x) && !primaryIds.has(x)) ids.delete(x);
  const ordered = [...parts].sort((a, b) => byString(a.id, b.id));
  const first = ordered.find((p) => p.id === id) ?? (ordered[0] as Finding);

  const cvss = new Map<string, CvssScore>();
  for (const p of ordered) for (const c of p.cvss) cvss.set(cvssKey(c), c);
  const fixed = [...new Set(ordered.flatMap((p) => p.fixedVersions))];
  fixed.sort((a, b) => opts.compareVersions?.(first.package.ecosystem, a, b) ?? byString(a, b));
  const refs = [...new Set(ordered.flatMap((p) => p.references ?? []))];
  const locations = [...new Set(ordered.flatMap((p) => p.package.locations ?? []))].sort(byString);
  const bomRefs = ordered.map((p) => p.package.bomRef).filter((x): x is string => x !== undefined).sort(byString);
  const purls = ordered.map((p) => p.package.purl).filter((x): x is string => x !== undefined).sort(byString);
  const names = [...new Set(ordered.map((p) => p.source.name).filter((x): x is string => x !== undefined))].sort(byString);
  const files = ordered.map((p) => p.source.file).filter((x): x is string => x !== undefined);

  const merged: Finding = {
    id,
    aliases: [...ids].sort(byString),
    package: { ...first.package },
    severity: worstSeverity(ordered.map((p) => p.severity)),
    cvss: [...cvss.values()].sort((a, b) => byString(a.version, b.version) || byString(a.source ?? "", b.source ?? "") || byString(a.vector, b.vector)),
    fixedVersions: fixed,
    source: { kind: first.source.kind },
  };
  if (bomRefs[0] !== undefined) merged.package.bomRef = bomRefs[0];
  if (purls[0] !== undefined) merged.package.purl = purls[0];
  if (locations.length) merged.package.locations = locations;
  else delete merged.package.locations;
  const summary = first.summary ?? ordered.find((p) => p.summary)?.summary;
  if (summary !== undefined) merged.summary = summary;
  if (refs.length) merged.references = refs;
  const published = ordered.map((p) => p.published).filter((x): x is string => !!x).sort(byString)[0];
  const modified = ordered.map((p) => p.modified).filter((x): x is string => !!x).sort(byString).pop();
  if (published) merged.published = published;
  if (modified) merged.modified = modified;
  if (names.length) merged.source.name = names.join(",");
  if (files[0] !== undefined) merged.source.file = files[0];
  return merged;
}

/** Merges by alias within each package version; returns findings in `sortFindings` order. */
export function mergeFindings(findings: readonly Finding[], opts: MergeOptions = {}): Finding[] {
  const byPackage = new Map<string, Finding[]>();
  for (const f of findings) {
    const k = packageKey(f);
    const list = byPackage.get(k);
    if (list) list.push(f);
    else byPackage.set(k, [f]);
  }
  const out: Finding[] = [];
  for (const parts of byPackage.values()) {
    const uf = new UnionFind();
    const multi: Finding[] = [];
    const single: Finding[] = [];
    for (const f of parts) (idsOf(f).filter(isCve).length > 1 ? multi : single).push(f);
    for (const f of single) {
      for (const id of idsOf(f)) uf.add(id);
      for (const id of f.aliases) uf.union(f.id, id);
    }
    const groups = new Map<string, { primaryIds: Set<string>; parts: Finding[] }>();
    const groupOf = (root: string) => {
      let g = groups.get(root);
      if (!g) groups.set(root, (g = { primaryIds: new Set(), parts: [] }));
      return g;
    };
    for (const f of single) {
      const g = groupOf(uf.find(f.id));
      for (const id of idsOf(f)) g.primaryIds.add(id);
      g.parts.push(f);
    }
    // A multi-CVE advisory joins the group of each CVE it names (creating it when needed).
    for (const f of multi) {
      for (const cve of idsOf(f).filter(isCve)) {
        uf.add(cve);
        const g = groupOf(uf.find(cve));
        g.primaryIds.add(cve);
        g.parts.push(f);
      }
    }
    for (const g of groups.values()) out.push(mergeGroup(g.primaryIds, g.parts, opts));
  }
  return sortFindings(out);
}

/** Worst severity first, then id, ecosystem, package name, version: stable across runs. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      byString(a.id, b.id) ||
      byString(a.package.ecosystem, b.package.ecosystem) ||
      byString(a.package.name, b.package.name) ||
      byString(a.package.version, b.package.version),
  );
}
