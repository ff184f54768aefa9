/** Wording shared by the reporters, so every format says the same thing the same way. */
import type { FindingVerdict } from "../decide.js";
import type { Finding } from "../../vuln/model.js";

export function packageLabel(f: Finding): string {
  return f.package.purl ?? `${f.package.name}@${f.package.version}`;
}

/** The VEX status as a reader sees it, with why when a statement was ignored. */
export function statusLabel(v: FindingVerdict): string {
  if (v.ignored) return `no statement (${v.ignored.statement.status} ${v.ignored.reason === "expired" ? "expired" : "lacks justification"})`;
  return v.status === "no_statement" ? "no statement" : v.status;
}

/** The justification text for a VEX-suppressed finding: label, then impact statement, then source. */
export function suppressionText(v: FindingVerdict): string {
  const s = v.statement;
  if (!s) return "";
  const parts = [`VEX ${s.status}`];
  if (s.justification) parts.push(s.justification);
  if (s.impactStatement) parts.push(s.impactStatement);
  if (s.status === "fixed" && s.statusNotes) parts.push(s.statusNotes);
  parts.push(`(${s.source.file} ${s.source.path}${s.author ? `, by ${s.author}` : ""}${s.expires ? `, re-review by ${s.expires}` : ""})`);
  return parts.join(": ").replace(/: \(/, " (");
}

/** Highest CVSS base score of a finding, if any. */
export function maxScore(f: Finding): number | undefined {
  let best: number | undefined;
  for (const c of f.cvss) if (best === undefined || c.score > best) best = c.score;
  return best;
}

/** A stable fingerprint of (vulnerability, package, version), for tools that track results across runs. */
export function findingKey(f: Finding): string {
  return `${f.id}|${packageLabel(f)}|${f.package.version}`;
}
