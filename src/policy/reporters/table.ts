/** Plain-text table for terminals and CI logs: one row per finding, then the verdict. */
import type { GateDecision } from "../decide.js";
import { packageLabel, statusLabel } from "./common.js";
import type { ReportContext, Reporter } from "./types.js";
import { formatTable as columns } from "../../util/text-table.js";


export function renderTable(d: GateDecision, ctx: ReportContext): string {
  const out: string[] = [];
  if (d.findings.length === 0) out.push("no findings");
  else {
    const rows = d.findings.map((v) => [
      v.blocking ? "BLOCK" : v.suppressed ? "vex" : "ok",
      v.finding.severity === "UNKNOWN" ? `UNKNOWN→${v.effectiveSeverity}` : v.finding.severity,
      v.finding.id,
      packageLabel(v.finding),
      v.finding.fixedVersions[0] ?? "-",
      statusLabel(v),
      v.rule,
    ]);
    out.push(columns(["RESULT", "SEVERITY", "VULNERABILITY", "PACKAGE", "FIXED IN", "VEX STATUS", "RULE"], rows));
  }
  const blocking = d.findings.filter((v) => v.blocking);
  if (blocking.length) {
    out.push("", "blocking:");
    for (const v of blocking) out.push(`  ${v.finding.id} in ${packageLabel(v.finding)}: ${v.reason}`);
  }
  for (const c of d.checks) out.push(`${c.passed ? "ok" : c.action === "fail" ? "FAIL" : "warning"}: ${c.message}`);
  const s = d.summary;
  out.push(
    "",
    `gate ${d.passed ? "PASSED" : "FAILED"}${ctx.target ? ` for ${ctx.target}` : ""}: ${s.total} finding(s), ${s.blocking} blocking, ${s.suppressed} suppressed by VEX`,
  );
  return out.join("\n") + "\n";
}

export const table: Reporter = { id: "table", defaultFile: "gate.txt", render: renderTable };
