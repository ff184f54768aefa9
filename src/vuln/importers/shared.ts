/**
 * Helpers shared by the report importers: typed field readers that record problems with JSON
 * paths, CVSS scoring with warnings, ecosystem naming, and the final de-duplication.
 */
import { scoreVector, type CvssVersion } from "../cvss.js";
import { formatEcosystem, parsePurl, targetForPurl, type DistroHint } from "../ecosystem.js";
import { mergeFindings } from "../findings.js";
import { isObject, type PathSegment, type Problems } from "../json.js";
import type { CvssScore, Finding } from "../model.js";
import { compareFixedVersions } from "../versions.js";
import type { ImportedReport } from "./types.js";

type Path = readonly PathSegment[];

export function optString(obj: Record<string, unknown>, key: string, path: Path, p: Problems): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") {
    p.add([...path, key], "must be a string", v);
    return undefined;
  }
  return v;
}

export function reqString(obj: Record<string, unknown>, key: string, path: Path, p: Problems): string | undefined {
  const v = obj[key];
  if (typeof v !== "string" || v.trim() === "") {
    p.add([...path, key], "is required: a non-empty string", ...(v === undefined ? [] : [v]));
    return undefined;
  }
  return v;
}

export function optStringList(obj: Record<string, unknown>, key: string, path: Path, p: Problems): string[] {
  const v = obj[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    p.add([...path, key], "must be an array of strings", v);
    return [];
  }
  const out: string[] = [];
  v.forEach((x, i) => {
    if (typeof x === "string") out.push(x);
    else p.add([...path, key, i], "must be a string", x);
  });
  return out;
}

export function optObject(obj: Record<string, unknown>, key: string, path: Path, p: Problems): Record<string, unknown> | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) {
    p.add([...path, key], "must be an object", v);
    return undefined;
  }
  return v;
}

export function optArray(obj: Record<string, unknown>, key: string, path: Path, p: Problems): unknown[] {
  const v = obj[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    p.add([...path, key], "must be an array", v);
    return [];
  }
  return v;
}

/** Scores a vector from a report; an unscorable one is kept out of `cvss` and noted, never fatal. */
export function reportCvss(vector: string, declared: CvssVersion | "3" | undefined, source: string, where: string, warnings: string[]): CvssScore | undefined {
  const r = scoreVector(vector, declared, source);
  if (r.ok) return r.score;
  warnings.push(`${where}: CVSS ignored: ${r.reason}`);
  return undefined;
}

/**
 * The OSV-style ecosystem of a reported package: from its PURL when that maps (with the report's
 * distribution for OS packages), else from the scanner's own package type via `fallback`.
 */
export function ecosystemOf(purl: string | undefined, distro: DistroHint | undefined, fallback: () => string): string {
  const parsed = purl ? parsePurl(purl) : undefined;
  if (parsed && parsed.version) {
    const t = targetForPurl(parsed, distro);
    if (t.ok) return formatEcosystem(t.target.ecosystem);
  }
  return fallback();
}

/**
 * The ecosystem of a distribution package a report names without a PURL (older Trivy, Grype for
 * some catalogers): a PURL is synthesised from the package type and distribution so that the
 * answer is the same as when the scanner writes one (`Alpine:v3.10`, not `alpine:3.10.2`).
 */
export function distroEcosystem(purlType: "deb" | "apk" | "rpm", distro: DistroHint, name: string, version: string): string | undefined {
  const purl = parsePurl(`pkg:${purlType}/${encodeURIComponent(distro.name.toLowerCase())}/${encodeURIComponent(name)}@${encodeURIComponent(version || "0")}`);
  if (!purl) return undefined;
  const t = targetForPurl(purl, distro);
  return t.ok ? formatEcosystem(t.target.ecosystem) : undefined;
}

/** Merges rows into findings and lists the (vulnerability, package, version) keys that repeated. */
export function finishReport(importer: string, rows: Finding[], base: Omit<ImportedReport, "findings" | "rows" | "duplicates" | "importer">): ImportedReport {
  const counts = new Map<string, number>();
  for (const f of rows) {
    const key = `${f.id} ${f.package.name}@${f.package.version} (${f.package.ecosystem})`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const duplicates = [...counts.entries()]
    .filter(([, n]) => n > 1)
    .map(([key, n]) => ({ key, rows: n }))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  const findings = mergeFindings(rows, { compareVersions: compareFixedVersions });
  const merged = rows.length - findings.length;
  const exact = duplicates.reduce((n, d) => n + d.rows - 1, 0);
  const warnings = [...base.warnings];
  if (merged > exact) warnings.push(`${merged - exact} row(s) merged into findings of the same package version because their ids are aliases of each other`);
  return { importer, ...base, findings, rows: rows.length, duplicates, warnings };
}
