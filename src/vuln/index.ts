/**
 * Vulnerability data and matching. The entry points for other capabilities:
 *
 * - `scanSbom(sbomPath, { db })` → findings for a CycloneDX SBOM from the local OSV database,
 *   with warnings and the data age of the ecosystems used.
 * - `importReport(reportPath, { format })` → findings from a Trivy or Grype JSON report.
 * - `importOsv(dbDir, paths)` → fills the database (`vulnDbDir(workspaceRoot)`).
 * - `dataAge(manifest, now, ecosystems?)` → how old the data is, for the gate's max-age rule.
 *
 * Findings are the shared `Finding` model (model.ts): one per vulnerability (aliases merged, the
 * CVE as id when there is one) per package version, sorted worst severity first.
 */
export { SEVERITIES, type AffectedPackage, type CvssScore, type Finding, type Severity } from "./model.js";

export { scanSbom, type ScanOptions, type ScanResult } from "./match/scan.js";
export { matchComponents, type MatchOptions, type MatchOutput, type MatchStats } from "./match/matcher.js";
export { componentsFromCycloneDx, readCycloneDx, type SbomComponent, type SbomRead } from "./match/cyclonedx.js";
export { evaluateRange, type RangeVerdict } from "./match/ranges.js";

export { importReport, importReportDocument, IMPORTERS, importerIds, MAX_REPORT_BYTES, type ImportReportOptions } from "./importers/index.js";
export type { ImportedReport, ReportImporter } from "./importers/types.js";

export { importOsv, type ImportOptions, type ImportResult } from "./osv/import.js";
export { openVulnDb, type VulnDb, type EcosystemIndex, type IndexEntry } from "./osv/db.js";
export { dataAge, type DataAge, type EcosystemAge } from "./osv/age.js";
export { readManifest, vulnDbDir, type DbManifest, type EcosystemEntry, type SourceEntry } from "./osv/store.js";
export { validateOsvRecord } from "./osv/validate.js";
export type { OsvRecord, StoredRecord } from "./osv/types.js";
export { DEFAULT_ZIP_CAPS, type ZipCaps } from "./osv/zip.js";

export { mergeFindings, sortFindings, isCve } from "./findings.js";
export { scoreVector, severityFromCvss, severityFromScore, severityFromWord, severityRank, worstSeverity } from "./cvss.js";
export { parseEcosystem, formatEcosystem, targetForPurl, type DistroHint, type EcosystemRef } from "./ecosystem.js";
export { schemeFor, type VersionScheme } from "./versioning/index.js";
// The CLI (`registerVulnCommands` in ./cli.js) is imported by src/cli/main.ts directly, so the
// library does not pull in commander and the renderer.
