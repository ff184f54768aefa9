/**
 * gate: decides, per variant, whether the release may go on: the scan's findings against the
 * project's VEX decisions (`vex/<project>/`) under the workspace's gate policy, and the hardening
 * (and, for `build.fips` recipes, FIPS) properties of every ELF file the build shipped in the
 * packaged image (binaries.ts, `gate.hardening`). Writes the decision, the binary check
 * (`<variant>.binaries.json`) and the reports GitLab shows (container scanning, JUnit) plus
 * SARIF; the binary check's failures are gate-level checks of the decision, so every report shows
 * them. A failed gate is recorded (`verdict: "fail"`), so signing and publishing can refuse it;
 * `mailknight run` then exits 1.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PackageURL } from "packageurl-js";
import { digestOfJson } from "../util/digest.js";
import { pathExists, writeFileAtomic, writeJsonAtomic } from "../util/fs.js";
import { recordOf, type StageContext, type StageDefinition } from "../pipeline/context.js";
import { MAILKNIGHT_VERSION } from "../pipeline/version.js";
import { invalidBinary } from "../inspect/hardening.js";
import { projectStatements } from "../vex/store.js";
import type { Finding } from "../vuln/model.js";
import type { ScanOutput } from "../vuln/stage.js";
import { binariesReason, binaryChecks, judgeBinaries, type BinariesReport, type HardeningPolicy } from "./binaries.js";
import { assessImageBinaries, BINARY_CHECKS_VERSION } from "./binaries-image.js";
import { decide, type GateDecision } from "./decide.js";
import { REPORTERS, type ReportFormat } from "./reporters/index.js";

/** Reports written next to each decision: what GitLab shows on merge requests, and SARIF. */
const STAGE_REPORTS: ReportFormat[] = ["gitlab", "junit", "sarif"];

export interface GateOutput {
  variant: string;
  passed: boolean;
  blocking: number;
  decisionFile: string;
  /** The hardening/FIPS check of the image's binaries (`mailknight/gate-binaries/v1`). */
  binariesFile: string;
  binaries: { passed: boolean; checked: number; failed: number; exempted: number };
  reports: Record<string, string>;
  reason?: string;
}

/** The image as VEX statements name it: `pkg:oci/<project>@sha256:...`, and version-less. */
function imagePurls(project: string, digest: string): string[] {
  return [new PackageURL("oci", undefined, project, digest, undefined, undefined).toString(), `pkg:oci/${project}`];
}

/**
 * The project's VEX, read once per run: `inputs` digests it and `run`, called right after with the
 * same context, decides with the same statements.
 */
const vexOfRun = new WeakMap<StageContext, ReturnType<typeof projectStatements>>();
function vexOf(ctx: StageContext): ReturnType<typeof projectStatements> {
  let vex = vexOfRun.get(ctx);
  if (!vex) vexOfRun.set(ctx, (vex = projectStatements(ctx.ws.root, ctx.project)));
  return vex;
}

export const gateStage: StageDefinition = {
  name: "gate",
  async inputs(ctx) {
    const vex = await vexOf(ctx);
    return {
      scan: recordOf(ctx, "scan").outputDigest,
      // The images are the decision's subject (VEX statements can name them by digest).
      images: recordOf(ctx, "package").outputDigest,
      vex: digestOfJson(vex.statements.map((s) => ({ ...s, source: undefined }))),
      policy: ctx.ws.config.gate,
      // The binary check judges the packaged images (above) by these rules and the recipe's fips switch.
      binaries: { checks: BINARY_CHECKS_VERSION, fips: ctx.recipe.build.fips },
      // Expiry dates and data age are judged against today: decide again each day.
      day: new Date().toISOString().slice(0, 10),
    };
  },
  async outputsIntact(_ctx, record) {
    for (const g of record.outputs.gates as GateOutput[]) {
      if (!(await pathExists(g.decisionFile)) || !g.binariesFile || !(await pathExists(g.binariesFile))) return false;
    }
    return true;
  },
  async run(ctx, dir) {
    const scan = recordOf(ctx, "scan");
    const packaged = recordOf(ctx, "package");
    const images = packaged.outputs.images as { variant: string; digest: string; builtLayer?: string }[];
    const layoutDir = (packaged.outputs.layoutDir as string | undefined) ?? ctx.ws.layoutDir;
    const fips = ctx.recipe.build.fips;
    const policy = ctx.ws.config.gate;
    const vex = await vexOf(ctx);
    for (const w of vex.warnings) ctx.emit({ type: "log", stage: "gate", level: "warn", message: w });
    const noData = scan.outputs.vulnData === "none";
    const now = new Date();
    const gates: GateOutput[] = [];
    for (const s of scan.outputs.scans as ScanOutput[]) {
      const findings = JSON.parse(await readFile(s.findingsFile, "utf8")) as Finding[];
      const image = images.find((i) => i.variant === s.variant);
      const digest = image?.digest ?? "";
      const cves = decide(findings, vex.statements, policy, now, {
        subject: { purls: digest ? imagePurls(ctx.project, digest) : [`pkg:oci/${ctx.project}`] },
        ...(s.dataAgeDays !== undefined ? { dataAgeDays: s.dataAgeDays } : {}),
      });
      const binaries = await checkBinaries(layoutDir, digest, policy.hardening, fips, image?.builtLayer);
      const binariesFile = join(dir, `${s.variant}.binaries.json`);
      await writeJsonAtomic(binariesFile, { ...binaries, image: digest || undefined });
      // The binary check joins the CVE decision as gate-level checks (one per blocking property).
      const decision: GateDecision = { ...cves, passed: cves.passed && binaries.passed, checks: [...cves.checks, ...binaryChecks(binaries)] };
      // No data at all is not "no findings": it fails unless the policy explicitly allows it.
      const missingData = noData && !policy.allowMissingData;
      const passed = decision.passed && !missingData;
      const decisionFile = join(dir, `${s.variant}.decision.json`);
      await writeJsonAtomic(decisionFile, {
        ...decision,
        passed,
        binaries: { passed: binaries.passed, file: binariesFile, ...binaries.summary },
        ...(noData ? { vulnerabilityData: "none", allowMissingData: policy.allowMissingData } : {}),
      });
      const reportCtx = { toolVersion: MAILKNIGHT_VERSION, target: `${ctx.ref} (${s.variant})`, image: digest ? imagePurls(ctx.project, digest)[0] : undefined };
      const reports: Record<string, string> = {};
      for (const format of STAGE_REPORTS) {
        const file = join(dir, `${s.variant}.${REPORTERS[format].defaultFile}`);
        await writeFileAtomic(file, REPORTERS[format].render(decision, reportCtx));
        reports[format] = file;
      }
      const reasons: string[] = [];
      if (missingData) reasons.push("no vulnerability data was imported (mailknight db import), and gate.allowMissingData is false");
      if (!cves.passed) reasons.push(`${cves.summary.blocking} blocking finding(s)${cves.checks.filter((c) => !c.passed).map((c) => `; ${c.message}`).join("")}`);
      const binaryReason = binariesReason(binaries);
      if (binaryReason) reasons.push(`${binaryReason}; see ${binariesFile}`);
      const reason = reasons.length ? reasons.join("; ") : undefined;
      const binarySummary = { passed: binaries.passed, checked: binaries.summary.binaries, failed: binaries.summary.failed, exempted: binaries.summary.exempted };
      gates.push({ variant: s.variant, passed, blocking: decision.summary.blocking, decisionFile, binariesFile, binaries: binarySummary, reports, ...(reason ? { reason } : {}) });
      for (const w of binaries.warnings) ctx.emit({ type: "log", stage: "gate", level: "warn", message: `${s.variant}: ${w}` });
      ctx.emit({ type: "log", stage: "gate", level: passed ? "info" : "warn", message: `${s.variant}: ${passed ? "pass" : `FAIL: ${reason}`}` });
    }
    const verdict = gates.every((g) => g.passed) ? "pass" : "fail";
    return {
      outputs: { verdict, passed: verdict === "pass", gates },
      outputDigest: digestOfJson({ verdict, gates: gates.map((g) => [g.variant, g.passed, g.blocking, g.binaries.passed, g.binaries.failed]) }),
    };
  },
};

/** The binary check of one packaged image; no image to read fails closed. */
async function checkBinaries(layoutDir: string, digest: string, policy: HardeningPolicy, fips: boolean, builtLayer?: string): Promise<BinariesReport> {
  if (!digest) return judgeBinaries([invalidBinary("(image)", "the package stage recorded no image for this variant")], policy, { fips });
  const found = await assessImageBinaries(layoutDir, digest, { fips }, builtLayer);
  return judgeBinaries(found.assessments, policy, { fips, readerWarnings: found.warnings });
}
