/**
 * The edge that reads the workspace into a CiInput: recipes (names, versions, variants and their
 * tag suffixes), the output layout and the registry. Stages and commands are passed in by the
 * caller (the CLI knows which exist), keeping this module free of the command tree.
 */
import { relative } from "node:path";
import { planVariant } from "../pipeline/stages/package-plan.js";
import { releaseStagesOf } from "../pipeline/record.js";
import { listProjects, loadProject, type Workspace } from "../workspace/workspace.js";
import { VARIANTS } from "../workspace/schema.js";
import { TEMPLATE_FILE, type CiInput, type CiProject, type TemplateSource } from "./model.js";

export interface CollectOptions {
  stages: readonly string[];
  commands: readonly string[];
  template?: TemplateSource;
  defaultBranch?: string;
}

export async function collectProject(ws: Workspace, name: string): Promise<CiProject> {
  const recipe = await loadProject(ws.root, name);
  return {
    name: recipe.name,
    versions: recipe.sources.map((s) => {
      const variants: Record<string, string> = {};
      for (const v of VARIANTS) if (recipe.package.variants[v]) variants[v] = planVariant(recipe, v).tagSuffix;
      return { version: s.version, variants };
    }),
  };
}

export async function collectInput(ws: Workspace, opts: CollectOptions): Promise<CiInput> {
  const projects: CiProject[] = [];
  for (const name of (await listProjects(ws.root)).sort()) projects.push(await collectProject(ws, name));
  const reg = ws.config.registry;
  return {
    stages: [...opts.stages],
    releaseStages: releaseStagesOf(ws),
    // Sorted: the order commander registers commands in must not change the output.
    commands: [...opts.commands].sort(),
    projects,
    layout: relative(ws.root, ws.layoutDir) || ".",
    registry: reg ? `${reg.host}${reg.namespace ? `/${reg.namespace}` : ""}` : undefined,
    template: opts.template ?? { kind: "local", file: TEMPLATE_FILE },
    defaultBranch: opts.defaultBranch ?? "main",
  };
}
