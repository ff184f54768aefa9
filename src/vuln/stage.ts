/**
 * scan: matches every variant's SBOM (from the sbom stage) against the workspace's OSV database
 * (`mailknight db import`). Findings go to `scan/<variant>.findings.json` for the gate. With no
 * database the stage still records that, so the gate can fail closed on it.
 */
import { join } from "node:path";
import { digestOfJson } from "../util/digest.js";
import { pathExists, writeJsonAtomic } from "../util/fs.js";
import { recordOf, type StageDefinition } from "../pipeline/context.js";
import type { SbomOutput } from "../sbom/stage.js";
import { openVulnDb, readManifest, vulnDbDir, scanSbom } from "./index.js";
import { SEVERITIES, type Severity } from "./model.js";

export interface ScanOutput {
  variant: string;
  findingsFile: string;
  findings: number;
  bySeverity: Record<Severity, number>;
  /** Age in days of the stalest vulnerability data the scan used (undefined: none needed or none there). */
  dataAgeDays?: number;
}

export const scanStage: StageDefinition = {
  name: "scan",
  async inputs(ctx) {
    const manifest = await readManifest(vulnDbDir(ctx.ws.root));
    return {
      sbom: recordOf(ctx, "sbom").outputDigest,
      // The manifest names every ecosystem file by its sha256: new data, new scan.
      vulnData: manifest && manifest.ecosystems.length > 0 ? digestOfJson(manifest) : "none",
      // Data ages by the day, and the gate reads the age from this record.
      day: new Date().toISOString().slice(0, 10),
    };
  },
  async outputsIntact(_ctx, record) {
    for (const s of record.outputs.scans as ScanOutput[]) if (!(await pathExists(s.findingsFile))) return false;
    return true;
  },
  async run(ctx, dir, inputs) {
    const sboms = recordOf(ctx, "sbom").outputs.sboms as SbomOutput[];
    const haveData = inputs.vulnData !== "none";
    if (!haveData) {
      ctx.emit({ type: "log", stage: "scan", level: "warn", message: "no vulnerability data: import OSV data with `mailknight db import <dir|all.zip>`; the gate decides what that means (gate.allowMissingData)" });
    }
    const db = haveData ? await openVulnDb(vulnDbDir(ctx.ws.root)) : undefined;
    const scans: ScanOutput[] = [];
    const contents: Record<string, unknown> = {};
    for (const sbom of sboms) {
      const result = db ? await scanSbom(sbom.cyclonedx.path, { db }) : undefined;
      const findings = result?.findings ?? [];
      for (const w of result?.warnings ?? []) ctx.emit({ type: "log", stage: "scan", level: "warn", message: `${sbom.variant}: ${w}` });
      const findingsFile = join(dir, `${sbom.variant}.findings.json`);
      await writeJsonAtomic(findingsFile, findings);
      contents[sbom.variant] = findings;
      const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length])) as Record<Severity, number>;
      scans.push({ variant: sbom.variant, findingsFile, findings: findings.length, bySeverity, ...(result?.dataAge.ageDays !== undefined ? { dataAgeDays: result.dataAge.ageDays } : {}) });
    }
    return {
      outputs: { scans, vulnData: haveData ? "osv" : "none" },
      outputDigest: digestOfJson({ vulnData: inputs.vulnData, findings: contents }),
    };
  },
};
