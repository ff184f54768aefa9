/**
 * Trivy JSON reports, SchemaVersion 2 (`trivy image|fs|repo --format json`):
 * `Results[].Vulnerabilities[]` rows with VulnerabilityID, PkgName, PkgIdentifier.PURL,
 * InstalledVersion, FixedVersion (comma-separated), Severity, per-source CVSS, VendorIDs and Layer.
 *
 * The finding's severity is Trivy's own `Severity` (so the gate sees what Trivy saw and counts
 * per severity match the report); vectors are re-scored and kept alongside. VendorIDs (DSA-, RHSA-,
 * ALAS-) become aliases.
 */
import { formatPath, isObject, Problems, throwProblems, type PathSegment } from "../../json.js";
import { severityFromWord, type CvssVersion } from "../../cvss.js";
import { parsePurl, type DistroHint } from "../../ecosystem.js";
import type { CvssScore, Finding, Severity } from "../../model.js";
import { distroEcosystem, ecosystemOf, finishReport, optArray, optObject, optString, optStringList, reportCvss, reqString } from "../shared.js";
import type { ImportedReport, ReportImporter } from "../types.js";

export const id = "trivy";

/** Trivy's Result.Type for language packages → OSV ecosystem, when the row's PURL does not say. */
const LANG_TYPES: Record<string, string> = {
  npm: "npm",
  "node-pkg": "npm",
  yarn: "npm",
  pnpm: "npm",
  bun: "npm",
  pip: "PyPI",
  pipenv: "PyPI",
  poetry: "PyPI",
  uv: "PyPI",
  "python-pkg": "PyPI",
  gomod: "Go",
  gobinary: "Go",
  jar: "Maven",
  pom: "Maven",
  gradle: "Maven",
  sbt: "Maven",
  cargo: "crates.io",
  "rust-binary": "crates.io",
  bundler: "RubyGems",
  gemspec: "RubyGems",
  composer: "Packagist",
  nuget: "NuGet",
  "dotnet-core": "NuGet",
  "packages-props": "NuGet",
};

/** Trivy's OS family → the PURL type its packages have. */
const OS_TYPES: Record<string, "deb" | "apk" | "rpm"> = {
  alpine: "apk",
  wolfi: "apk",
  chainguard: "apk",
  debian: "deb",
  ubuntu: "deb",
  redhat: "rpm",
  rocky: "rpm",
  alma: "rpm",
};

const SEVERITY_WORDS = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"];
const VECTOR_FIELDS: [string, CvssVersion | "3"][] = [
  ["V2Vector", "2.0"],
  ["V3Vector", "3"],
  ["V40Vector", "4.0"],
];

function own<T>(table: Record<string, T>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

function fallbackEcosystem(type: string | undefined, cls: string | undefined, os: DistroHint | undefined, name: string, version: string): string {
  const lang = own(LANG_TYPES, type);
  if (lang) return lang;
  const purlType = own(OS_TYPES, type);
  if (purlType && type) {
    const eco = distroEcosystem(purlType, { name: type, version: os?.version ?? "" }, name, version);
    if (eco) return eco;
  }
  return type ?? cls ?? "unknown";
}

function cvssOf(v: Record<string, unknown>, path: PathSegment[], p: Problems, where: string, warnings: string[]): CvssScore[] {
  const map = optObject(v, "CVSS", path, p);
  if (!map) return [];
  const out: CvssScore[] = [];
  for (const source of Object.keys(map).sort()) {
    const entry = map[source];
    if (!isObject(entry)) {
      p.add([...path, "CVSS", source], "must be an object", entry);
      continue;
    }
    for (const [field, version] of VECTOR_FIELDS) {
      const vector = optString(entry, field, [...path, "CVSS", source], p);
      if (!vector) continue;
      const s = reportCvss(vector, version, source, where, warnings);
      if (s) out.push(s);
    }
  }
  return out;
}

function parseRow(v: unknown, path: PathSegment[], ctx: { type?: string; cls?: string; os?: DistroHint; target?: string; file: string }, p: Problems, warnings: string[]): Finding | undefined {
  if (!isObject(v)) {
    p.add(path, "must be an object", v);
    return undefined;
  }
  const before = p.count;
  const vulnId = reqString(v, "VulnerabilityID", path, p);
  const pkgName = reqString(v, "PkgName", path, p);
  const installed = optString(v, "InstalledVersion", path, p);
  const fixed = optString(v, "FixedVersion", path, p);
  const severityWord = optString(v, "Severity", path, p);
  if (severityWord !== undefined && !SEVERITY_WORDS.includes(severityWord)) p.add([...path, "Severity"], `must be one of ${SEVERITY_WORDS.join(", ")}`, severityWord);
  const ident = optObject(v, "PkgIdentifier", path, p);
  const purl = ident ? optString(ident, "PURL", [...path, "PkgIdentifier"], p) : undefined;
  if (purl !== undefined && !parsePurl(purl)) p.add([...path, "PkgIdentifier", "PURL"], "is not a valid package URL", purl);
  const vendorIds = optStringList(v, "VendorIDs", path, p);
  const refs = optStringList(v, "References", path, p);
  const layer = optObject(v, "Layer", path, p);
  const diffId = layer ? optString(layer, "DiffID", [...path, "Layer"], p) : undefined;
  const pkgPath = optString(v, "PkgPath", path, p);
  const title = optString(v, "Title", path, p);
  optString(v, "Description", path, p);
  const published = optString(v, "PublishedDate", path, p);
  const modified = optString(v, "LastModifiedDate", path, p);
  const dataSource = optObject(v, "DataSource", path, p);
  const dsId = dataSource ? optString(dataSource, "ID", [...path, "DataSource"], p) : undefined;
  const where = `${ctx.file} at ${formatPath(path)}`;
  const cvss = cvssOf(v, path, p, where, warnings);
  if (p.count !== before || !vulnId || !pkgName) return undefined;
  const version = installed ?? "";

  const f: Finding = {
    id: vulnId,
    aliases: [...new Set(vendorIds)].filter((x) => x !== vulnId),
    package: {
      ecosystem: ecosystemOf(purl, ctx.os, () => fallbackEcosystem(ctx.type, ctx.cls, ctx.os, pkgName, version)),
      name: pkgName,
      version,
    },
    severity: (severityWord ? severityFromWord(severityWord) : undefined) ?? ("UNKNOWN" as Severity),
    cvss,
    fixedVersions: (fixed ?? "").split(",").map((s) => s.trim()).filter((s) => s !== ""),
    source: { kind: "trivy", file: ctx.file },
  };
  if (dsId) f.source.name = dsId;
  if (purl) f.package.purl = purl;
  // Locations are file paths and layer diff IDs; a language result's Target is its lockfile.
  const file = pkgPath ?? (ctx.cls === "lang-pkgs" ? ctx.target : undefined);
  const locations = [file, diffId].filter((x): x is string => !!x);
  if (locations.length) f.package.locations = locations;
  if (title) f.summary = title;
  if (refs.length) f.references = refs;
  if (published) f.published = published;
  if (modified) f.modified = modified;
  return f;
}

export const trivy: ReportImporter = {
  id,
  description: "Trivy JSON report (SchemaVersion 2): trivy image|fs|repo --format json",
  detect(doc) {
    return isObject(doc) && "SchemaVersion" in doc && ("Results" in doc || "ArtifactName" in doc);
  },
  parse(doc, file): ImportedReport {
    const p = new Problems(file);
    const warnings: string[] = [];
    if (!isObject(doc)) {
      p.add([], "a Trivy report must be a JSON object", doc);
      return throwProblems(`${file} is not a Trivy report`, p.list, p.dropped);
    }
    if (doc.SchemaVersion !== 2) p.add(["SchemaVersion"], "must be 2 (Trivy ≥ 0.20 writes SchemaVersion 2)", doc.SchemaVersion);
    const artifact = optString(doc, "ArtifactName", [], p);
    const metadata = optObject(doc, "Metadata", [], p);
    const osObj = metadata ? optObject(metadata, "OS", ["Metadata"], p) : undefined;
    const family = osObj ? optString(osObj, "Family", ["Metadata", "OS"], p) : undefined;
    const osName = osObj ? optString(osObj, "Name", ["Metadata", "OS"], p) : undefined;
    const os: DistroHint | undefined = family && osName ? { name: family, version: osName } : undefined;
    const rows: Finding[] = [];
    optArray(doc, "Results", [], p).forEach((r, i) => {
      const rp: PathSegment[] = ["Results", i];
      if (!isObject(r)) return p.add(rp, "must be an object", r);
      const target = optString(r, "Target", rp, p);
      const cls = optString(r, "Class", rp, p);
      const type = optString(r, "Type", rp, p);
      optArray(r, "Vulnerabilities", rp, p).forEach((v, j) => {
        const row = parseRow(v, [...rp, "Vulnerabilities", j], { type, cls, os, target, file }, p, warnings);
        if (row) rows.push(row);
      });
    });
    if (p.count > 0) throwProblems(`${file} is not a valid Trivy report`, p.list, p.dropped);
    const base: Omit<ImportedReport, "findings" | "rows" | "duplicates" | "importer"> = { tool: { name: "trivy" }, warnings };
    if (artifact) base.target = artifact;
    return finishReport(id, rows, base);
  },
};

export default trivy;
