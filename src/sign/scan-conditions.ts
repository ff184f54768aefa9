/**
 * Scan conditions on verified attestations (pure): the newest vulnerability scan
 * (https://in-toto.io/attestation/vulns/v0.1) is at most N days old, and none of its results of the
 * named severities is unmitigated.
 *
 * A result is mitigated when
 *  - the verified OpenVEX attestations (https://openvex.dev/ns/v0.2.0), taken together, have an
 *    applicable statement for it whose latest is `not_affected` or `fixed` and not expired (the
 *    same matching as the gate: src/vex/match.ts; the product must be this image, by digest or
 *    name, or the result's package), or
 *  - a verified gate decision (https://mailknight.dev/attestations/gate-decision/v1) with verdict
 *    `pass` lists it in `waived` (same id, or alias; same package when both name one).
 *
 * Callers pass only statements whose signatures and subjects verified: an unsigned or forged VEX
 * layer never reaches this code.
 */
import { PackageURL } from "packageurl-js";
import type { Statement } from "../attest/statement.js";
import { readVexText } from "../vex/read.js";
import { selectStatement } from "../vex/match.js";
import { normalizePurl } from "../vex/purl.js";
import type { VexStatement } from "../vex/model.js";
import { SEVERITIES, type Finding, type Severity } from "../vuln/model.js";
import { VerifyError } from "./checks.js";

export interface ScanConditions {
  /** The newest verified scan must have finished at most this many days before `now`. */
  maxAgeDays?: number;
  /** Severities no unmitigated result may have. Default HIGH, CRITICAL; empty = check age only. */
  failOn?: Severity[];
}

export const DEFAULT_SCAN_FAIL_ON: readonly Severity[] = ["HIGH", "CRITICAL"];

/** Scans that claim to finish further ahead than this are refused (clock skew allowance). */
const FUTURE_SKEW_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

interface ScanResult {
  id: string;
  aliases: string[];
  severity: Severity;
  package?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A severity score: a name (HIGH, critical, ...) or a CVSS base score. */
function severityOf(score: unknown): Severity | undefined {
  if (typeof score === "number" || (typeof score === "string" && /^\d+(\.\d+)?$/.test(score.trim()))) {
    const n = Number(score);
    if (!Number.isFinite(n) || n < 0 || n > 10) return undefined;
    return n >= 9 ? "CRITICAL" : n >= 7 ? "HIGH" : n >= 4 ? "MEDIUM" : n > 0 ? "LOW" : "NONE";
  }
  if (typeof score !== "string") return undefined;
  const up = score.trim().toUpperCase();
  if (up === "MODERATE") return "MEDIUM";
  return (SEVERITIES as readonly string[]).includes(up) ? (up as Severity) : undefined;
}

/** The highest severity any method gives; UNKNOWN when none is readable. */
function highest(severity: unknown): Severity {
  const found = (Array.isArray(severity) ? severity : []).map((s) => severityOf(isRecord(s) ? s.score : undefined)).filter((s): s is Severity => s !== undefined && s !== "UNKNOWN");
  if (found.length === 0) return "UNKNOWN";
  return found.sort((a, b) => SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b))[0] as Severity;
}

function scanResults(st: Statement): ScanResult[] {
  const p = isRecord(st.predicate) ? st.predicate : {};
  const scanner = isRecord(p.scanner) ? p.scanner : {};
  const out: ScanResult[] = [];
  for (const r of Array.isArray(scanner.result) ? scanner.result : []) {
    if (!isRecord(r) || typeof r.id !== "string") continue;
    const aliases = Array.isArray(r.aliases) ? r.aliases.filter((a): a is string => typeof a === "string") : [];
    out.push({ id: r.id, aliases, severity: highest(r.severity), ...(typeof r.package === "string" ? { package: r.package } : {}) });
  }
  return out;
}

function finishedOn(st: Statement): number | undefined {
  const p = isRecord(st.predicate) ? st.predicate : {};
  const meta = isRecord(p.metadata) ? p.metadata : {};
  if (typeof meta.scanFinishedOn !== "string") return undefined;
  const t = Date.parse(meta.scanFinishedOn);
  return Number.isNaN(t) ? undefined : t;
}

/** The image as VEX products name it: by digest, and by repository name (as the gate does). */
function imagePurls(digest: string, statements: Statement[]): string[] {
  const names = new Set<string>();
  for (const st of statements) for (const s of st.subject) if (s.name) names.add(s.name.split("/").pop()?.replace(/[:@].*$/, "") ?? "");
  names.delete("");
  const purls: string[] = [];
  for (const name of [...names].sort()) {
    purls.push(new PackageURL("oci", undefined, name, digest, undefined, undefined).toString(), `pkg:oci/${name}`);
  }
  if (purls.length === 0) purls.push(new PackageURL("oci", undefined, "image", digest, undefined, undefined).toString());
  return purls;
}

function asFinding(r: ScanResult): Finding {
  return {
    id: r.id,
    aliases: r.aliases,
    package: { ...(r.package ? { purl: r.package } : {}), ecosystem: "", name: r.package ?? "", version: "" },
    severity: r.severity,
    cvss: [],
    fixedVersions: [],
    source: { kind: "osv", name: "vulnerability attestation" },
  };
}

function vexStatements(vex: Statement[]): VexStatement[] {
  const out: VexStatement[] = [];
  vex.forEach((st, i) => {
    try {
      out.push(...readVexText(JSON.stringify(st.predicate), `openvex attestation ${i + 1}`).statements);
    } catch {
      // A signed but malformed OpenVEX document mitigates nothing.
    }
  });
  return out;
}

interface Waiver {
  ids: Set<string>;
  package?: string;
}

function waivers(gates: Statement[]): Waiver[] {
  const out: Waiver[] = [];
  for (const st of gates) {
    const p = isRecord(st.predicate) ? st.predicate : {};
    if (p.verdict !== "pass" || !Array.isArray(p.waived)) continue;
    for (const w of p.waived) {
      if (!isRecord(w) || typeof w.id !== "string") continue;
      const pkg = typeof w.package === "string" ? (normalizePurl(w.package) ?? w.package) : undefined;
      out.push({ ids: new Set([w.id.trim().toUpperCase()]), ...(pkg ? { package: pkg } : {}) });
    }
  }
  return out;
}

function waived(r: ScanResult, ws: Waiver[]): boolean {
  const ids = [r.id, ...r.aliases].map((s) => s.trim().toUpperCase());
  const pkg = r.package ? (normalizePurl(r.package) ?? r.package) : undefined;
  return ws.some((w) => ids.some((id) => w.ids.has(id)) && (w.package === undefined || pkg === undefined || w.package === pkg));
}

export interface ScanCheckInput {
  digest: string;
  /** Verified statements, by kind. */
  scans: Statement[];
  vex: Statement[];
  gates: Statement[];
  now: Date;
  conditions: ScanConditions;
}

/** Throws `attestation.condition` naming the stale date or the unmitigated findings; else a summary. */
export function checkScanConditions(input: ScanCheckInput): string {
  const { conditions, now } = input;
  const dated = input.scans.map((st) => ({ st, at: finishedOn(st) })).filter((s): s is { st: Statement; at: number } => s.at !== undefined);
  if (dated.length === 0) {
    throw new VerifyError("attestation.condition", `no verified vulnerability attestation for ${input.digest} has a readable metadata.scanFinishedOn`, "attest a scan with `mailknight attest` after the scan stage");
  }
  const newest = dated.reduce((a, b) => (b.at > a.at ? b : a));
  const finished = new Date(newest.at).toISOString();
  if (newest.at > now.getTime() + FUTURE_SKEW_MS) {
    throw new VerifyError("attestation.condition", `the newest vulnerability scan says it finished at ${finished}, after now (${now.toISOString()})`, "check the signer's clock");
  }
  const ageDays = (now.getTime() - newest.at) / DAY_MS;
  if (conditions.maxAgeDays !== undefined && ageDays > conditions.maxAgeDays) {
    throw new VerifyError(
      "attestation.condition",
      `the newest vulnerability scan finished at ${finished}, ${ageDays.toFixed(1)} days ago; policy allows at most ${conditions.maxAgeDays} days`,
      "rescan the image and attest the new scan",
    );
  }
  const failOn = new Set(conditions.failOn ?? DEFAULT_SCAN_FAIL_ON);
  const results = scanResults(newest.st).filter((r) => failOn.has(r.severity));
  const statements = vexStatements(input.vex);
  const subject = { purls: imagePurls(input.digest, [newest.st]) };
  const ws = waivers(input.gates);
  const open = results.filter((r) => {
    if (waived(r, ws)) return false;
    const sel = selectStatement(statements, asFinding(r), subject, now);
    return !(sel.statement && !sel.expired && (sel.statement.status === "not_affected" || sel.statement.status === "fixed"));
  });
  if (open.length > 0) {
    const list = open.map((r) => `${r.id} (${r.severity}${r.package ? `, ${r.package}` : ""})`).sort();
    throw new VerifyError(
      "attestation.condition",
      `the vulnerability scan of ${finished} has ${open.length} unmitigated ${[...failOn].join("/")} finding(s): ${list.join(", ")}`,
      "fix them, or attest a signed OpenVEX statement (not_affected / fixed) for this image",
    );
  }
  const mitigated = results.length;
  return `scan of ${finished} (${ageDays.toFixed(1)} days old)${conditions.maxAgeDays !== undefined ? ` within ${conditions.maxAgeDays} days` : ""}; ${failOn.size > 0 ? `no unmitigated ${[...failOn].join("/")}${mitigated > 0 ? ` (${mitigated} mitigated by VEX or gate waiver)` : ""}` : "severities not checked"}`;
}
