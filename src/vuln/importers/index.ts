/**
 * `importReport`: the documented entry point from a scanner's JSON report to findings. Reads the
 * file with a size cap, picks the importer (given, or detected from the document's shape), and
 * returns the findings in the shared model, de-duplicated by (vulnerability, package, version).
 */
import { MkError } from "../../errors.js";
import { readJsonFile } from "../json.js";
import { importerIds, IMPORTERS } from "./registry.js";
import type { ImportedReport, ReportImporter } from "./types.js";

export type { ImportedReport, ReportImporter } from "./types.js";
export { IMPORTERS, importerIds } from "./registry.js";

/** Real reports of large images run to tens of MB; this leaves room and stays below V8's string limit. */
export const MAX_REPORT_BYTES = 256 * 1024 * 1024;

export interface ImportReportOptions {
  /** Importer id (`trivy`, `grype`); detected from the document when absent. */
  format?: string;
  /** Name of the file in messages and in `finding.source.file` (default: the path). */
  display?: string;
}

function pick(doc: unknown, format: string | undefined, file: string): ReportImporter {
  if (format !== undefined) {
    const chosen = IMPORTERS.get(format);
    if (!chosen) throw new MkError("E_USAGE", `unknown report format "${format}"`, { hint: `formats: ${importerIds().join(", ")}` });
    return chosen;
  }
  const hits = [...IMPORTERS.values()].filter((i) => i.detect(doc));
  if (hits.length === 1) return hits[0] as ReportImporter;
  throw new MkError("E_USAGE", `cannot tell which scanner wrote ${file}`, { hint: `say it: --${importerIds().join(" or --")}` });
}

/** Parses an already-read document (for callers that have the JSON in hand, e.g. a CI artifact). */
export function importReportDocument(doc: unknown, file: string, format?: string): ImportedReport {
  return pick(doc, format, file).parse(doc, file);
}

export async function importReport(path: string, opts: ImportReportOptions = {}): Promise<ImportedReport> {
  const display = opts.display ?? path;
  const doc = await readJsonFile(path, MAX_REPORT_BYTES, display);
  return importReportDocument(doc, display, opts.format);
}
