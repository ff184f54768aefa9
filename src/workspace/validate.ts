/** `mailknight validate`: every problem in mailknight.yaml and the recipes, in one report. */
import { join, relative } from "node:path";
import { isMkError, type Problem } from "../errors.js";
import { loadYamlWithSchema } from "./load.js";
import { projectSchema, workspaceConfigSchema } from "./schema.js";
import { checkRecipeSemantics, CONFIG_FILE, listProjects, paths } from "./workspace.js";

export interface ValidationReport {
  files: string[];
  problems: Problem[];
}

async function collect(problems: Problem[], fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (isMkError(e) && e.problems.length > 0) problems.push(...e.problems);
    else if (isMkError(e)) problems.push({ file: "", path: "", message: e.message });
    else throw e;
  }
}

export async function validateWorkspace(root: string, only?: string[]): Promise<ValidationReport> {
  const problems: Problem[] = [];
  const files = [CONFIG_FILE];
  await collect(problems, async () => {
    await loadYamlWithSchema(join(root, CONFIG_FILE), CONFIG_FILE, workspaceConfigSchema);
  });
  const projects = only ?? (await listProjects(root));
  for (const name of projects) {
    const file = relative(root, paths.projectFile(root, name));
    files.push(file);
    await collect(problems, async () => {
      const recipe = await loadYamlWithSchema(paths.projectFile(root, name), file, projectSchema);
      problems.push(...(await checkRecipeSemantics(root, name, recipe)));
    });
  }
  return { files, problems };
}
