/**
 * The workspace: a directory (usually a Git repository) with `mailknight.yaml`, one recipe per
 * project under `projects/`, patchsets under `patches/`, VEX under `vex/`, and `.mailknight/`
 * (git-ignored) for work directories and caches.
 */
import { readdir } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { MkError, type Problem } from "../errors.js";
import { isDirectory, pathExists } from "../util/fs.js";
import { loadYamlWithSchema } from "./load.js";
import { projectSchema, workspaceConfigSchema, type ProjectRecipe, type SourceEntry, type WorkspaceConfig } from "./schema.js";
import { unpinnedBaseProblems } from "../pipeline/stages/package-plan.js";

export const CONFIG_FILE = "mailknight.yaml";

export interface Workspace {
  root: string;
  config: WorkspaceConfig;
  /** `.mailknight/` */
  stateDir: string;
  cacheDir: string;
  workDir: string;
  /** Absolute path of the output OCI layout. */
  layoutDir: string;
}

export const paths = {
  projectFile: (root: string, project: string) => join(root, "projects", project, "project.yaml"),
  projectDir: (root: string, project: string) => join(root, "projects", project),
  patchDir: (root: string, project: string, version: string) => join(root, "patches", project, version),
  vexDir: (root: string, project: string) => join(root, "vex", project),
};

/** Finds the workspace root: an explicit directory, else the nearest parent with mailknight.yaml. */
export async function findWorkspaceRoot(start: string, explicit?: string): Promise<string> {
  if (explicit) {
    const root = resolve(explicit);
    if (!(await pathExists(join(root, CONFIG_FILE)))) {
      throw new MkError("E_NOT_FOUND", `${root} is not a Mailknight workspace (no ${CONFIG_FILE})`, {
        hint: `create one with \`mailknight init ${explicit}\``,
      });
    }
    return root;
  }
  let dir = resolve(start);
  for (;;) {
    if (await pathExists(join(dir, CONFIG_FILE))) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new MkError("E_NOT_FOUND", `no ${CONFIG_FILE} in ${resolve(start)} or any parent directory`, {
    hint: "run inside a workspace, pass --workspace <dir>, or create one with `mailknight init <dir>`",
  });
}

export async function openWorkspace(root: string): Promise<Workspace> {
  const config = await loadYamlWithSchema(join(root, CONFIG_FILE), CONFIG_FILE, workspaceConfigSchema);
  const stateDir = join(root, ".mailknight");
  return {
    root,
    config,
    stateDir,
    cacheDir: join(stateDir, "cache"),
    workDir: join(stateDir, "work"),
    layoutDir: resolve(root, config.output.layout),
  };
}

export async function listProjects(root: string): Promise<string[]> {
  const dir = join(root, "projects");
  if (!(await isDirectory(dir))) return [];
  const names: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isDirectory() && (await pathExists(join(dir, entry.name, "project.yaml")))) names.push(entry.name);
  }
  return names;
}

export async function loadProject(root: string, name: string): Promise<ProjectRecipe> {
  const file = paths.projectFile(root, name);
  if (!(await pathExists(file))) {
    const known = await listProjects(root);
    throw new MkError("E_NOT_FOUND", `no project named "${name}" (expected ${relative(root, file)})`, {
      hint: known.length ? `known projects: ${known.join(", ")}` : "add one with `mailknight project add <name> --git <url>`",
    });
  }
  const recipe = await loadYamlWithSchema(file, relative(root, file), projectSchema);
  const problems = await checkRecipeSemantics(root, name, recipe);
  if (problems.length > 0) {
    const pinOnly = problems.every((p) => p.message.includes("not pinned"));
    throw new MkError(pinOnly ? "E_PIN_MISSING" : "E_CONFIG_INVALID", `${relative(root, file)} has ${problems.length} problem${problems.length === 1 ? "" : "s"}`, {
      problems,
      hint: "fix every problem listed",
    });
  }
  return recipe;
}

/** Checks that need more than the schema: names, pins, files on disk. */
export async function checkRecipeSemantics(root: string, dirName: string, recipe: ProjectRecipe): Promise<Problem[]> {
  const file = relative(root, paths.projectFile(root, dirName));
  const problems: Problem[] = [];
  if (recipe.name !== dirName) {
    problems.push({ file, path: "name", value: JSON.stringify(recipe.name), message: `must equal the directory name "${dirName}"` });
  }
  const seen = new Set<string>();
  recipe.sources.forEach((src, i) => {
    if (seen.has(src.version)) problems.push({ file, path: `sources[${i}].version`, value: src.version, message: "is listed twice" });
    seen.add(src.version);
    if (recipe.insecure) return;
    if (src.git && !src.git.commit) {
      problems.push({
        file,
        path: `sources[${i}].git.commit`,
        message: "source is not pinned: add the 40-character commit the tag points to (`mailknight project pin` resolves it) or set insecure: true",
      });
    }
    if (src.tarball && !src.tarball.sha256 && !src.tarball.sha512) {
      problems.push({
        file,
        path: `sources[${i}].tarball`,
        message: "source is not pinned: add sha256 or sha512 of the tarball, or set insecure: true",
      });
    }
  });
  for (const [i, f] of recipe.package.files.entries()) {
    const abs = resolve(paths.projectDir(root, dirName), f.src);
    if (!abs.startsWith(paths.projectDir(root, dirName) + "/")) {
      problems.push({ file, path: `package.files[${i}].src`, value: f.src, message: "must stay inside the project directory" });
    } else if (!(await pathExists(abs))) {
      problems.push({ file, path: `package.files[${i}].src`, value: f.src, message: `file not found (looked for ${relative(root, abs)})` });
    }
  }
  // A registry base must be pinned by digest, like a source (package-plan.ts says how).
  problems.push(...unpinnedBaseProblems(recipe, file));
  const variants = recipe.package.variants;
  for (const v of ["standard", "dev"] as const) {
    const spec = variants[v];
    if (spec && !(spec.base ?? recipe.package.base)) {
      problems.push({ file, path: `package.variants.${v}.base`, message: `the ${v} variant needs a base image: set package.base or package.variants.${v}.base (use "scratch" for none)` });
    }
  }
  if (!variants.distroless && !variants.standard && !variants.dev) {
    problems.push({ file, path: "package.variants", message: "enable at least one of distroless, standard, dev" });
  }
  return problems;
}

/** Picks the source for `version`, or the first (default) one. */
export function selectSource(recipe: ProjectRecipe, version: string | undefined): SourceEntry {
  if (version === undefined) return recipe.sources[0]!;
  const found = recipe.sources.find((s) => s.version === version);
  if (!found) {
    throw new MkError("E_NOT_FOUND", `project ${recipe.name} has no source for version "${version}"`, {
      hint: `versions in the recipe: ${recipe.sources.map((s) => s.version).join(", ")}`,
    });
  }
  return found;
}

/** The upstream git URL a recipe names (GitHub shorthand expanded). */
export function upstreamGitUrl(recipe: ProjectRecipe): string | undefined {
  if (recipe.upstream.git) return recipe.upstream.git;
  if (recipe.upstream.github) return `https://github.com/${recipe.upstream.github}.git`;
  return undefined;
}

/** Parses `project` or `project@version`. */
export function parseProjectRef(ref: string): { project: string; version?: string } {
  const at = ref.indexOf("@");
  if (at === -1) return { project: ref };
  const project = ref.slice(0, at);
  const version = ref.slice(at + 1);
  if (!project || !version) throw new MkError("E_USAGE", `"${ref}" is not <project> or <project>@<version>`);
  return { project, version };
}
