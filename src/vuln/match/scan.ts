/**
 * `scanSbom`: the documented entry point from an SBOM file to findings. Reads the CycloneDX SBOM,
 * opens the local database, matches, and reports the data age of the ecosystems the SBOM uses so
 * the gate can apply its max-age rule. Scanning with no database at all is an error, not an empty
 * result: "no findings" must mean "checked and clean".
 */
import { MkError } from "../../errors.js";
import type { DistroHint } from "../ecosystem.js";
import type { Finding } from "../model.js";
import { dataAge, type DataAge } from "../osv/age.js";
import { openVulnDb, type VulnDb } from "../osv/db.js";
import { readCycloneDx } from "./cyclonedx.js";
import { matchComponents, type MatchStats } from "./matcher.js";

export interface ScanOptions {
  /** The database directory (`vulnDbDir(workspaceRoot)`), or an already opened database. */
  db: string | VulnDb;
  /** Clock for the data age (injected in tests). */
  now?: () => Date;
  /** Name of the SBOM in messages (default: the path). */
  display?: string;
  /** Distribution for PURLs without a `distro` qualifier; defaults to the SBOM's operating-system component. */
  distro?: DistroHint;
}

export interface ScanResult {
  sbom: { file: string; specVersion: string };
  findings: Finding[];
  /** Components not checked and why, ranges that could not be evaluated, missing data. */
  warnings: string[];
  stats: MatchStats;
  /** Age of the data for the ecosystems this SBOM uses. */
  dataAge: DataAge;
}

export async function scanSbom(sbomPath: string, opts: ScanOptions): Promise<ScanResult> {
  const display = opts.display ?? sbomPath;
  const sbom = await readCycloneDx(sbomPath, display);
  const db = typeof opts.db === "string" ? await openVulnDb(opts.db) : opts.db;
  if (!db.manifest || db.manifest.ecosystems.length === 0) {
    throw new MkError("E_NOT_FOUND", `no vulnerability data in ${db.dir}`, {
      hint: "import OSV data first: mailknight db import <dir|all.zip> (exports: https://osv-vulnerabilities.storage.googleapis.com/<ecosystem>/all.zip)",
    });
  }
  const distro = opts.distro ?? sbom.operatingSystem;
  const out = await matchComponents(db, sbom.components, distro ? { distro } : {});
  const age = dataAge(db.manifest, (opts.now ?? (() => new Date()))(), out.stats.ecosystemsUsed);
  return { sbom: { file: display, specVersion: sbom.specVersion }, findings: out.findings, warnings: out.warnings, stats: out.stats, dataAge: age };
}
