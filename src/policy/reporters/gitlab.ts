/**
 * GitLab container-scanning report, schema 15.0.4 (`gl-container-scanning-report.json`, declared
 * as `artifacts:reports:container_scanning`). Every finding is listed; VEX-suppressed ones carry
 * the schema's only flag, `flagged-as-likely-false-positive`, with the VEX statement as its
 * description, and every finding has `details` saying its VEX status and the gate rule.
 */
import { sha256Hex } from "../../util/digest.js";
import type { Severity } from "../../vuln/model.js";
import type { FindingVerdict, GateDecision } from "../decide.js";
import { findingKey, statusLabel, suppressionText } from "./common.js";
import type { ReportContext, Reporter } from "./types.js";

export const GITLAB_SCHEMA_VERSION = "15.0.4";
export const GITLAB_SCHEMA_URL = `https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v${GITLAB_SCHEMA_VERSION}/dist/container-scanning-report-format.json`;

const SEVERITY: Record<Severity, string> = { CRITICAL: "Critical", HIGH: "High", MEDIUM: "Medium", LOW: "Low", NONE: "Info", UNKNOWN: "Unknown" };
const HTTP = /^https?:\/\/.+/;

function identifier(id: string): Record<string, string> {
  const type = /^CVE-/i.test(id) ? "cve" : (id.split("-")[0] ?? "id").toLowerCase() || "id";
  const url = /^CVE-/i.test(id) ? `https://nvd.nist.gov/vuln/detail/${id}` : /^GHSA-/i.test(id) ? `https://github.com/advisories/${id}` : undefined;
  return { type, name: id, value: id, ...(url ? { url } : {}) };
}

/** GitLab's time format: UTC, seconds, no zone suffix. */
function gitlabTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, "").replace(/Z$/, "").slice(0, 19);
}

function vulnerability(v: FindingVerdict, image: string): Record<string, unknown> {
  const f = v.finding;
  const name = `${f.id} in ${f.package.name}`;
  const out: Record<string, unknown> = {
    id: sha256Hex(findingKey(f)),
    name: name.length > 255 ? `${name.slice(0, 252)}...` : name,
    description: f.summary ?? `${f.id} affects ${f.package.name} ${f.package.version}.`,
    severity: SEVERITY[f.severity],
    solution: f.fixedVersions.length ? `Upgrade ${f.package.name} from ${f.package.version} to ${f.fixedVersions[0]}` : "No fixed version is known.",
    identifiers: [f.id, ...f.aliases].map(identifier),
    links: [...new Set((f.references ?? []).filter((r) => HTTP.test(r)))].map((url) => ({ url })),
    location: {
      dependency: { package: { name: f.package.name }, version: f.package.version },
      operating_system: f.package.ecosystem.replace(/:/g, " ") || "unknown",
      image,
    },
    // The schema's `details` is the items map of a named-list, not a named-list object itself.
    details: {
      vex_status: { name: "VEX status", type: "text", value: statusLabel(v) },
      gate: { name: "Release gate", type: "text", value: `${v.blocking ? "blocks" : "passes"} (${v.rule}): ${v.reason}` },
      ...(f.package.purl ? { purl: { name: "Package URL", type: "text", value: f.package.purl } } : {}),
    },
  };
  if (v.suppressed) out.flags = [{ type: "flagged-as-likely-false-positive", origin: "mailknight VEX", description: suppressionText(v) }];
  return out;
}

export function renderGitlab(d: GateDecision, ctx: ReportContext): string {
  const image = ctx.image ?? d.subject[0] ?? ctx.target ?? "unknown";
  const time = gitlabTime(d.decidedAt);
  const tool = { id: "mailknight", name: "Mailknight", version: ctx.toolVersion, vendor: { name: "Mailknight" } };
  const report = {
    version: GITLAB_SCHEMA_VERSION,
    schema: GITLAB_SCHEMA_URL,
    scan: {
      analyzer: tool,
      scanner: tool,
      type: "container_scanning",
      start_time: time,
      end_time: time,
      status: "success",
      // "fatal" means the scan halted, which a failed gate check is not.
      messages: d.checks.filter((c) => !c.passed).map((c) => ({ level: "warn", value: c.message })),
    },
    vulnerabilities: d.findings.map((v) => vulnerability(v, image)),
    remediations: [],
  };
  return JSON.stringify(report, null, 2) + "\n";
}

export const gitlab: Reporter = { id: "gitlab", defaultFile: "gl-container-scanning-report.json", render: renderGitlab };
