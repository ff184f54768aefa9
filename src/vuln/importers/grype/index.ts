/**
 * Grype JSON reports (`grype <target> -o json`): `matches[]` of {vulnerability,
 * relatedVulnerabilities, matchDetails, artifact}, plus the scanned `distro`.
 *
 * The finding's severity is the match's own `vulnerability.severity` (Grype's verdict for the
 * namespace it matched in, e.g. debian:10); `relatedVulnerabilities` (usually the NVD record of
 * the same CVE, or the CVE behind a GHSA) become aliases and add their CVSS vectors. Fix versions
 * are kept as reported; a `fix.state` that contradicts them is noted, not corrected.
 *
 * Grype emits one match per (vulnerability, package) per matcher hit, and some pipelines
 * concatenate results, so the same row can repeat: rows are merged by (vulnerability, package,
 * version) and the repeats are listed in `duplicates`.
 */
import { severityFromWord, type CvssVersion } from "../../cvss.js";
import { parsePurl, type DistroHint } from "../../ecosystem.js";
import { formatPath, isObject, Problems, throwProblems, type PathSegment } from "../../json.js";
import type { CvssScore, Finding } from "../../model.js";
import { distroEcosystem, ecosystemOf, finishReport, optArray, optObject, optString, optStringList, reportCvss, reqString } from "../shared.js";
import type { ImportedReport, ReportImporter } from "../types.js";

export const id = "grype";

const SEVERITY_WORDS = ["Unknown", "Negligible", "Low", "Medium", "High", "Critical"];
const CVSS_VERSIONS: Record<string, CvssVersion> = { "2.0": "2.0", "3.0": "3.0", "3.1": "3.1", "4.0": "4.0" };

/** Grype artifact types → OSV ecosystem, when the PURL does not say. */
const ARTIFACT_TYPES: Record<string, string> = {
  npm: "npm",
  python: "PyPI",
  "go-module": "Go",
  "java-archive": "Maven",
  "jenkins-plugin": "Maven",
  "rust-crate": "crates.io",
  gem: "RubyGems",
  "php-composer": "Packagist",
  dotnet: "NuGet",
};

function own(table: Record<string, string>, key: string | undefined): string | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

function fallbackEcosystem(type: string | undefined, distro: DistroHint | undefined, name: string, version: string): string {
  const lang = own(ARTIFACT_TYPES, type);
  if (lang) return lang;
  if ((type === "deb" || type === "rpm" || type === "apk") && distro) {
    return distroEcosystem(type, distro, name, version) ?? `${distro.name}:${distro.version}`;
  }
  return type ?? "unknown";
}

interface VulnInfo {
  id?: string;
  severity?: string;
  namespace?: string;
  description?: string;
  urls: string[];
  cvss: CvssScore[];
}

function vulnerability(v: unknown, path: PathSegment[], p: Problems, file: string, warnings: string[]): VulnInfo | undefined {
  if (!isObject(v)) {
    p.add(path, "must be an object", v);
    return undefined;
  }
  const info: VulnInfo = { urls: optStringList(v, "urls", path, p), cvss: [] };
  info.id = reqString(v, "id", path, p);
  info.severity = optString(v, "severity", path, p);
  if (info.severity !== undefined && info.severity !== "" && !SEVERITY_WORDS.includes(info.severity)) {
    p.add([...path, "severity"], `must be one of ${SEVERITY_WORDS.join(", ")}`, info.severity);
  }
  info.namespace = optString(v, "namespace", path, p);
  info.description = optString(v, "description", path, p);
  optArray(v, "cvss", path, p).forEach((c, i) => {
    const cp = [...path, "cvss", i];
    if (!isObject(c)) return p.add(cp, "must be an object {version, vector, metrics}", c);
    const vector = optString(c, "vector", cp, p);
    const version = optString(c, "version", cp, p);
    if (!vector) return;
    const declared = version !== undefined && Object.hasOwn(CVSS_VERSIONS, version) ? CVSS_VERSIONS[version] : undefined;
    const source = optString(c, "source", cp, p) ?? info.namespace ?? "grype";
    const s = reportCvss(vector, declared, source, `${file} at ${formatPath(cp)}`, warnings);
    if (s) info.cvss.push(s);
  });
  return info;
}

function parseMatch(m: unknown, path: PathSegment[], distro: DistroHint | undefined, file: string, p: Problems, warnings: string[]): Finding | undefined {
  if (!isObject(m)) {
    p.add(path, "must be an object", m);
    return undefined;
  }
  const before = p.count;
  const vObj = isObject(m.vulnerability) ? m.vulnerability : undefined;
  if (!vObj) p.add([...path, "vulnerability"], "is required: an object {id, severity, cvss, fix}", ...(m.vulnerability === undefined ? [] : [m.vulnerability]));
  const vuln = vObj ? vulnerability(vObj, [...path, "vulnerability"], p, file, warnings) : undefined;
  const related = optArray(m, "relatedVulnerabilities", path, p).map((r, i) => vulnerability(r, [...path, "relatedVulnerabilities", i], p, file, warnings));
  optArray(m, "matchDetails", path, p).forEach((d, i) => {
    if (!isObject(d)) p.add([...path, "matchDetails", i], "must be an object", d);
  });
  const art = isObject(m.artifact) ? m.artifact : undefined;
  if (!art) p.add([...path, "artifact"], "is required: an object {name, version, type, purl, locations}", ...(m.artifact === undefined ? [] : [m.artifact]));
  const ap: PathSegment[] = [...path, "artifact"];
  const name = art ? reqString(art, "name", ap, p) : undefined;
  const version = art ? optString(art, "version", ap, p) : undefined;
  const type = art ? optString(art, "type", ap, p) : undefined;
  const purlText = art ? optString(art, "purl", ap, p) : undefined;
  const purl = purlText ? purlText : undefined; // Grype writes "" when it has none
  if (purl !== undefined && !parsePurl(purl)) p.add([...ap, "purl"], "is not a valid package URL", purl);
  const locations: string[] = [];
  if (art) {
    optArray(art, "locations", ap, p).forEach((l, i) => {
      if (!isObject(l)) return p.add([...ap, "locations", i], "must be an object {path, layerID}", l);
      const lp = optString(l, "path", [...ap, "locations", i], p);
      const layer = optString(l, "layerID", [...ap, "locations", i], p);
      if (lp) locations.push(lp);
      if (layer) locations.push(layer);
    });
  }
  const fix = vObj ? optObject(vObj, "fix", [...path, "vulnerability"], p) : undefined;
  const fixVersions = fix ? optStringList(fix, "versions", [...path, "vulnerability", "fix"], p) : [];
  const fixState = fix ? optString(fix, "state", [...path, "vulnerability", "fix"], p) : undefined;
  if (p.count !== before || !vuln?.id || !name) return undefined;

  if (fixVersions.length > 0 && fixState !== undefined && fixState !== "fixed") {
    warnings.push(`${file} at ${formatPath([...path, "vulnerability", "fix"])}: state is "${fixState}" but versions are listed (${fixVersions.join(", ")}); kept as reported`);
  }
  const relatedOk = related.filter((r): r is VulnInfo => !!r && !!r.id);
  const f: Finding = {
    id: vuln.id,
    aliases: [...new Set(relatedOk.map((r) => r.id as string))].filter((x) => x !== vuln.id),
    package: { ecosystem: ecosystemOf(purl, distro, () => fallbackEcosystem(type, distro, name, version ?? "")), name, version: version ?? "" },
    severity: severityFromWord(vuln.severity) ?? "UNKNOWN",
    cvss: [...vuln.cvss, ...relatedOk.flatMap((r) => r.cvss)],
    fixedVersions: [...new Set(fixVersions)],
    source: { kind: "grype", file },
  };
  if (vuln.namespace) f.source.name = vuln.namespace;
  if (purl) f.package.purl = purl;
  if (locations.length) f.package.locations = [...new Set(locations)];
  const summary = vuln.description ?? relatedOk.find((r) => r.description)?.description;
  if (summary) f.summary = summary;
  const refs = [...new Set([...vuln.urls, ...relatedOk.flatMap((r) => r.urls)])];
  if (refs.length) f.references = refs;
  return f;
}

export const grype: ReportImporter = {
  id,
  description: "Grype JSON report: grype <target> -o json",
  detect(doc) {
    return isObject(doc) && Array.isArray(doc.matches) && ("descriptor" in doc || "source" in doc);
  },
  parse(doc, file): ImportedReport {
    const p = new Problems(file);
    const warnings: string[] = [];
    if (!isObject(doc)) {
      p.add([], "a Grype report must be a JSON object", doc);
      return throwProblems(`${file} is not a Grype report`, p.list, p.dropped);
    }
    if (!Array.isArray(doc.matches)) p.add(["matches"], "is required: an array of matches", ...(doc.matches === undefined ? [] : [doc.matches]));
    const d = optObject(doc, "distro", [], p);
    const dName = d ? optString(d, "name", ["distro"], p) : undefined;
    const dVersion = d ? optString(d, "version", ["distro"], p) : undefined;
    const distro: DistroHint | undefined = dName && dVersion ? { name: dName, version: dVersion } : undefined;
    const descriptor = optObject(doc, "descriptor", [], p);
    const toolName = descriptor ? optString(descriptor, "name", ["descriptor"], p) : undefined;
    const toolVersion = descriptor ? optString(descriptor, "version", ["descriptor"], p) : undefined;
    const source = optObject(doc, "source", [], p);
    const target = source && isObject(source.target) && typeof source.target.userInput === "string" ? source.target.userInput : undefined;
    const rows: Finding[] = [];
    (Array.isArray(doc.matches) ? doc.matches : []).forEach((m, i) => {
      const row = parseMatch(m, ["matches", i], distro, file, p, warnings);
      if (row) rows.push(row);
    });
    if (p.count > 0) throwProblems(`${file} is not a valid Grype report`, p.list, p.dropped);
    const base: Omit<ImportedReport, "findings" | "rows" | "duplicates" | "importer"> = { warnings };
    if (toolName) base.tool = toolVersion ? { name: toolName, version: toolVersion } : { name: toolName };
    if (target) base.target = target;
    return finishReport(id, rows, base);
  },
};

export default grype;
