/**
 * The release gate: a pure function of findings, VEX statements, policy and time. Every finding
 * gets a verdict with its VEX status, the statement that applied (if any), and the one rule that
 * decided it, evaluated in this order:
 *
 *   1. vex-not-affected / vex-fixed: the latest applicable, unexpired statement says not_affected
 *      (with a justification label when `requireJustification`) or fixed → suppressed, passes;
 *   2. severity: the severity (UNKNOWN counted as `unknownSeverityAs`) is in `failOn` → blocks;
 *   3. unreviewed: `failOnUnreviewed` and no statement counts for the finding → blocks;
 *   4. below-threshold: anything else passes.
 *
 * A statement that applied but does not count (expired, or not_affected without the required
 * justification) is reported as `ignored` and the finding is treated as having no statement.
 * The data-age rule is a gate-level check: stale or undated data fails (or warns, per policy).
 */
import { NO_SUBJECT, selectStatement, type VexSubject } from "../vex/match.js";
import type { VexStatement, VexStatus } from "../vex/model.js";
import { SEVERITIES, type Finding, type Severity } from "../vuln/model.js";
import type { GatePolicy } from "./policy.js";

export type FindingStatus = VexStatus | "no_statement";
export const FINDING_STATUSES: readonly FindingStatus[] = ["affected", "not_affected", "fixed", "under_investigation", "no_statement"];

export type RuleId = "vex-not-affected" | "vex-fixed" | "severity" | "unreviewed" | "below-threshold";

export interface IgnoredStatement {
  statement: VexStatement;
  reason: "expired" | "no-justification";
}

export interface FindingVerdict {
  finding: Finding;
  status: FindingStatus;
  /** The statement that decided the status, when one counted. */
  statement?: VexStatement;
  /** The latest applicable statement when it did not count, and why. */
  ignored?: IgnoredStatement;
  /** Severity as the policy counts it (UNKNOWN mapped). */
  effectiveSeverity: Severity;
  blocking: boolean;
  /** True when VEX (not_affected / fixed) took the finding out of the gate. */
  suppressed: boolean;
  rule: RuleId;
  reason: string;
}

export interface GateCheck {
  /** data-age: from decide(); binary-*: the gate stage's check of the shipped binaries (binaries.ts). */
  rule: "data-age" | "binary-hardening" | "binary-fips";
  passed: boolean;
  /** What a failed check does: fail the gate or only warn. */
  action: "fail" | "warn";
  message: string;
  /** What the check is about when there is one check per thing (a binary and property). */
  target?: string;
}

export interface GateSummary {
  total: number;
  blocking: number;
  suppressed: number;
  bySeverity: Record<Severity, number>;
  byStatus: Record<FindingStatus, number>;
}

export interface GateDecision {
  passed: boolean;
  /** The `now` the decision was made at (RFC 3339), which expiries were judged against. */
  decidedAt: string;
  subject: string[];
  policy: GatePolicy;
  summary: GateSummary;
  checks: GateCheck[];
  /** Every finding, blocking ones first, then by severity, id and package. */
  findings: FindingVerdict[];
}

export interface DecideOptions {
  /** The image (or product) being gated, for statements about it and its subcomponents. */
  subject?: VexSubject;
  /** Age of the vulnerability data in days, from the caller (scan result, report metadata). */
  dataAgeDays?: number;
}

const RANK: Record<Severity, number> = { CRITICAL: 5, HIGH: 4, MEDIUM: 3, LOW: 2, NONE: 1, UNKNOWN: 0 };

function describe(s: VexStatement): string {
  return `${s.source.file} ${s.source.path}`;
}

function verdict(finding: Finding, statements: readonly VexStatement[], policy: GatePolicy, now: Date, subject: VexSubject): FindingVerdict {
  const selection = selectStatement(statements, finding, subject, now);
  let statement: VexStatement | undefined;
  let ignored: IgnoredStatement | undefined;
  if (selection.statement) {
    const s = selection.statement;
    if (selection.expired) ignored = { statement: s, reason: "expired" };
    else if (s.status === "not_affected" && policy.requireJustification && !s.justification) ignored = { statement: s, reason: "no-justification" };
    else statement = s;
  }
  const status: FindingStatus = statement?.status ?? "no_statement";
  const effectiveSeverity: Severity = finding.severity === "UNKNOWN" ? policy.unknownSeverityAs : finding.severity;
  const base = { finding, status, effectiveSeverity, ...(statement ? { statement } : {}), ...(ignored ? { ignored } : {}) };
  const ignoredNote = ignored
    ? ignored.reason === "expired"
      ? `; the ${ignored.statement.status} statement in ${describe(ignored.statement)} expired ${ignored.statement.expires}`
      : `; the not_affected statement in ${describe(ignored.statement)} has no justification label, which gate.requireJustification demands`
    : "";

  if (statement && (status === "not_affected" || status === "fixed")) {
    const why = status === "not_affected" ? (statement.justification ?? statement.impactStatement ?? "") : "fixed in this product";
    return { ...base, blocking: false, suppressed: true, rule: status === "fixed" ? "vex-fixed" : "vex-not-affected", reason: `VEX ${status} (${why}) in ${describe(statement)}` };
  }
  const vexNote = statement ? `; VEX says ${status} in ${describe(statement)}` : ignoredNote || "; no VEX statement";
  const severityText = finding.severity === "UNKNOWN" ? `UNKNOWN (counted as ${effectiveSeverity})` : effectiveSeverity;
  if (policy.failOn.includes(effectiveSeverity as (typeof policy.failOn)[number])) {
    return { ...base, blocking: true, suppressed: false, rule: "severity", reason: `${severityText} is in gate.failOn${vexNote}` };
  }
  if (policy.failOnUnreviewed && status === "no_statement") {
    return { ...base, blocking: true, suppressed: false, rule: "unreviewed", reason: `gate.failOnUnreviewed: no VEX statement counts for this finding${ignoredNote}` };
  }
  return { ...base, blocking: false, suppressed: false, rule: "below-threshold", reason: `${severityText} is not in gate.failOn${vexNote}` };
}

function dataAgeCheck(policy: GatePolicy, dataAgeDays: number | undefined): GateCheck[] {
  if (policy.maxDataAgeDays === undefined) return [];
  const action = policy.dataAgeAction;
  if (dataAgeDays === undefined || !Number.isFinite(dataAgeDays)) {
    return [{ rule: "data-age", passed: false, action, message: `the age of the vulnerability data is unknown; gate.maxDataAgeDays is ${policy.maxDataAgeDays}` }];
  }
  const days = Math.round(dataAgeDays * 10) / 10;
  if (dataAgeDays > policy.maxDataAgeDays) {
    return [{ rule: "data-age", passed: false, action, message: `vulnerability data is ${days} days old; gate.maxDataAgeDays is ${policy.maxDataAgeDays}` }];
  }
  return [{ rule: "data-age", passed: true, action, message: `vulnerability data is ${days} days old (limit ${policy.maxDataAgeDays})` }];
}

function packageLabel(f: Finding): string {
  return f.package.purl ?? `${f.package.ecosystem}/${f.package.name}@${f.package.version}`;
}

function compareVerdicts(a: FindingVerdict, b: FindingVerdict): number {
  if (a.blocking !== b.blocking) return a.blocking ? -1 : 1;
  const r = RANK[b.effectiveSeverity] - RANK[a.effectiveSeverity];
  if (r !== 0) return r;
  for (const [x, y] of [
    [a.finding.id, b.finding.id],
    [packageLabel(a.finding), packageLabel(b.finding)],
    [a.finding.package.version, b.finding.package.version],
  ]) {
    if (x !== y) return (x ?? "") < (y ?? "") ? -1 : 1;
  }
  return 0;
}

export function decide(findings: readonly Finding[], statements: readonly VexStatement[], policy: GatePolicy, now: Date, options: DecideOptions = {}): GateDecision {
  const subject = options.subject ?? NO_SUBJECT;
  const verdicts = findings.map((f) => verdict(f, statements, policy, now, subject)).sort(compareVerdicts);
  const checks = dataAgeCheck(policy, options.dataAgeDays);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byStatus = Object.fromEntries(FINDING_STATUSES.map((s) => [s, 0])) as Record<FindingStatus, number>;
  for (const v of verdicts) {
    bySeverity[v.finding.severity]++;
    byStatus[v.status]++;
  }
  const blocking = verdicts.filter((v) => v.blocking).length;
  return {
    passed: blocking === 0 && !checks.some((c) => !c.passed && c.action === "fail"),
    decidedAt: now.toISOString(),
    subject: [...subject.purls],
    policy,
    summary: { total: verdicts.length, blocking, suppressed: verdicts.filter((v) => v.suppressed).length, bySeverity, byStatus },
    checks,
    findings: verdicts,
  };
}
