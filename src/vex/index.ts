/**
 * VEX: read OpenVEX 0.2.0, CycloneDX VEX and CSAF 2.0 VEX into one statement model, decide which
 * statement applies to a finding, keep the workspace's decisions as OpenVEX under `vex/<project>/`,
 * and export the effective VEX in any of the three formats.
 *
 * - `loadVex(paths)` / `readVexFile(path)` → statements (malformed input: E_CONFIG_INVALID with
 *   file + JSON path of every problem).
 * - `selectStatement(statements, finding, subject, now)` → the statement that applies (latest
 *   wins; expired ones do not count; another product's never applies).
 * - `addDecision`, `listDecisions`, `projectStatements` → the store.
 * - `effectiveStatements` + `exportVex` → OpenVEX / CycloneDX / CSAF documents.
 * - `validateVexDocument(doc, file)` → problems against the format's official schema.
 *
 * The CLI (`registerVexCommands` in ./cli.js) is imported by src/cli/main.ts directly.
 */
export {
  JUSTIFICATIONS,
  VEX_FORMAT_IDS,
  VEX_STATUSES,
  type Justification,
  type VexComponent,
  type VexFormatId,
  type VexProduct,
  type VexReadResult,
  type VexSource,
  type VexStatement,
  type VexStatus,
} from "./model.js";
export { loadVex, readVexFile, readVexText, expandVexPaths, MAX_VEX_BYTES, type VexLoad } from "./read.js";
export {
  NO_SUBJECT,
  compareStatements,
  isExpired,
  latest,
  productCovers,
  selectStatement,
  statementApplies,
  vulnerabilityMatches,
  type Selection,
  type VexSubject,
} from "./match.js";
export { normalizePurl, parsePurl, purlMatches, type ParsedPurl } from "./purl.js";
export { addDecision, listDecisions, projectStatements, type DecisionEntry, type NewDecision, type StoredDecision } from "./store.js";
export { effectiveStatements, exportVex, type ExportOptions, type ExportResult } from "./export.js";
export { VEX_FORMATS, detectFormat } from "./formats/registry.js";
export type { VexFormat, VexWriteOptions, VexWriteResult } from "./formats/types.js";
export { validateVexDocument, validateVexFile, type ValidationReport } from "./validate.js";
