/** The findings the pipeline's scan stage recorded for a project version, for `mailknight gate <p>@<v>`. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { requireRecord } from "../pipeline/record.js";
import type { Finding } from "../vuln/model.js";
import type { ScanOutput } from "../vuln/stage.js";
import { loadProject, openWorkspace, selectSource } from "../workspace/index.js";

export async function scanStageFindings(root: string, project: string, version: string | undefined): Promise<{ findings: Finding[]; dataAgeDays?: number }> {
  const ws = await openWorkspace(root);
  const v = selectSource(await loadProject(root, project), version).version;
  const record = await requireRecord(join(ws.workDir, project, v, "scan"), "scan", `${project}@${v}`);
  const findings: Finding[] = [];
  let dataAgeDays: number | undefined;
  for (const s of record.outputs.scans as ScanOutput[]) {
    findings.push(...(JSON.parse(await readFile(s.findingsFile, "utf8")) as Finding[]));
    if (s.dataAgeDays !== undefined) dataAgeDays = Math.max(dataAgeDays ?? 0, s.dataAgeDays);
  }
  return dataAgeDays === undefined ? { findings } : { findings, dataAgeDays };
}
