/**
 * The predicates for one packaged image of a release, read from the pipeline's work directory:
 * SLSA provenance from the stage records, the SBOM the sbom stage wrote (when it ran), the
 * project's OpenVEX documents, and the scan's findings and the gate's decision for the variant. Reading only; signing and attaching happen in sign/.
 */
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { digestOfJson } from "../util/digest.js";
import { MAILKNIGHT_VERSION } from "../pipeline/version.js";
import { buildProvenance, readStageRecords } from "./provenance.js";
import { gateDecisionPredicate, openvexPredicate, sbomPredicate, vulnScanPredicate, type Predicate } from "./predicates.js";
import type { StageRecord } from "../pipeline/record.js";
import type { GateDecision as PolicyDecision } from "../policy/decide.js";
import type { Finding } from "../vuln/model.js";
import { PredicateType } from "./statement.js";

export interface ReleaseImageInput {
  /** `.mailknight/work/<p>/<v>` */
  workDir: string;
  /** `vex/<p>` in the workspace */
  vexDir: string;
  project: string;
  version: string;
  variant: string;
  recipe: unknown;
  baseDigest?: string;
  env: Record<string, string | undefined>;
}

async function readJsonIfPresent(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as unknown;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

export async function releasePredicates(input: ReleaseImageInput): Promise<Predicate[]> {
  const records = await readStageRecords(input.workDir, ["fetch", "patch", "build", "package", "sbom", "scan", "gate"]);
  const out: Predicate[] = [
    [
      PredicateType.slsaProvenance,
      buildProvenance({
        project: input.project,
        version: input.version,
        variant: input.variant,
        recipeDigest: digestOfJson(input.recipe),
        records,
        env: input.env,
        mailknightVersion: MAILKNIGHT_VERSION,
        ...(input.baseDigest ? { baseDigest: input.baseDigest } : {}),
      }),
    ],
  ];
  for (const name of [`${input.variant}.cdx.json`, `${input.variant}.spdx.json`]) {
    const doc = await readJsonIfPresent(join(input.workDir, "sbom", name));
    if (doc !== undefined) out.push(sbomPredicate(doc));
  }
  let vexFiles: string[] = [];
  try {
    vexFiles = (await readdir(input.vexDir)).filter((f) => f.endsWith(".json")).sort();
  } catch {
    vexFiles = [];
  }
  for (const f of vexFiles) out.push(openvexPredicate(await readJsonIfPresent(join(input.vexDir, f))));
  const scan = records.find((r) => r.stage === "scan")?.record;
  const findings = (await readJsonIfPresent(join(input.workDir, "scan", `${input.variant}.findings.json`))) as Finding[] | undefined;
  if (scan && findings) out.push(scanPredicate(scan, findings));
  const decision = (await readJsonIfPresent(join(input.workDir, "gate", `${input.variant}.decision.json`))) as PolicyDecision | undefined;
  if (decision) out.push(gatePredicate(decision));
  return out;
}

/** The scan stage's findings for one variant, in the in-toto vulns predicate. */
function scanPredicate(record: StageRecord, findings: Finding[]): Predicate {
  return vulnScanPredicate({
    scanner: { uri: "https://mailknight.dev/scanner", version: MAILKNIGHT_VERSION },
    // The database version is the digest of the imported OSV data's manifest (every file by sha256).
    ...(record.outputs.vulnData === "osv" ? { dbUri: "https://osv.dev", dbVersion: String(record.inputs.vulnData) } : {}),
    startedOn: record.startedAt,
    finishedOn: record.finishedAt,
    results: findings.map((f) => ({ id: f.id, severity: f.severity, ...(f.package.purl ? { package: f.package.purl } : {}) })),
  });
}

/** The gate stage's decision for one variant, in our gate-decision predicate (see the README). */
function gatePredicate(d: PolicyDecision): Predicate {
  const entry = (v: PolicyDecision["findings"][number]) => ({ id: v.finding.id, severity: v.effectiveSeverity, package: v.finding.package.purl ?? `${v.finding.package.ecosystem}/${v.finding.package.name}@${v.finding.package.version}` });
  return gateDecisionPredicate({
    verdict: d.passed ? "pass" : "fail",
    policy: { digest: digestOfJson(d.policy) },
    decidedOn: d.decidedAt,
    blocking: d.findings.filter((v) => v.blocking).map(entry),
    waived: d.findings.filter((v) => v.suppressed && v.statement).map((v) => ({ ...entry(v), vex: v.statement!.source.documentId })),
  });
}
