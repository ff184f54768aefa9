/**
 * The report-importer plug-in family: one folder per scanner under `importers/<id>/`, exporting
 * `id` and an object implementing `ReportImporter`; `registry.ts` maps ids to members, and the
 * conformance test checks that the map matches the folders and that every member behaves.
 */
import type { Finding } from "../model.js";

export interface ImportedReport {
  importer: string;
  /** The scanner that wrote the report, as it names itself (`grype 0.28.0`), when it says. */
  tool?: { name: string; version?: string };
  /** What was scanned: image name, directory, file. */
  target?: string;
  /** One per (vulnerability, package, version), aliases merged, sorted. */
  findings: Finding[];
  /** Vulnerability rows in the source report, before de-duplication. */
  rows: number;
  /** Keys that appeared in more than one row and were merged, with how many rows each. */
  duplicates: { key: string; rows: number }[];
  /** Things kept but worth knowing: unscorable CVSS vectors, contradictory fix data, ... */
  warnings: string[];
}

export interface ReportImporter {
  readonly id: string;
  readonly description: string;
  /** Cheap sniff of a parsed document: is it this scanner's JSON? Used when no format is given. */
  detect(doc: unknown): boolean;
  /**
   * Validates and converts a parsed report. Malformed input throws MkError E_CONFIG_INVALID listing
   * every problem with `file` and its JSON path; it never throws anything else on bad input.
   */
  parse(doc: unknown, file: string): ImportedReport;
}
