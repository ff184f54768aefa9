/**
 * gate: decides, per variant, whether the release may go on: the scan's findings against the
 * project's VEX decisions (`vex/<project>/`) under the workspace's gate policy. Writes the
 * decision and the reports GitLab shows (container scanning, JUnit) plus SARIF. A failed gate is
 * recorded (`verdict: "fail"`), so signing and publishing can refuse it; `mailknight run` then
 * exits 1.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PackageURL } from "packageurl-js";
import { digestOfJson } from "../util/digest.js";
import { pathExists, writeFileAtomic, writeJsonAtomic } from "../util/fs.js";
import { recordOf, type StageDefinition } from "../pipeline/context.js";
import { MAILKNIGHT_VERSION } from "../pipeline/version.js";
import { projectStatements } from "../vex/store.js";
import type { Finding } from "../vuln/model.js";
import type { ScanOutput } from "../vuln/stage.js";
import { decide } from "./decide.js";
import { REPORTERS, type ReportFormat } from "./reporters/index.js";

/** Reports written next to each decision: what GitLab shows on merge requests, and SARIF. */
const STAGE_REPORTS: ReportFormat[] = ["gitlab", "junit", "sarif"];

export interface GateOutput {
  variant: string;
  passed: boolean;
  blocking: number;
  decisionFile: string;
  reports: Record<string, string>;
  reason?: string;
}

/** The image as VEX statements name it: `pkg:oci/<project>@sha256:...`, and version-less. */
function imagePurls(project: string, digest: string): string[] {
  return [new PackageURL("oci", undefined, project, digest, undefined, undefined).toString(), `pkg:oci/${project}`];
}

export const gateStage: StageDefinition = {
  name: "gate",
  async inputs(ctx) {
    const vex = await projectStatements(ctx.ws.root, ctx.project);
    return {
      scan: recordOf(ctx, "scan").outputDigest,
      // The images are the decision's subject (VEX statements can name them by digest).
      images: recordOf(ctx, "package").outputDigest,
      vex: digestOfJson(vex.statements.map((s) => ({ ...s, source: undefined }))),
      policy: ctx.ws.config.gate,
      // Expiry dates and data age are judged against today: decide again each day.
      day: new Date().toISOString().slice(0, 10),
    };
  },
  async outputsIntact(_ctx, record) {
    for (const g of record.outputs.gates as GateOutput[]) if (!(await pathExists(g.decisionFile))) return false;
    return true;
  },
  async run(ctx, dir) {
    const scan = recordOf(ctx, "scan");
    const images = recordOf(ctx, "package").outputs.images as { variant: string; digest: string }[];
    const policy = ctx.ws.config.gate;
    const vex = await projectStatements(ctx.ws.root, ctx.project);
    for (const w of vex.warnings) ctx.emit({ type: "log", stage: "gate", level: "warn", message: w });
    const noData = scan.outputs.vulnData === "none";
    const now = new Date();
    const gates: GateOutput[] = [];
    for (const s of scan.outputs.scans as ScanOutput[]) {
      const findings = JSON.parse(await readFile(s.findingsFile, "utf8")) as Finding[];
      const digest = images.find((i) => i.variant === s.variant)?.digest ?? "";
      const decision = decide(findings, vex.statements, policy, now, {
        subject: { purls: digest ? imagePurls(ctx.project, digest) : [`pkg:oci/${ctx.project}`] },
        ...(s.dataAgeDays !== undefined ? { dataAgeDays: s.dataAgeDays } : {}),
      });
      // No data at all is not "no findings": it fails unless the policy explicitly allows it.
      const missingData = noData && !policy.allowMissingData;
      const passed = decision.passed && !missingData;
      const decisionFile = join(dir, `${s.variant}.decision.json`);
      await writeJsonAtomic(decisionFile, { ...decision, passed, ...(noData ? { vulnerabilityData: "none", allowMissingData: policy.allowMissingData } : {}) });
      const reportCtx = { toolVersion: MAILKNIGHT_VERSION, target: `${ctx.ref} (${s.variant})`, image: digest ? imagePurls(ctx.project, digest)[0] : undefined };
      const reports: Record<string, string> = {};
      for (const format of STAGE_REPORTS) {
        const file = join(dir, `${s.variant}.${REPORTERS[format].defaultFile}`);
        await writeFileAtomic(file, REPORTERS[format].render(decision, reportCtx));
        reports[format] = file;
      }
      const reason = missingData
        ? "no vulnerability data was imported (mailknight db import), and gate.allowMissingData is false"
        : decision.passed
          ? undefined
          : `${decision.summary.blocking} blocking finding(s)${decision.checks.filter((c) => !c.passed).map((c) => `; ${c.message}`).join("")}`;
      gates.push({ variant: s.variant, passed, blocking: decision.summary.blocking, decisionFile, reports, ...(reason ? { reason } : {}) });
      ctx.emit({ type: "log", stage: "gate", level: passed ? "info" : "warn", message: `${s.variant}: ${passed ? "pass" : `FAIL: ${reason}`}` });
    }
    const verdict = gates.every((g) => g.passed) ? "pass" : "fail";
    return { outputs: { verdict, passed: verdict === "pass", gates }, outputDigest: digestOfJson({ verdict, gates: gates.map((g) => [g.variant, g.passed, g.blocking]) }) };
  },
};
