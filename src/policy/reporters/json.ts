/**
 * The decision as JSON (`mailknight/gate-decision/v1`): every finding with its status, the rule
 * that decided it and the statement that applied, keys sorted so output is byte-stable.
 */
import { stableJson } from "../../util/fs.js";
import type { VexStatement } from "../../vex/model.js";
import type { GateDecision } from "../decide.js";
import type { ReportContext, Reporter } from "./types.js";

export const GATE_JSON_SCHEMA_ID = "mailknight/gate-decision/v1";

function statementJson(s: VexStatement): Record<string, unknown> {
  return {
    vulnerability: s.vulnerability,
    aliases: s.aliases,
    status: s.status,
    justification: s.justification,
    impactStatement: s.impactStatement,
    actionStatement: s.actionStatement,
    timestamp: s.timestamp,
    author: s.author,
    expires: s.expires,
    source: s.source,
  };
}

export function decisionJson(d: GateDecision, ctx: ReportContext): Record<string, unknown> {
  return {
    schema: GATE_JSON_SCHEMA_ID,
    tool: { name: "mailknight", version: ctx.toolVersion },
    target: ctx.target,
    passed: d.passed,
    decidedAt: d.decidedAt,
    subject: d.subject,
    policy: d.policy,
    summary: d.summary,
    checks: d.checks,
    findings: d.findings.map((v) => ({
      id: v.finding.id,
      aliases: v.finding.aliases,
      package: v.finding.package,
      severity: v.finding.severity,
      effectiveSeverity: v.effectiveSeverity,
      fixedVersions: v.finding.fixedVersions,
      status: v.status,
      blocking: v.blocking,
      suppressed: v.suppressed,
      rule: v.rule,
      reason: v.reason,
      statement: v.statement ? statementJson(v.statement) : undefined,
      ignoredStatement: v.ignored ? { reason: v.ignored.reason, statement: statementJson(v.ignored.statement) } : undefined,
      source: v.finding.source,
    })),
  };
}

export const json: Reporter = { id: "json", defaultFile: "gate.json", render: (d, ctx) => stableJson(decisionJson(d, ctx)) };
