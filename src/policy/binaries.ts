/**
 * The binary part of the release gate, a pure function of per-file assessments
 * (src/inspect/hardening.ts) and the `gate.hardening` policy: every required property of every
 * ELF file the build shipped must pass (or not apply) unless an exemption with a reason covers
 * it. `fips` is required when the recipe says `build.fips: true`. A property Mailknight cannot
 * verify (`not-checked`, e.g. FIPS of a C binary linking libcrypto) blocks like a failure: the
 * gate fails closed and the policy has to say why it may ship. A file that could not be read as
 * ELF blocks unless a whole-file exemption (no `properties`) names it.
 */
import type { BinaryAssessment, BinaryKind, BinaryProperty, PropertyResult } from "../inspect/hardening.js";
import { BINARY_PROPERTIES } from "../inspect/hardening.js";
import type { GateCheck } from "./decide.js";
import type { GatePolicy } from "./policy.js";

export type HardeningPolicy = GatePolicy["hardening"];

export const BINARIES_SCHEMA_ID = "mailknight/gate-binaries/v1";

export interface BinaryPropertyVerdict extends PropertyResult {
  required: boolean;
  blocking: boolean;
  /** The reason of the exemption that took a failing property out of the gate. */
  exempted?: string;
}

export interface BinaryVerdict {
  path: string;
  kind: BinaryKind;
  elf?: BinaryAssessment["elf"];
  go?: BinaryAssessment["go"];
  error?: string;
  properties: Record<BinaryProperty, BinaryPropertyVerdict>;
  verdict: "pass" | "fail";
}

export interface BinaryFailure {
  path: string;
  /** `elf`: the file could not be read as ELF at all. */
  property: BinaryProperty | "elf";
  status: PropertyResult["status"];
  detail: string;
}

export interface BinariesReport {
  schema: typeof BINARIES_SCHEMA_ID;
  passed: boolean;
  required: BinaryProperty[];
  fips: boolean;
  summary: { binaries: number; failed: number; exempted: number };
  binaries: BinaryVerdict[];
  /** Every blocking property, by path then property. */
  failures: BinaryFailure[];
  /** Policy problems that do not block: exemptions that match nothing. */
  warnings: string[];
  /** What the image reader met on the way (odd tar entries, symlinks it could not follow). */
  readerWarnings: string[];
}

const FAILING = new Set<PropertyResult["status"]>(["fail", "not-checked"]);

/** Judges the assessments of one image under the policy (pure; output sorted by path). */
export function judgeBinaries(assessments: readonly BinaryAssessment[], policy: HardeningPolicy, opts: { fips: boolean; readerWarnings?: readonly string[] }): BinariesReport {
  const required = new Set<BinaryProperty>([...policy.require, ...(opts.fips ? (["fips"] as const) : [])]);
  const usedExemptions = new Set<number>();
  const binaries: BinaryVerdict[] = [];
  const failures: BinaryFailure[] = [];
  let exemptedCount = 0;
  const sorted = [...assessments].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const a of sorted) {
    const exemptionFor = (p: BinaryProperty | "elf"): string | undefined => {
      const i = policy.exempt.findIndex((e) => e.path === a.path && (e.properties === undefined || (p !== "elf" && e.properties.includes(p))));
      if (i === -1) return undefined;
      usedExemptions.add(i);
      return policy.exempt[i]!.reason;
    };
    const properties = {} as Record<BinaryProperty, BinaryPropertyVerdict>;
    let fileFails = false;
    let fileExempted = false;
    // An unreadable file is one failure (it has no properties to speak of), exempted only as a whole.
    const unreadableExemption = a.kind === "invalid" ? exemptionFor("elf") : undefined;
    if (a.kind === "invalid") {
      if (unreadableExemption === undefined) {
        fileFails = true;
        failures.push({ path: a.path, property: "elf", status: "not-checked", detail: `not a readable ELF file: ${a.error ?? "unknown problem"}` });
      } else fileExempted = true;
    }
    for (const p of BINARY_PROPERTIES) {
      const result = a.properties[p];
      const isRequired = required.has(p);
      const failing = isRequired && FAILING.has(result.status);
      let exempted: string | undefined;
      if (failing) exempted = a.kind === "invalid" ? unreadableExemption : exemptionFor(p);
      const blocking = failing && exempted === undefined;
      properties[p] = { ...result, required: isRequired, blocking, ...(failing && exempted !== undefined ? { exempted } : {}) };
      if (blocking && a.kind !== "invalid") {
        fileFails = true;
        failures.push({ path: a.path, property: p, status: result.status, detail: result.detail });
      }
      if (failing && exempted !== undefined) fileExempted = true;
    }
    if (fileExempted) exemptedCount++;
    binaries.push({
      path: a.path,
      kind: a.kind,
      ...(a.elf ? { elf: a.elf } : {}),
      ...(a.go ? { go: a.go } : {}),
      ...(a.error !== undefined ? { error: a.error } : {}),
      properties,
      verdict: fileFails ? "fail" : "pass",
    });
  }
  const warnings: string[] = [];
  policy.exempt.forEach((e, i) => {
    if (!usedExemptions.has(i)) warnings.push(`gate.hardening.exempt[${i}] (${e.path}) matches no failing property of a shipped binary; remove it if it is no longer needed`);
  });
  return {
    schema: BINARIES_SCHEMA_ID,
    passed: failures.length === 0,
    required: BINARY_PROPERTIES.filter((p) => required.has(p)),
    fips: opts.fips,
    summary: { binaries: binaries.length, failed: binaries.filter((b) => b.verdict === "fail").length, exempted: exemptedCount },
    binaries,
    failures,
    warnings,
    readerWarnings: [...new Set(opts.readerWarnings ?? [])],
  };
}

/** One-line reason for a failed binary gate, for the stage's `reason` and logs. */
export function binariesReason(report: BinariesReport): string | undefined {
  if (report.passed) return undefined;
  const shown = report.failures.slice(0, 3).map((f) => `${f.path}: ${f.property} ${f.status}`);
  const more = report.failures.length > 3 ? `, and ${report.failures.length - 3} more` : "";
  return `${report.summary.failed} binar${report.summary.failed === 1 ? "y fails" : "ies fail"} the hardening/FIPS policy (${shown.join("; ")}${more})`;
}

/**
 * The report as gate checks, so every reporter shows it: one failed check per blocking
 * property (JUnit: one failing testcase each), a warning per warning, and one passing summary
 * check when nothing blocks.
 */
export function binaryChecks(report: BinariesReport): GateCheck[] {
  const checks: GateCheck[] = report.failures.map((f) => ({
    rule: f.property === "fips" ? "binary-fips" : "binary-hardening",
    passed: false,
    action: "fail",
    target: f.property === "elf" ? f.path : `${f.path} ${f.property}`,
    message: `${f.path}: ${f.property} ${f.status === "not-checked" ? "could not be verified" : "fails"}: ${f.detail}`,
  }));
  for (const w of report.warnings) checks.push({ rule: "binary-hardening", passed: false, action: "warn", message: w });
  if (report.passed) {
    checks.push({
      rule: "binary-hardening",
      passed: true,
      action: "fail",
      message: `${report.summary.binaries} shipped ELF file(s) checked for ${report.required.join(", ") || "nothing"}: none blocks${report.summary.exempted ? ` (${report.summary.exempted} exempted)` : ""}`,
    });
  }
  return checks;
}
