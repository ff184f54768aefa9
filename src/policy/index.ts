/**
 * The release gate: `decide(findings, statements, policy, now, { subject, dataAgeDays })` → a
 * pass/fail decision listing every finding with its VEX status, the statement that applied and the
 * rule that decided it; reporters render it as a table, JSON, SARIF 2.1.0, JUnit XML or a GitLab
 * container-scanning report. The policy is mailknight.yaml's `gate:` section.
 *
 * The CLI (`registerGateCommands` in ./cli.js) is imported by src/cli/main.ts directly.
 */
export { decide, FINDING_STATUSES, type DecideOptions, type FindingStatus, type FindingVerdict, type GateCheck, type GateDecision, type GateSummary, type IgnoredStatement, type RuleId } from "./decide.js";
export { defaultGatePolicy, gatePolicy, type GatePolicy } from "./policy.js";
export { parseFindingsDocument, readFindingsFile, type FindingsInput } from "./findings-input.js";
export { REPORTERS, REPORT_FORMATS, type ReportContext, type ReportFormat, type Reporter } from "./reporters/index.js";
