/**
 * The effective VEX of a project or image: for every (vulnerability, product) pair the latest
 * statement, dropped when it has expired, rendered in any of the three formats and checked
 * against that format's official schema before it is handed out.
 */
import { MkError } from "../errors.js";
import { VEX_FORMATS } from "./formats/registry.js";
import { componentMatchesPurl, isExpired, latest, type VexSubject } from "./match.js";
import type { VexFormatId, VexProduct, VexStatement } from "./model.js";
import { parsePurl } from "./purl.js";

function productKey(p: VexProduct): string {
  const subs = p.subcomponents.map((c) => c.purl ?? c.id).sort();
  return `${p.purl ?? p.id}${p.versionRange ? `#${p.versionRange}` : ""}[${subs.join(",")}]`;
}

/**
 * Is the statement's product relevant to the subject? Yes when the product is the subject, or
 * when it is a plain package (not an image) with no subcomponents, which applies wherever that
 * package is installed. A statement about another image is not.
 */
function relevantTo(p: VexProduct, subject: VexSubject): boolean {
  if (subject.purls.some((s) => componentMatchesPurl(p, s))) return true;
  const parsed = p.purl ? parsePurl(p.purl) : undefined;
  return p.subcomponents.length === 0 && parsed !== undefined && parsed.type !== "oci";
}

export function effectiveStatements(statements: readonly VexStatement[], now: Date, subject?: VexSubject): VexStatement[] {
  const groups = new Map<string, VexStatement[]>();
  for (const s of statements) {
    for (const p of s.products) {
      if (subject && !relevantTo(p, subject)) continue;
      const key = `${s.vulnerability.toUpperCase()}\0${productKey(p)}`;
      groups.set(key, [...(groups.get(key) ?? []), { ...s, products: [p] }]);
    }
  }
  const out: VexStatement[] = [];
  for (const key of [...groups.keys()].sort()) {
    const winner = latest(groups.get(key)!);
    // An expired winner hides older statements too: the newest decision asked for a re-review.
    if (winner && !isExpired(winner, now)) out.push(winner);
  }
  return out;
}

export interface ExportOptions {
  format: VexFormatId;
  author: string;
  documentId: string;
  toolVersion: string;
  subject?: string;
  namespace?: string;
}

export interface ExportResult {
  document: Record<string, unknown>;
  warnings: string[];
  statements: number;
}

export function exportVex(statements: readonly VexStatement[], options: ExportOptions): ExportResult {
  if (statements.length === 0) {
    throw new MkError("E_NOT_FOUND", "there is no effective VEX statement to export", {
      hint: "add decisions with `mailknight vex add`, or check that they have not all expired (`mailknight vex list`)",
    });
  }
  const format = VEX_FORMATS[options.format];
  const { document, warnings } = format.write(statements, {
    author: options.author,
    documentId: options.documentId,
    toolVersion: options.toolVersion,
    ...(options.subject ? { subject: options.subject } : {}),
    ...(options.namespace ? { namespace: options.namespace } : {}),
  });
  // Our output must pass the official schema; if it does not, that is our bug, not the user's.
  const problems = format.validate(document, `(${format.title} export)`);
  if (problems.length) throw new MkError("E_INTERNAL", `the ${format.title} export does not pass its schema`, { problems });
  return { document, warnings, statements: statements.length };
}
