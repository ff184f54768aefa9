/**
 * Which VEX statement applies to a finding. Pure functions of (statements, finding, subject, now).
 *
 * A statement applies when
 *  1. one of its ids (name or alias) equals one of the finding's ids (id or alias), case-insensitively, and
 *  2. one of its products covers the finding:
 *     - a product without subcomponents covers the finding when its PURL matches the finding's
 *       package PURL, or when it matches the subject (the image being gated): then it speaks for
 *       the whole image;
 *     - a product with subcomponents covers the finding only when the product matches the subject
 *       AND a subcomponent matches the finding's package PURL.
 *    A product known only by name, CPE or bom-ref, or carrying a version range we cannot evaluate,
 *    covers nothing: a statement we cannot tie to this product must never suppress.
 *
 * Of the applicable statements the latest wins (see `compareStatements`); if the winner is past its
 * expiry it is reported but suppresses nothing, and no older statement is consulted instead: the
 * newest decision asked for a re-review, so an older one must not silently take over.
 */
import type { Finding } from "../vuln/model.js";
import type { VexComponent, VexProduct, VexStatement, VexStatus } from "./model.js";
import { parsePurl, purlMatches, type ParsedPurl } from "./purl.js";

/** The product a gate runs for: the image (or other artifact) PURLs it is known by. */
export interface VexSubject {
  /** e.g. `pkg:oci/argocd@sha256:...`, `pkg:oci/argocd` (version-less: matches statements without a digest only). */
  purls: string[];
}

export const NO_SUBJECT: VexSubject = { purls: [] };

function ids(primary: string, aliases: readonly string[]): Set<string> {
  return new Set([primary, ...aliases].map((s) => s.trim().toUpperCase()));
}

export function vulnerabilityMatches(statement: VexStatement, finding: Finding): boolean {
  const findingIds = ids(finding.id, finding.aliases);
  for (const id of ids(statement.vulnerability, statement.aliases)) if (findingIds.has(id)) return true;
  return false;
}

/** `vers:all/*` is the only range that needs no version scheme to evaluate. */
function rangeEvaluable(c: VexComponent): boolean {
  return c.versionRange === undefined || c.versionRange.trim() === "vers:all/*";
}

const parsedCache = new Map<string, ParsedPurl | undefined>();
function parsed(purl: string): ParsedPurl | undefined {
  if (!parsedCache.has(purl)) {
    if (parsedCache.size > 10_000) parsedCache.clear(); // bounded: inputs can be large
    parsedCache.set(purl, parsePurl(purl));
  }
  return parsedCache.get(purl);
}

export function componentMatchesPurl(c: VexComponent, purl: string | undefined): boolean {
  if (!c.purl || !purl || !rangeEvaluable(c)) return false;
  const pattern = parsed(c.purl);
  const candidate = parsed(purl);
  return pattern !== undefined && candidate !== undefined && purlMatches(pattern, candidate);
}

export function productCovers(product: VexProduct, finding: Finding, subject: VexSubject): boolean {
  const isSubject = subject.purls.some((s) => componentMatchesPurl(product, s));
  if (product.subcomponents.length === 0) return isSubject || componentMatchesPurl(product, finding.package.purl);
  return isSubject && product.subcomponents.some((sc) => componentMatchesPurl(sc, finding.package.purl));
}

export function statementApplies(statement: VexStatement, finding: Finding, subject: VexSubject): boolean {
  return vulnerabilityMatches(statement, finding) && statement.products.some((p) => productCovers(p, finding, subject));
}

export function isExpired(statement: VexStatement, now: Date): boolean {
  if (!statement.expires) return false;
  const t = Date.parse(statement.expires);
  // An unparseable expiry is treated as already expired: fail closed.
  return Number.isNaN(t) || t <= now.getTime();
}

/**
 * RFC 3339 timestamp → nanoseconds since the epoch, so sub-millisecond timestamps (Go's
 * `time.Time` writes nine fraction digits) still order correctly. Unparseable or missing → null.
 */
export function timeKey(ts: string | undefined): bigint | null {
  if (!ts) return null;
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i.exec(ts.trim());
  if (!m) {
    const ms = Date.parse(ts);
    return Number.isNaN(ms) ? null : BigInt(ms) * 1_000_000n;
  }
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return null;
  const fraction = (m[2] ?? "").slice(0, 9).padEnd(9, "0");
  return BigInt(ms) * 1_000_000n + BigInt(fraction);
}

/** On equal timestamps the more conservative status wins, so a tie never suppresses more. */
const STATUS_RANK: Record<VexStatus, number> = { not_affected: 0, fixed: 1, under_investigation: 2, affected: 3 };

/**
 * Total order in which the greater statement wins: by timestamp (none = oldest), then by the
 * more conservative status (affected > under_investigation > fixed > not_affected), then by
 * document id, file and JSON path in code-point order, so the result never depends on input order.
 */
export function compareStatements(a: VexStatement, b: VexStatement): number {
  const ta = timeKey(a.timestamp);
  const tb = timeKey(b.timestamp);
  if (ta !== tb) {
    if (ta === null) return -1;
    if (tb === null) return 1;
    return ta < tb ? -1 : 1;
  }
  const r = STATUS_RANK[a.status] - STATUS_RANK[b.status];
  if (r !== 0) return r;
  for (const [x, y] of [
    [a.source.documentId, b.source.documentId],
    [a.source.file, b.source.file],
    [a.source.path, b.source.path],
  ] as const) {
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function latest(statements: readonly VexStatement[]): VexStatement | undefined {
  let best: VexStatement | undefined;
  for (const s of statements) if (!best || compareStatements(s, best) > 0) best = s;
  return best;
}

export interface Selection {
  /** The winning statement (latest applicable), if any statement applies. */
  statement?: VexStatement;
  /** True when the winner is past its expiry: it is shown, but does not count. */
  expired: boolean;
  /** How many statements applied to the finding. */
  applicable: number;
}

export function selectStatement(statements: readonly VexStatement[], finding: Finding, subject: VexSubject, now: Date): Selection {
  const applicable = statements.filter((s) => statementApplies(s, finding, subject));
  const winner = latest(applicable);
  if (!winner) return { expired: false, applicable: 0 };
  return { statement: winner, expired: isExpired(winner, now), applicable: applicable.length };
}
