/**
 * The predicates for one packaged image of a release, read from the pipeline's work directory:
 * SLSA provenance from the stage records, the SBOM the sbom stage wrote (when it ran), and the
 * project's OpenVEX documents. Reading only; signing and attaching happen in sign/.
 */
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { digestOfJson } from "../util/digest.js";
import { MAILKNIGHT_VERSION } from "../pipeline/version.js";
import { buildProvenance, readStageRecords } from "./provenance.js";
import { openvexPredicate, sbomPredicate, type Predicate } from "./predicates.js";
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
  return out;
}
