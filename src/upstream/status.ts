/** `mailknight status`: per project and tracked line, upstream latest, ours, releases behind. */
import { isMkError } from "../errors.js";
import { listProjects, loadProject, type Workspace } from "../workspace/index.js";
import { checkProject, type CheckDeps } from "./check.js";

export interface StatusRow {
  project: string;
  line: string;
  source?: string;
  upstreamLatest?: string;
  ours?: string;
  /** Eligible upstream releases on the line newer than ours. */
  behind?: number;
  error?: { code: string; message: string };
}

export async function projectStatus(ws: Workspace, projects: string[] | undefined, deps: CheckDeps): Promise<StatusRow[]> {
  const rows: StatusRow[] = [];
  for (const project of projects?.length ? projects : await listProjects(ws.root)) {
    try {
      const recipe = await loadProject(ws.root, project);
      const check = await checkProject(ws, recipe, deps);
      for (const l of check.lines) {
        rows.push({ project, line: l.line, source: check.source, ...(l.latest ? { upstreamLatest: l.latest.tag } : {}), ...(l.ours ? { ours: l.ours } : {}), behind: l.newer.length });
      }
    } catch (e) {
      // One unreachable upstream must not hide the drift of every other project.
      if (!isMkError(e)) throw e;
      rows.push({ project, line: "-", error: { code: e.code, message: e.message.split("\n")[0]! } });
    }
  }
  return rows;
}
