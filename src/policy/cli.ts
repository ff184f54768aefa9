/**
 * `mailknight gate`: argument parsing, input loading and output only; the decision is
 * `decide()` and the formats are the reporters. The report goes to stdout (or -o); warnings go to
 * stderr; a failed gate exits 1 after the reports are written, so CI keeps them as artifacts.
 */
import { Option, type Command } from "commander";
import { resolve } from "node:path";
import { MkError, isMkError } from "../errors.js";
import { MAILKNIGHT_VERSION } from "../pipeline/version.js";
import { writeFileAtomic } from "../util/fs.js";
import { loadVex } from "../vex/read.js";
import { projectStatements } from "../vex/store.js";
import type { VexStatement } from "../vex/model.js";
import { normalizePurl } from "../vex/purl.js";
import { importReport, mergeFindings, scanSbom, vulnDbDir, type Finding } from "../vuln/index.js";
import { openWorkspace, parseProjectRef } from "../workspace/index.js";
import { decide } from "./decide.js";
import { scanStageFindings } from "./scan-input.js";
import { readFindingsFile } from "./findings-input.js";
import { defaultGatePolicy, type GatePolicy } from "./policy.js";
import { REPORT_FORMATS, REPORTERS, type ReportFormat } from "./reporters/index.js";
import { commandIo, type CliDeps } from "../cli/deps.js";

export type GateCliDeps = CliDeps;

interface GateOptions {
  findings: string[];
  trivy: string[];
  grype: string[];
  sbom?: string;
  db?: string;
  vex: string[];
  image: string[];
  format: ReportFormat;
  output?: string;
  report: string[];
  dataAgeDays?: string;
  at?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function parseAt(at: string | undefined, now: () => Date): Date {
  if (at === undefined) return now();
  const t = Date.parse(at);
  if (Number.isNaN(t)) throw new MkError("E_USAGE", `--at ${at} is not a date or date-time`, { hint: "e.g. 2026-01-31 or 2026-01-31T12:00:00Z" });
  return new Date(t);
}

function parseReports(list: readonly string[]): { format: ReportFormat; file: string }[] {
  return list.map((spec) => {
    const eq = spec.indexOf("=");
    const format = (eq > 0 ? spec.slice(0, eq) : spec) as ReportFormat;
    if (!REPORT_FORMATS.includes(format)) throw new MkError("E_USAGE", `--report ${spec}: unknown format "${format}"`, { hint: `formats: ${REPORT_FORMATS.join(", ")}` });
    return { format, file: eq > 0 ? spec.slice(eq + 1) : REPORTERS[format].defaultFile };
  });
}

export function registerGateCommands(program: Command, deps: GateCliDeps = {}): void {
  const { out, err, now, g, rootOf, warn } = commandIo(deps);

  program
    .command("gate")
    .argument("[ref]", "<project>[@<version>]: gate with the workspace's policy and the VEX under vex/<project>/")
    .option("--findings <file>", "findings JSON: an array of findings or `mailknight scan -o` output (repeatable)", collect, [])
    .option("--trivy <report>", "a Trivy JSON report (repeatable)", collect, [])
    .option("--grype <report>", "a Grype JSON report (repeatable)", collect, [])
    .option("--sbom <file>", "scan this CycloneDX SBOM against the local OSV database first")
    .option("--db <dir>", "with --sbom: database directory (default: <workspace>/.mailknight/vulndb)")
    .option("--vex <path>", "VEX file or directory, any of OpenVEX / CycloneDX / CSAF (repeatable; adds to vex/<project>/)", collect, [])
    .option("--image <purl>", "PURL of the image being gated, e.g. pkg:oci/argocd@sha256:... (repeatable; default with a ref: pkg:oci/<project>)", collect, [])
    .addOption(new Option("--format <format>", "report on stdout").choices([...REPORT_FORMATS]).default("table"))
    .option("-o, --output <file>", "write the --format report to this file instead of stdout")
    .option("--report <format=file>", "also write a report in this format to this file (repeatable), e.g. gitlab=gl-container-scanning-report.json", collect, [])
    .option("--data-age-days <days>", "age of the vulnerability data, for gate.maxDataAgeDays (default: from the scan)")
    .option("--at <date-time>", "judge VEX expiry as of this time (default: now)")
    .description("pass/fail a release on its findings and VEX; exit 1 when the gate fails")
    .action(async (ref: string | undefined, o: GateOptions, cmd: Command) => {
      const at = parseAt(o.at, now);
      const parsedRef = ref ? parseProjectRef(ref) : undefined;
      const reports = parseReports(o.report);
      const format: ReportFormat = g(cmd).json && cmd.getOptionValueSource("format") === "default" ? "json" : o.format;

      // Workspace: required with a ref (policy + vex/<project>/); optional otherwise (defaults).
      let root: string | undefined;
      let policy: GatePolicy = defaultGatePolicy();
      try {
        root = await rootOf(cmd);
        policy = (await openWorkspace(root)).config.gate;
      } catch (e) {
        if (parsedRef || g(cmd).workspace || !(isMkError(e) && e.code === "E_NOT_FOUND")) throw e;
      }

      // Findings from every input, merged by alias per package version.
      const warnings: string[] = [];
      const found: Finding[] = [];
      let dataAgeDays: number | undefined;
      for (const f of o.findings) {
        const input = await readFindingsFile(resolve(f), f);
        found.push(...input.findings);
        if (input.dataAgeDays !== undefined) dataAgeDays = Math.max(dataAgeDays ?? 0, input.dataAgeDays);
      }
      for (const [format, files] of [["trivy", o.trivy], ["grype", o.grype]] as const) {
        for (const f of files) {
          const r = await importReport(resolve(f), { format, display: f });
          found.push(...r.findings);
          warnings.push(...r.warnings);
        }
      }
      if (o.sbom) {
        const db = o.db ? resolve(o.db) : vulnDbDir(root ?? (await rootOf(cmd)));
        const r = await scanSbom(resolve(o.sbom), { db, now: () => at, display: o.sbom });
        found.push(...r.findings);
        warnings.push(...r.warnings);
        if (r.dataAge.ageDays !== undefined) dataAgeDays = Math.max(dataAgeDays ?? 0, r.dataAge.ageDays);
      }
      if (o.findings.length + o.trivy.length + o.grype.length === 0 && !o.sbom) {
        if (!parsedRef || !root) {
          throw new MkError("E_USAGE", "no findings to gate on", { hint: "give <project>@<version> after `mailknight run`, or --findings <file> (from `mailknight scan -o`), --trivy/--grype <report>, or --sbom <file>" });
        }
        // A project ref alone: the findings of the pipeline's scan stage, every variant.
        const scan = await scanStageFindings(root, parsedRef.project, parsedRef.version);
        found.push(...scan.findings);
        dataAgeDays = scan.dataAgeDays;
      }
      if (o.dataAgeDays !== undefined) {
        dataAgeDays = Number(o.dataAgeDays);
        if (!Number.isFinite(dataAgeDays) || dataAgeDays < 0) throw new MkError("E_USAGE", `--data-age-days ${o.dataAgeDays} is not a number of days`);
      }
      const findings = mergeFindings(found);

      // VEX: the project's decisions plus any --vex paths.
      const statements: VexStatement[] = [];
      if (parsedRef && root) {
        const p = await projectStatements(root, parsedRef.project);
        statements.push(...p.statements);
        warnings.push(...p.warnings);
      }
      if (o.vex.length) {
        const load = await loadVex(o.vex.map((p) => resolve(p)), process.cwd());
        statements.push(...load.statements);
        warnings.push(...load.warnings);
      }

      const images = o.image.length ? o.image : parsedRef ? [`pkg:oci/${parsedRef.project}`] : [];
      for (const i of images) if (!normalizePurl(i)) throw new MkError("E_USAGE", `--image ${i} is not a package URL`, { hint: "e.g. pkg:oci/argocd@sha256:<hex>" });

      const decision = decide(findings, statements, policy, at, { subject: { purls: images }, ...(dataAgeDays !== undefined ? { dataAgeDays } : {}) });
      warn(cmd, warnings);

      const ctx = { toolVersion: MAILKNIGHT_VERSION, target: ref ?? images[0] ?? [...o.findings, ...o.trivy, ...o.grype, o.sbom].filter(Boolean).join(", "), ...(images[0] ? { image: images[0] } : {}) };
      for (const r of reports) await writeFileAtomic(resolve(r.file), REPORTERS[r.format].render(decision, ctx));
      const text = REPORTERS[format].render(decision, ctx);
      if (o.output) {
        await writeFileAtomic(resolve(o.output), text);
        if (!g(cmd).quiet) err(`gate ${decision.passed ? "passed" : "FAILED"}: ${decision.summary.blocking} blocking of ${decision.summary.total} finding(s); ${format} report in ${o.output}`);
      } else out(text);

      if (!decision.passed) {
        const failedChecks = decision.checks.filter((c) => !c.passed && c.action === "fail").map((c) => c.message);
        throw new MkError("E_GATE_FAILED", `release gate failed${ref ? ` for ${ref}` : ""}: ${decision.summary.blocking} blocking finding(s)${failedChecks.length ? `; ${failedChecks.join("; ")}` : ""}`, {
          hint: "fix or upgrade the packages listed, or record a reviewed decision: mailknight vex add <project> <vuln> --status not_affected --justification ... --expires YYYY-MM-DD",
          details: { summary: decision.summary },
        });
      }
    });
}
