/**
 * SARIF 2.1.0: one rule per vulnerability, one result per finding. Blocking findings are `error`,
 * other unsuppressed ones `warning`, VEX-suppressed ones `note` with a `suppressions` entry of
 * kind `external` (the decision lives outside the scanned artifact) whose justification is the
 * VEX statement. Fingerprints are stable per (vulnerability, package, version), so code-scanning
 * UIs track a finding across runs.
 */
import { sha256Hex } from "../../util/digest.js";
import type { Finding } from "../../vuln/model.js";
import type { FindingVerdict, GateDecision } from "../decide.js";
import { findingKey, maxScore, packageLabel, suppressionText } from "./common.js";
import type { ReportContext, Reporter } from "./types.js";

export const SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

const HTTP = /^https?:\/\/\S+$/;

function rule(f: Finding): Record<string, unknown> {
  const score = maxScore(f);
  const help = f.references?.find((r) => HTTP.test(r));
  return {
    id: f.id,
    name: f.id,
    shortDescription: { text: f.summary ?? f.id },
    ...(help ? { helpUri: help } : {}),
    properties: {
      tags: ["security", "vulnerability"],
      ...(score !== undefined ? { "security-severity": score.toFixed(1) } : {}),
      ...(f.aliases.length ? { aliases: f.aliases } : {}),
    },
  };
}

function result(v: FindingVerdict, ruleIndex: number): Record<string, unknown> {
  const f = v.finding;
  const pkg = packageLabel(f);
  const fix = f.fixedVersions.length ? ` Fixed in ${f.fixedVersions.join(", ")}.` : " No fixed version known.";
  const r: Record<string, unknown> = {
    ruleId: f.id,
    ruleIndex,
    level: v.blocking ? "error" : v.suppressed ? "note" : "warning",
    message: { text: `${f.id} (${f.severity}) in ${f.package.name} ${f.package.version}.${fix} Gate: ${v.reason}.` },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: f.package.locations?.[0] ?? pkg } },
        logicalLocations: [{ name: f.package.name, fullyQualifiedName: pkg, kind: "package" }],
      },
    ],
    partialFingerprints: { "mailknightFinding/v1": sha256Hex(findingKey(f)) },
    properties: { severity: f.severity, vexStatus: v.status, gateRule: v.rule, blocking: v.blocking, ...(f.package.purl ? { purl: f.package.purl } : {}) },
  };
  if (v.suppressed) r.suppressions = [{ kind: "external", status: "accepted", justification: suppressionText(v) }];
  return r;
}

export function renderSarif(d: GateDecision, ctx: ReportContext): string {
  const rules: Record<string, unknown>[] = [];
  const index = new Map<string, number>();
  for (const v of d.findings) {
    if (!index.has(v.finding.id)) {
      index.set(v.finding.id, rules.length);
      rules.push(rule(v.finding));
    }
  }
  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "mailknight", version: ctx.toolVersion, rules } },
        results: d.findings.map((v) => result(v, index.get(v.finding.id) ?? 0)),
        invocations: [{ executionSuccessful: true, endTimeUtc: d.decidedAt }],
        properties: { gatePassed: d.passed, ...(ctx.target ? { target: ctx.target } : {}), checks: d.checks },
      },
    ],
  };
  return JSON.stringify(log, null, 2) + "\n";
}

export const sarif: Reporter = { id: "sarif", defaultFile: "gate.sarif", render: renderSarif };
